import { weighted } from '../random.ts';
import type { Random } from '../random.ts';
import type { PoolSubject, SubjectKind } from '../pool.ts';
import { cityUnit, countyUnit, nationalUnit, provinceUnit, type Unit } from '../units.ts';
import { addMonths, decisionDate, docNo, LONG_TERM, MAX_DATE, otherCompany, record, yearOf, type CategoryGenerator } from '../common.ts';
import type { DataValue } from '../types.ts';

interface Honor {
  name: (s: PoolSubject, rnd: Random) => string;
  level: '国家级' | '省级' | '市级' | '县级';
  kinds: readonly SubjectKind[];
  /** Individual businesses only (诚信个体工商户). */
  individual?: boolean;
  weight: number;
  /** The granting unit and, for the source unit, who reports it. */
  grantor: (s: PoolSubject) => Unit;
  doc: (s: PoolSubject) => string;
  years: number;
  reason: readonly string[];
}

const HONORS: readonly Honor[] = [
  {
    name: (s) => `${s.city.name}“守合同重信用”企业`, level: '市级', kinds: ['legal_person'], weight: 20, years: 2,
    grantor: (s) => cityUnit(s.city, 'market'), doc: (s) => `${s.city.abbr}市监发`,
    reason: ['连续两年合同履约率100%，无合同违法失信记录', '合同管理制度健全，近三年无合同纠纷败诉记录'],
  },
  {
    name: () => '山东省“守合同重信用”企业', level: '省级', kinds: ['legal_person'], weight: 8, years: 2,
    grantor: () => provinceUnit('market'), doc: () => '鲁市监发',
    reason: ['连续两年合同履约率100%，无合同违法失信记录'],
  },
  {
    name: (s) => `${s.city.name}诚信经营示范单位`, level: '市级', kinds: ['legal_person'], weight: 12, years: 3,
    grantor: (s) => cityUnit(s.city, 'commerce'), doc: (s) => `${s.city.abbr}商务发`,
    reason: ['诚信经营，明码标价，无消费投诉', '积极履行社会责任，产品质量抽检全部合格'],
  },
  {
    name: (s) => `${s.county.name}诚信个体工商户`, level: '县级', kinds: ['legal_person'], individual: true, weight: 30, years: 2,
    grantor: (s) => countyUnit(s.county, 'market'), doc: (s) => `${s.city.abbr}${s.county.abbr}市监发`,
    reason: ['守法经营，诚实守信，近两年无违法记录'],
  },
  {
    name: (s) => `${s.city.name}文明单位`, level: '市级', kinds: ['legal_person', 'non_enterprise'], weight: 15, years: 3,
    grantor: (s) => cityUnit(s.city, 'civilization'), doc: (s) => `${s.city.abbr}文明委`,
    reason: ['精神文明建设成效显著，诚信建设制度化', '积极开展志愿服务，社会信誉良好'],
  },
  {
    name: () => '山东省文明单位', level: '省级', kinds: ['non_enterprise', 'legal_person'], weight: 4, years: 3,
    grantor: () => provinceUnit('civilization'), doc: () => '鲁文明委',
    reason: ['精神文明建设成效显著，诚信建设制度化'],
  },
  {
    name: (s) => `${s.city.name}劳动模范`, level: '市级', kinds: ['natural_person'], weight: 15, years: 0,
    grantor: (s) => cityUnit(s.city, 'government'), doc: (s) => `${s.city.abbr}政发`,
    reason: ['爱岗敬业，在本职岗位上作出突出贡献', '带领团队攻克关键技术难题，创造显著经济效益'],
  },
  {
    name: () => '山东省劳动模范', level: '省级', kinds: ['natural_person'], weight: 4, years: 0,
    grantor: () => provinceUnit('government'), doc: () => '鲁政发',
    reason: ['爱岗敬业，在本职岗位上作出突出贡献'],
  },
  {
    name: (s, rnd) => `${s.city.name}${rnd.pick(['诚实守信', '助人为乐', '见义勇为', '敬业奉献'])}道德模范`, level: '市级', kinds: ['natural_person'], weight: 10, years: 0,
    grantor: (s) => cityUnit(s.city, 'civilization'), doc: (s) => `${s.city.abbr}文明委`,
    reason: ['诚实守信，多年如一日践行承诺，事迹感人', '危难时刻挺身而出，弘扬社会正气'],
  },
];

export const honor: CategoryGenerator = {
  kinds: [['legal_person', 60], ['non_enterprise', 15], ['natural_person', 25]],
  make({ rnd, index, subject: s }) {
    const fitting = HONORS.filter((h) => h.kinds.includes(s.type) && (h.individual === undefined || h.individual === (s.form === 'individual')));
    const h = weighted(rnd, (fitting.length > 0 ? fitting : HONORS.filter((x) => x.kinds.includes(s.type))).map((x) => [x, x.weight] as const));
    const date = decisionDate(rnd, s);
    const grantor = h.grantor(s);
    const data: Record<string, DataValue> = { honorName: h.name(s, rnd), honorLevel: h.level, grantingAuthority: grantor.name, grantingAuthorityCode: grantor.code, reason: rnd.pick(h.reason) };
    if (h.years > 0) data['validUntil'] = addMonths(date, 12 * h.years, 1);
    return record('honor', docNo(h.doc(s), yearOf(date), index + 1), s, grantor, date, undefined, data);
  },
};

