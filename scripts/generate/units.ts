import { makeUscc, CENTRAL_REGION } from '../../node/identity/index.ts';
import { CITIES, type City, type County } from './places.ts';

/** A government unit: a source unit (数据来源单位) or a deciding authority, with a valid (made-up) code. */
export interface Unit {
  code: string;
  name: string;
}

export type BureauKey =
  | 'market' | 'ecology' | 'tax' | 'court' | 'housing' | 'hrss' | 'transport' | 'emergency' | 'approval' | 'development'
  | 'finance' | 'civil' | 'staffing' | 'health' | 'education' | 'police' | 'resources' | 'urban' | 'statistics'
  | 'agriculture' | 'government' | 'civilization' | 'justice' | 'tobacco' | 'offices' | 'commerce';

interface Bureau {
  /** Serial in the organisation-code body (0043nnnn); the market bureau's 11 matches the tests' JINAN_MARKET. */
  serial: number;
  city(c: City): string;
  county(d: County, c: City): string;
}

const plain = (serial: number, city: string, county = city): Bureau => ({
  serial,
  city: (c) => `${c.name}${city}`,
  county: (d) => `${d.fullName}${county}`,
});

const BUREAUS: Readonly<Record<BureauKey, Bureau>> = {
  market: plain(11, '市场监督管理局'),
  ecology: { serial: 21, city: (c) => `${c.name}生态环境局`, county: (d, c) => `${c.name}生态环境局${d.short}分局` },
  tax: { serial: 31, city: (c) => `国家税务总局${c.name}税务局`, county: (d) => `国家税务总局${d.fullName}税务局` },
  court: { serial: 41, city: (c) => `${c.name}中级人民法院`, county: (d) => `${d.fullName}人民法院` },
  housing: plain(51, '住房和城乡建设局'),
  hrss: plain(61, '人力资源和社会保障局'),
  transport: plain(71, '交通运输局'),
  emergency: plain(81, '应急管理局'),
  approval: plain(91, '行政审批服务局'),
  development: plain(101, '发展和改革委员会', '发展和改革局'),
  finance: plain(111, '财政局'),
  civil: plain(121, '民政局'),
  staffing: { serial: 131, city: (c) => `中共${c.name}委机构编制委员会办公室`, county: (d) => `中共${d.fullName}委机构编制委员会办公室` },
  health: plain(141, '卫生健康委员会', '卫生健康局'),
  education: plain(151, '教育局', '教育和体育局'),
  police: { serial: 161, city: (c) => `${c.name}公安局`, county: (d, c) => (d.name.endsWith('区') ? `${c.name}公安局${d.short}分局` : `${d.name}公安局`) },
  resources: plain(171, '自然资源和规划局'),
  urban: plain(181, '城市管理局', '综合行政执法局'),
  statistics: plain(191, '统计局'),
  agriculture: plain(201, '农业农村局'),
  government: plain(211, '人民政府'),
  civilization: plain(221, '精神文明建设委员会'),
  justice: plain(231, '司法局'),
  tobacco: plain(241, '烟草专卖局'),
  offices: plain(251, '机关事务管理局', '机关事务服务中心'),
  commerce: plain(261, '商务局', '商务和投资促进局'),
};

const KEYS = Object.keys(BUREAUS) as BureauKey[];
const body = (serial: number) => `0043${String(serial).padStart(4, '0')}`;

/** Every city and county unit, built once at load (about 4,000 codes): lookups during generation are free. */
const UNITS: ReadonlyMap<string, Readonly<Record<BureauKey, Unit>>> = (() => {
  const map = new Map<string, Readonly<Record<BureauKey, Unit>>>();
  const build = (region: string, name: (b: Bureau) => string) =>
    Object.fromEntries(KEYS.map((key) => [key, { code: makeUscc('1', '1', region, body(BUREAUS[key].serial)), name: name(BUREAUS[key]) }])) as Record<BureauKey, Unit>;
  for (const c of CITIES) {
    map.set(c.code, build(c.code, (b) => b.city(c)));
    for (const d of c.counties) map.set(d.code, build(d.code, (b) => b.county(d, c)));
  }
  return map;
})();

function lookup(code: string, key: BureauKey): Unit {
  const unit = UNITS.get(code)?.[key];
  if (!unit) throw new RangeError(`no ${key} unit for ${code}`);
  return unit;
}

/** The city's bureau, e.g. 济南市市场监督管理局: the source unit that reports the city's records. */
export function cityUnit(city: City, key: BureauKey): Unit {
  return lookup(city.code, key);
}

/** The county's bureau, e.g. 济南市历下区市场监督管理局, 国家税务总局平阴县税务局, 济南市历下区人民法院. */
export function countyUnit(county: County, key: BureauKey): Unit {
  return lookup(county.code, key);
}

const PROVINCE_NAMES = {
  market: '山东省市场监督管理局',
  tax: '国家税务总局山东省税务局',
  housing: '山东省住房和城乡建设厅',
  hrss: '山东省人力资源和社会保障厅',
  government: '山东省人民政府',
  civilization: '山东省精神文明建设委员会',
  drugs: '山东省药品监督管理局',
  finance: '山东省财政厅',
} as const;
export type ProvinceKey = keyof typeof PROVINCE_NAMES;

const NATIONAL_NAMES = {
  hrss: '人力资源和社会保障部',
  justice: '司法部',
  finance: '财政部',
  drugs: '国家药品监督管理局',
} as const;
export type NationalKey = keyof typeof NATIONAL_NAMES;

const PROVINCE: ReadonlyMap<string, Unit> = new Map(
  (Object.keys(PROVINCE_NAMES) as ProvinceKey[]).map((k, i) => [k, { code: makeUscc('1', '1', '370000', body(11 + 10 * i)), name: PROVINCE_NAMES[k] }]),
);
const NATIONAL: ReadonlyMap<string, Unit> = new Map(
  (Object.keys(NATIONAL_NAMES) as NationalKey[]).map((k, i) => [k, { code: makeUscc('1', '1', CENTRAL_REGION, `0000${String(1001 + i)}`), name: NATIONAL_NAMES[k] }]),
);

export function provinceUnit(key: ProvinceKey): Unit {
  return PROVINCE.get(key) as Unit;
}

/** A central ministry (registered under the central division 100000). */
export function nationalUnit(key: NationalKey): Unit {
  return NATIONAL.get(key) as Unit;
}
