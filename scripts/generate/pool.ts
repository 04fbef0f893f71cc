import { makeUscc, makeResidentId, USCC_ALPHABET } from '../../node/identity/index.ts';
import { Random, subSeed, toDay, fromDay, addYears, weighted, dayBetween } from './random.ts';
import { pickPlace, address, type City, type County } from './places.ts';
import { personName, TRADE_WORDS } from './subjects.ts';
import { INDUSTRIES, SHOPS, CROPS, TOWNS, AGENCIES, ASSOCIATION_TRADES, type Sector } from './words.ts';

export type SubjectKind = 'legal_person' | 'non_enterprise' | 'natural_person';
export type OrgForm =
  | 'company' | 'joint_stock' | 'individual' | 'coop' | 'organ' | 'institution' | 'association' | 'private_nonprofit' | 'foundation' | 'person';

/**
 * One credit subject of the generated world. Subject k of a kind is a pure function of (seed, kind, k): a pool of
 * millions is never held in memory, and the same seed gives the same company in every category, so its
 * registration, licences and penalties line up.
 */
export interface PoolSubject {
  type: SubjectKind;
  code: string;
  name: string;
  form: OrgForm;
  sector: Sector;
  city: City;
  county: County;
  /** Legal representative, operator, or for a natural person the person. */
  person: string;
  /** Establishment date; birth date of a natural person. */
  since: string;
  /** Earliest decision date that fits the subject (never before 2019-01-01). */
  earliest: string;
  /** 万元; none for 个体工商户, 机关 and persons. */
  capital: number | undefined;
  address: string;
  industry: string;
  scope: string;
  /** Positions 9-17 of the code are a pre-2016 organisation code (all digits) rather than a new MA… body. */
  oldBody: boolean;
}

export const MIN_DATE = '2019-01-01';
export const MAX_DATE = '2026-10-31';
const MIN_DAY = toDay(MIN_DATE);
const LATEST_SINCE = toDay('2026-06-30');

const KIND_SALT: Readonly<Record<SubjectKind, number>> = { legal_person: 0x4c50, non_enterprise: 0x4e45, natural_person: 0x4e50 };

/** (k × a prime + salt) mod n: a bijection of [0, n), so different k never share a code. */
function permute(k: number, n: number, salt: number): number {
  return (((k % n) * 1_000_003) % n + (salt % n)) % n;
}

const MA_SPACE = 31 ** 6;
const DIGIT_SPACE = 90_000_000;
const BIRTH_FROM = toDay('1955-01-01');
const BIRTH_DAYS = toDay('2004-12-31') - BIRTH_FROM + 1;

function maBody(k: number, salt: number): string {
  let n = permute(k, MA_SPACE, salt);
  let s = '';
  for (let i = 0; i < 6; i++) {
    s = USCC_ALPHABET.charAt(n % 31) + s;
    n = Math.floor(n / 31);
  }
  return `MA${s}`;
}

/** An 8-digit pre-2016 organisation-code body, never starting 00 (the made-up government units use 0043…). */
function digitBody(k: number, salt: number): string {
  return String(10_000_000 + permute(k, DIGIT_SPACE, salt));
}

/** A date in a year range, recent years more likely; never after 2026-06-30. */
function sinceDate(rnd: Random, fromYear: number, toYear: number, skew = 1.6): string {
  const span = toYear - fromYear + 1;
  const year = toYear - Math.floor(span * rnd.next() ** skew);
  const day = dayBetween(rnd, toDay(`${year}-01-01`), toDay(`${year}-12-31`));
  return fromDay(Math.min(day, LATEST_SINCE));
}

function earliestAfter(since: string, days: number): string {
  return fromDay(Math.max(MIN_DAY, toDay(since) + days));
}

/** Every subject object is built by this one literal: a fixed shape keeps property access fast (no spreads). */
function org(
  type: SubjectKind, form: OrgForm, code: string, name: string, sector: Sector, city: City, county: County, person: string,
  since: string, earliestGap: number, capital: number | undefined, addr: string, industry: string, scope: string, oldBody: boolean,
): PoolSubject {
  return { type, code, name, form, sector, city, county, person, since, earliest: earliestAfter(since, earliestGap), capital, address: addr, industry, scope, oldBody };
}