interface Qualification {
  name: string;
  type: '准入类' | '水平评价类';
  weight: number;
  level?: readonly string[];
  speciality?: readonly string[];
  issuer: (s: PoolSubject) => Unit;
  source: (s: PoolSubject) => Unit;
  /** Years of validity; 0 for long-term. */
  years: number;
  registered: boolean;
  prefix: string;
}

const QUALIFICATIONS: readonly Qualification[] = [
  { name: '一级建造师', type: '准入类', weight: 8, speciality: ['建筑工程', '市政公用工程', '机电工程', '公路工程', '水利水电工程'], issuer: () => nationalUnit('hrss'), source: (s) => cityUnit(s.city, 'hrss'), years: 3, registered: true, prefix: '1' },
  { name: '二级建造师', type: '准入类', weight: 14, speciality: ['建筑工程', '市政公用工程', '机电工程'], issuer: () => provinceUnit('hrss'), source: (s) => cityUnit(s.city, 'hrss'), years: 3, registered: true, prefix: '2' },
  { name: '执业药师', type: '准入类', weight: 10, speciality: ['药学', '中药学'], issuer: () => nationalUnit('drugs'), source: (s) => cityUnit(s.city, 'hrss'), years: 5, registered: true, prefix: 'ZY' },
  { name: '法律职业资格', type: '准入类', weight: 5, level: ['A类', 'C类'], issuer: () => nationalUnit('justice'), source: (s) => cityUnit(s.city, 'justice'), years: 0, registered: false, prefix: 'A' },
  { name: '教师资格', type: '准入类', weight: 20, level: ['高级中学', '初级中学', '小学', '幼儿园'], speciality: ['语文', '数学', '英语', '物理', '音乐', '体育'], issuer: (s) => countyUnit(s.county, 'education'), source: (s) => cityUnit(s.city, 'education'), years: 0, registered: false, prefix: '' },
  { name: '特种作业操作证（电工作业）', type: '准入类', weight: 15, speciality: ['低压电工作业', '高压电工作业', '焊接与热切割作业'], issuer: (s) => cityUnit(s.city, 'emergency'), source: (s) => cityUnit(s.city, 'emergency'), years: 6, registered: false, prefix: 'T' },
  { name: '中级会计专业技术资格', type: '水平评价类', weight: 10, level: ['中级'], issuer: () => nationalUnit('finance'), source: (s) => cityUnit(s.city, 'finance'), years: 0, registered: false, prefix: 'KJ' },
  { name: '养老护理员', type: '水平评价类', weight: 10, level: ['五级/初级工', '四级/中级工', '三级/高级工'], issuer: (s) => cityUnit(s.city, 'hrss'), source: (s) => cityUnit(s.city, 'hrss'), years: 0, registered: false, prefix: 'S' },
  { name: '育婴员', type: '水平评价类', weight: 8, level: ['五级/初级工', '四级/中级工'], issuer: (s) => cityUnit(s.city, 'hrss'), source: (s) => cityUnit(s.city, 'hrss'), years: 0, registered: false, prefix: 'S' },
];

function statusOf(rnd: Random, validUntil: string | undefined, registered: boolean): string {
  if (validUntil !== undefined && validUntil < MAX_DATE) return '注销';
  const r = rnd.next();
  if (r < 0.04) return '注销';
  if (r < 0.05) return '撤销';
  if (registered && r < 0.08) return '暂停执业';
  return '有效';
}

export const professionalQualification: CategoryGenerator = {
  kinds: [['natural_person', 1]],
  make({ rnd, index, seed, subject: s }) {
    const q = weighted(rnd, QUALIFICATIONS.map((x) => [x, x.weight] as const));
    const date = decisionDate(rnd, s);
    const serial = String(index + 1).padStart(7, '0');
    // 证书编号 is both the record's external ID and a data field (the national column carries both).
    const certificate = `${q.prefix}${date.slice(0, 4)}${s.county.code}${serial}`;
    const issuer = q.issuer(s);
    const data: Record<string, DataValue> = { qualificationName: q.name, qualificationType: q.type };
    if (q.level) data['qualificationLevel'] = rnd.pick(q.level);
    if (q.speciality) data['speciality'] = rnd.pick(q.speciality);
    data['certificateNumber'] = certificate;
    data['issuingAuthority'] = issuer.name;
    data['issuingAuthorityCode'] = issuer.code;
    if (q.registered) {
      data['registrationNumber'] = `鲁${q.prefix}${s.city.code.slice(0, 4)}${date.slice(0, 4)}${serial.slice(-5)}`;
      data['employer'] = otherCompany(seed, rnd.int(0, 99_999)).name;
    }
    const validUntil = q.years > 0 ? addMonths(date, 12 * q.years, 1) : rnd.chance(0.5) ? LONG_TERM : undefined;
    if (validUntil !== undefined) data['validUntil'] = validUntil;
    data['certificateStatus'] = statusOf(rnd, q.years > 0 ? validUntil : undefined, q.registered);
    return record('professional_qualification', certificate, s, q.source(s), date, undefined, data);
  },
};
