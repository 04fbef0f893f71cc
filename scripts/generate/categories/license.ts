import type { Random } from '../random.ts';
import type { PoolSubject } from '../pool.ts';
import { cityUnit, countyUnit, type BureauKey } from '../units.ts';
import { addMonths, counterpartFields, decisionDate, docNo, LONG_TERM, MAX_DATE, record, yearOf, type CategoryGenerator } from '../common.ts';
import type { Sector } from '../words.ts';
import type { DataValue } from '../types.ts';

type Who = 'company' | 'individual' | 'nonprofit' | 'person';

interface LicenseTemplate {
  bureau: BureauKey;
  doc: string;
  county: number;
  who: readonly Who[];
  sectors?: readonly Sector[];
  documentName: string;
  category: '普通' | '特许' | '认可' | '核准' | '登记' | '其他';
  certificate: string;
  /** Years of validity; 0 for long-term (2099-12-31). */
  years: number;
  number(s: PoolSubject, serial: string, date: string, rnd: Random): string;
  content(s: PoolSubject, rnd: Random): string;
}

const pad = (n: number, w: number) => String(n % 10 ** w).padStart(w, '0');
const digitSum = (s: string) => [...s].reduce((a, c) => a + (Number(c) || 0), 0) % 10;

const TEMPLATES: readonly LicenseTemplate[] = [
  {
    bureau: 'approval', doc: '审批食经许', county: 0.8, who: ['company', 'individual', 'nonprofit'], sectors: ['food', 'catering', 'retail', 'hotel', 'education', 'health'],
    documentName: '食品经营许可决定书', category: '普通', certificate: '食品经营许可证', years: 5,
    number: (s, serial) => {
      const kind = s.sector === 'catering' || s.sector === 'hotel' ? '2' : s.type === 'non_enterprise' ? '3' : '1';
      const body = `${kind}${s.county.code}${serial.slice(-6)}`;
      return `JY${body}${digitSum(body)}`;
    },
    content: (s, rnd) => s.sector === 'catering' || s.sector === 'hotel'
      ? `经营项目：热食类食品制售；${rnd.pick(['冷食类食品制售', '糕点类食品制售（不含裱花蛋糕）', '自制饮品制售（不含自酿酒）'])}`
      : s.type === 'non_enterprise' ? '经营项目：单位食堂（热食类食品制售）' : `经营项目：预包装食品（${rnd.pick(['含', '不含'])}冷藏冷冻食品）销售；散装食品（${rnd.pick(['含', '不含'])}冷藏冷冻食品）销售`,
  },
  {
    bureau: 'market', doc: '市监食生许', county: 0, who: ['company'], sectors: ['food'],
    documentName: '准予食品生产许可决定书', category: '普通', certificate: '食品生产许可证', years: 5,
    number: (s, serial, _d, rnd) => {
      const body = `${rnd.pick(['101', '104', '111', '124', '128', '131'])}${s.county.code}${serial.slice(-4)}`;
      return `SC${body}${digitSum(body)}`;
    },
    content: (_s, rnd) => `食品类别：${rnd.pick(['速冻食品', '糕点', '肉制品', '饮料', '粮食加工品', '水产制品', '调味品'])}；生产地址同住所`,
  },
  {
    bureau: 'market', doc: '市监药许', county: 0.6, who: ['company'], sectors: ['medicine'],
    documentName: '药品经营许可决定书', category: '普通', certificate: '药品经营许可证', years: 5,
    number: (s, serial) => `鲁${String.fromCharCode(65 + (Number(s.city.courtCode) % 17))}A${s.city.courtCode}${serial.slice(-5)}`,
    content: (_s, rnd) => `经营方式：药品零售；经营范围：${rnd.pick(['中成药、化学药、生物制品（限口服制剂）', '中药饮片、中成药、化学药', '中成药、化学药、生物制品、第二类精神药品'])}`,
  },
  {
    bureau: 'ecology', doc: '环许', county: 0, who: ['company'], sectors: ['chemical', 'manufacturing', 'energy', 'food', 'agriculture'],
    documentName: '排污许可证核发决定书', category: '普通', certificate: '排污许可证', years: 5,
    number: (s, _serial, _d, rnd) => `${s.code}001${rnd.pick(['P', 'P', 'U', 'V'])}`,
    content: (_s, rnd) => `行业类别：${rnd.pick(['锅炉', '化学原料和化学制品制造业', '通用设备制造业', '食品制造业', '火力发电'])}；主要污染物类别：${rnd.pick(['废气、废水', '废气', '废水'])}`,
  },
  {
    bureau: 'housing', doc: '建施许', county: 0.7, who: ['company'], sectors: ['construction', 'realty'],
    documentName: '建筑工程施工许可决定书', category: '普通', certificate: '建筑工程施工许可证', years: 0,
    number: (s, serial, date) => `${s.county.code}${date.replace(/-/g, '')}${serial.slice(-4)}`,
    content: (s, rnd) => `工程名称：${s.county.short}${rnd.pick(['花园', '名苑', '佳园', '中心'])}${rnd.int(1, 12)}号楼；建设规模：${rnd.int(2000, 90000)}平方米；合同价格：${rnd.int(300, 30000)}万元`,
  },
  {
    bureau: 'transport', doc: '交运许', county: 0.6, who: ['company', 'person'], sectors: ['logistics', 'construction', 'agriculture'],
    documentName: '道路运输经营行政许可决定书', category: '普通', certificate: '道路运输经营许可证', years: 4,
    number: (s, serial) => `鲁交运管许可${s.city.abbr}字${s.county.code}${serial.slice(-6)}号`,
    content: () => '经营范围：道路普通货物运输',
  },
  {
    bureau: 'hrss', doc: '人社许', county: 0.3, who: ['company'], sectors: ['services', 'tech', 'logistics', 'manufacturing', 'retail'],
    documentName: '劳务派遣经营许可决定书', category: '普通', certificate: '劳务派遣经营许可证', years: 3,
    number: (s, serial, date) => `${s.county.code}${date.slice(0, 4)}${serial.slice(-4)}`,
    content: () => '经营范围：劳务派遣',
  },
  {
    bureau: 'tobacco', doc: '烟专许', county: 0.9, who: ['individual', 'person', 'company'], sectors: ['retail', 'food'],
    documentName: '准予烟草专卖零售许可决定书', category: '特许', certificate: '烟草专卖零售许可证', years: 5,
    number: (s, serial) => `${s.county.code}${serial.slice(-6)}`,
    content: () => '经营范围：卷烟、雪茄烟零售',
  },
  {
    bureau: 'health', doc: '卫医许', county: 0.5, who: ['nonprofit'], sectors: ['health'],
    documentName: '医疗机构执业许可决定书', category: '普通', certificate: '医疗机构执业许可证', years: 5,
    number: (s, serial) => `PDY${serial.slice(-5)}${s.county.code}${s.code.charAt(1)}A${serial.slice(-4)}`,
    content: (_s, rnd) => `诊疗科目：${rnd.pick(['预防保健科；内科；外科；妇产科；儿科；中医科；医学检验科；医学影像科', '内科；外科；中医科；康复医学科', '预防保健科；全科医疗科；中医科'])}`,
  },
  {
    bureau: 'education', doc: '教民许', county: 0.8, who: ['nonprofit'], sectors: ['education', 'social'],
    documentName: '准予民办学校办学许可决定书', category: '普通', certificate: '中华人民共和国民办学校办学许可证', years: 5,
    number: (s, serial) => `教民${s.county.code}${serial.slice(-6)}号`,
    content: (_s, rnd) => `办学内容：${rnd.pick(['学前教育', '职业技能培训（育婴员、养老护理员）', '职业技能培训（中式烹调师、电工）'])}`,
  },
  {
    bureau: 'market', doc: '市监特登', county: 0.7, who: ['company', 'nonprofit'], sectors: ['manufacturing', 'chemical', 'hotel', 'realty', 'services', 'health', 'education'],
    documentName: '特种设备使用登记决定书', category: '登记', certificate: '特种设备使用登记证', years: 0,
    number: (s, serial, date, rnd) => `${rnd.pick(['梯11', '起17', '锅11', '容1A'])}鲁${String.fromCharCode(65 + (Number(s.city.courtCode) % 17))}${serial.slice(-5)}（${date.slice(2, 4)}）`,
    content: (_s, rnd) => `设备类别：${rnd.pick(['电梯', '起重机械', '锅炉', '压力容器'])}；设备数量：${rnd.int(1, 12)}台`,
  },
  {
    bureau: 'resources', doc: '自然资乡建许', county: 0.9, who: ['person'],
    documentName: '乡村建设规划许可决定书', category: '普通', certificate: '乡村建设规划许可证', years: 1,
    number: (s, serial, date) => `乡字第${s.county.code}${date.slice(0, 4)}${serial.slice(-5)}号`,
    content: (s, rnd) => `建设项目：农村村民住宅；建设位置：${s.county.name}${rnd.pick(['张家', '李家', '王家', '刘家'])}村；建筑面积：${rnd.int(90, 260)}平方米`,
  },
  {
    bureau: 'urban', doc: '综执许', county: 0.8, who: ['company', 'individual'],
    documentName: '户外广告设施设置许可决定书', category: '普通', certificate: '户外广告设施设置许可证', years: 2,
    number: (s, serial, date) => `${s.county.code}GG${date.slice(0, 4)}${serial.slice(-5)}`,
    content: (_s, rnd) => `设置形式：${rnd.pick(['门头牌匾', '墙体广告', '立柱式广告牌'])}；面积：${rnd.int(4, 120)}平方米`,
  },
];