function legalPerson(rnd: Random, k: number, salt: number, city: City, county: County): PoolSubject {
  const form = weighted<OrgForm>(rnd, LEGAL_FORMS);
  const person = personName(rnd);
  const addr = address(rnd, city, county);
  if (form === 'individual') {
    const shop = rnd.pick(SHOPS);
    const since = sinceDate(rnd, 2003, 2025, 1.3);
    const code = makeUscc('9', '2', county.code, maBody(k, salt));
    return org('legal_person', form, code, `${county.name}${person}${shop.word}`, shop.sector, city, county, person, since, 30, undefined, addr, shop.industry, shop.scope, false);
  }
  if (form === 'coop') {
    const crop = rnd.pick(CROPS);
    const since = sinceDate(rnd, 2008, 2025, 1.3);
    const name = `${county.short}${rnd.pick(TOWNS)}${crop}专业合作社`;
    const scope = `组织收购、销售成员及同类生产经营者的产品；开展成员所需的农业生产资料的购买、使用；${crop}及相关技术培训、技术交流和信息咨询服务`;
    const industry = crop.endsWith('养殖') ? 'A0313 猪的饲养' : 'A0141 蔬菜种植';
    return org('legal_person', form, makeUscc('9', '3', county.code, maBody(k, salt)), name, 'agriculture', city, county, person, since, 30, rnd.pick([50, 100, 200, 300, 500]), addr, industry, scope, false);
  }
  const ind = rnd.pick(INDUSTRIES);
  const since = sinceDate(rnd, 1993, 2025, 1.3);
  const oldBody = since < '2015-10-01' && rnd.chance(0.8);
  const r = rnd.next();
  const prefix = r < 0.1 ? '山东' : r < 0.65 ? city.short : county.short;
  const suffix = form === 'joint_stock' ? '股份有限公司' : prefix === '山东' && rnd.chance(0.4) ? '集团有限公司' : rnd.pick(COMPANY_SUFFIXES);
  const capital = form === 'joint_stock'
    ? rnd.pick(JOINT_STOCK_CAPITAL)
    : rnd.chance(0.85) ? rnd.pick(COMPANY_CAPITAL) : Number((5 + rnd.next() * 3000).toFixed(rnd.chance(0.5) ? 0 : 4));
  const code = makeUscc('9', '1', county.code, oldBody ? digitBody(k, salt) : maBody(k, salt));
  const name = `${prefix}${rnd.pick(TRADE_WORDS)}${ind.word}${suffix}`;
  return org('legal_person', form, code, name, ind.sector, city, county, person, since, 30, capital, addr, ind.industry, ind.scope, oldBody);
}

const LEGAL_FORMS: ReadonlyArray<readonly [OrgForm, number]> = [['company', 74], ['joint_stock', 4], ['individual', 18], ['coop', 4]];
const NON_ENTERPRISE_FORMS: ReadonlyArray<readonly [OrgForm, number]> = [['organ', 12], ['institution', 50], ['association', 20], ['private_nonprofit', 14], ['foundation', 4]];
const COMPANY_SUFFIXES = ['有限公司', '有限公司', '有限责任公司'];
const COMPANY_CAPITAL = [10, 30, 50, 100, 100, 200, 300, 500, 500, 1000, 1000, 2000, 3000, 5000, 10000];
const JOINT_STOCK_CAPITAL = [5000, 8000, 10000, 12880, 20000, 30000, 50000];
const ORDINALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
const SERVICE_UNITS = ['疾病预防控制中心', '图书馆', '农业技术推广站', '社会福利院', '公共资源交易服务中心', '城市建设服务中心', '综合检验检测中心'];
const PRIVATE_KINDS = [['养老服务中心', 'Q8514 老年人、残疾人养护服务'], ['职业培训学校', 'P8391 职业技能培训'], ['社会工作服务中心', 'Q8529 其他不提供住宿社会工作'], ['幼儿园', 'P8310 学前教育']] as const;
const FOUNDATION_AIMS = ['慈善', '教育发展', '见义勇为', '青少年发展', '乡村振兴', '老年事业发展'];