function whoOf(s: PoolSubject): Who {
  if (s.type === 'natural_person') return 'person';
  if (s.type === 'non_enterprise') return 'nonprofit';
  return s.form === 'individual' ? 'individual' : 'company';
}

function fits(t: LicenseTemplate, s: PoolSubject, who: Who): boolean {
  return t.who.includes(who) && (who === 'person' || !t.sectors || t.sectors.includes(s.sector));
}

export const administrativeLicense: CategoryGenerator = {
  kinds: [['legal_person', 85], ['non_enterprise', 7], ['natural_person', 8]],
  make({ rnd, index, subject: s }) {
    const who = whoOf(s);
    let fitting = TEMPLATES.filter((t) => fits(t, s, who));
    // A body with no sector licence still gets a general one (户外广告, 特种设备) or, failing that, any of its kind.
    if (fitting.length === 0) fitting = TEMPLATES.filter((t) => t.who.includes(who));
    const t = rnd.pick(fitting);
    const date = decisionDate(rnd, s);
    const n = index + 1;
    const serial = pad(n, 7);
    const countyLevel = rnd.chance(t.county);
    const authority = countyLevel ? countyUnit(s.county, t.bureau) : cityUnit(s.city, t.bureau);
    const validUntil = t.years === 0 ? LONG_TERM : addMonths(date, 12 * t.years, 1);
    const data: Record<string, DataValue> = counterpartFields(rnd, s);
    data['licenseDocumentName'] = t.documentName;
    data['licenseCategory'] = t.category;
    data['certificateName'] = t.certificate;
    data['licenseNumber'] = t.number(s, serial, date, rnd);
    data['licenseContent'] = t.content(s, rnd);
    data['validFrom'] = date;
    data['validUntil'] = validUntil;
    data['licensingAuthority'] = authority.name;
    data['licensingAuthorityCode'] = authority.code;
    // Expired licences are 无效 now; a few valid ones were cancelled (注销) early.
    data['status'] = validUntil < MAX_DATE || rnd.chance(0.03) ? '无效' : '有效';
    if (rnd.chance(0.04)) data['remarks'] = rnd.pick(['新办', '延续', '变更（经营场所）', '补证']);
    const externalId = docNo(`${s.city.abbr}${countyLevel ? s.county.abbr : ''}${t.doc}`, yearOf(date), n);
    return record('administrative_license', externalId, s, cityUnit(s.city, t.bureau), date, undefined, data);
  },
};