function nonEnterprise(rnd: Random, k: number, salt: number, city: City, county: County): PoolSubject {
  const form = weighted<OrgForm>(rnd, NON_ENTERPRISE_FORMS);
  const person = personName(rnd);
  const body = digitBody(k, salt);
  const addr = address(rnd, city, county);
  const trade = rnd.pick(TRADE_WORDS);
  if (form === 'organ') {
    const since = sinceDate(rnd, 1978, 2019, 1);
    const name = rnd.chance(0.4) ? `${county.fullName}${rnd.pick(TOWNS)}街道办事处` : `${county.fullName}${rnd.pick(AGENCIES)}`;
    return org('non_enterprise', form, makeUscc('1', '1', county.code, body), name, 'government', city, county, person, since, 0, undefined, addr, 'S9221 综合事务管理机构', '依法履行本级人民政府赋予的行政管理职能', true);
  }
  if (form === 'institution') {
    const since = sinceDate(rnd, 1950, 2018, 1);
    const capital = rnd.pick([10, 20, 50, 100, 300, 500, 1000, 3000]);
    const code = makeUscc('1', '2', county.code, body);
    const r = rnd.next();
    if (r < 0.35) {
      const name = `${county.fullName}${rnd.pick(['人民医院', '中医医院', `${rnd.pick(TOWNS)}镇卫生院`, '妇幼保健院'])}`;
      return org('non_enterprise', form, code, name, 'health', city, county, person, since, 0, capital, addr, 'Q8411 综合医院', '为人民身体健康提供医疗与护理保健服务。医疗与护理；医学教学；医学研究；卫生医疗人员培训；保健与健康教育', true);
    }
    if (r < 0.75) {
      const name = `${county.fullName}${rnd.pick([`第${rnd.pick(ORDINALS)}中学`, `${rnd.pick(TOWNS)}小学`, '实验小学', `${rnd.pick(TOWNS)}中心幼儿园`])}`;
      const industry = name.endsWith('小学') ? 'P8321 普通小学' : name.endsWith('幼儿园') ? 'P8310 学前教育' : 'P8331 普通初中';
      return org('non_enterprise', form, code, name, 'education', city, county, person, since, 0, capital, addr, industry, '实施义务教育，促进基础教育发展。学历教育；教学研究；学生德育、体育、美育工作', true);
    }
    return org('non_enterprise', form, code, `${county.fullName}${rnd.pick(SERVICE_UNITS)}`, 'services', city, county, person, since, 0, capital, addr, 'M7520 科技推广和应用服务', '为社会提供公益服务。相关业务咨询、技术服务、宣传培训', true);
  }
  if (form === 'association') {
    const since = sinceDate(rnd, 1990, 2024, 1);
    const name = rnd.chance(0.6) ? `${city.name}${rnd.pick(ASSOCIATION_TRADES)}行业协会` : `${city.name}${trade}商会`;
    return org('non_enterprise', form, makeUscc('5', '1', county.code, body), name, 'social', city, county, person, since, 0, rnd.pick([3, 5, 10]), addr, 'S9522 行业性团体', '行业自律、行业交流、业务培训、咨询服务，维护会员合法权益', true);
  }
  if (form === 'private_nonprofit') {
    const since = sinceDate(rnd, 2000, 2025, 1);
    const [suffix, industry] = rnd.pick(PRIVATE_KINDS);
    const sector: Sector = suffix === '幼儿园' || suffix === '职业培训学校' ? 'education' : 'social';
    return org('non_enterprise', form, makeUscc('5', '2', county.code, body), `${county.fullName}${trade}${suffix}`, sector, city, county, person, since, 0, rnd.pick([3, 5, 10, 20, 50]), addr, industry, '依法开展非营利性社会服务活动', true);
  }
  const since = sinceDate(rnd, 2005, 2024, 1);
  const name = `${city.name}${rnd.pick(FOUNDATION_AIMS)}基金会`;
  return org('non_enterprise', form, makeUscc('5', '3', county.code, body), name, 'social', city, county, person, since, 0, rnd.pick([200, 400, 800, 1000, 2000]), addr, 'S9530 基金会', '接受社会捐赠，开展公益慈善资助活动', true);
}

function naturalPerson(rnd: Random, k: number, salt: number, city: City, county: County): PoolSubject {
  // Birth day and sequence number come from k through a bijection, so two persons never share an ID number.
  const n = permute(k, BIRTH_DAYS * 999, salt);
  const since = fromDay(BIRTH_FROM + (n % BIRTH_DAYS));
  const seq = String(Math.floor(n / BIRTH_DAYS) + 1).padStart(3, '0');
  const name = personName(rnd);
  const code = makeResidentId(county.code, since.replace(/-/g, ''), seq);
  const subject = org('natural_person', 'person', code, name, 'services', city, county, name, since, 0, undefined, address(rnd, city, county), '', '', false);
  subject.earliest = fromDay(Math.max(MIN_DAY, toDay(addYears(since, 18))));
  return subject;
}

/** Subject k of a kind in the world of `seed`. */
export function subjectAt(seed: number, kind: SubjectKind, k: number): PoolSubject {
  const salt = subSeed(seed, KIND_SALT[kind]);
  const rnd = new Random(subSeed(seed, KIND_SALT[kind], k));
  const { city, county } = pickPlace(rnd);
  if (kind === 'legal_person') return legalPerson(rnd, k, salt, city, county);
  if (kind === 'non_enterprise') return nonEnterprise(rnd, k, salt, city, county);
  return naturalPerson(rnd, k, salt, city, county);
}
