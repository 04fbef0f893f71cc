import { shandongCities, countiesOf } from '../../node/identity/index.ts';
import type { Random } from './random.ts';

/** A Shandong city as the generator needs it: names, the 文号 abbreviation and the court code (鲁01 …). */
export interface City {
  code: string;
  name: string;
  /** 济南 */
  short: string;
  /** The one- or two-character abbreviation bureaus put in front of document numbers: 济市监罚, 济宁市监罚. */
  abbr: string;
  /** Court code within 鲁: 01 for Jinan (the GB/T 2260 city digits). */
  courtCode: string;
  counties: readonly County[];
}

export interface County {
  code: string;
  name: string;
  /** 历下 */
  short: string;
  /** 历 */
  abbr: string;
  /** What bureaus of the county are called after: 济南市历下区 for a district, 平阴县 or 胶州市 otherwise. */
  fullName: string;
  city: string;
}

const ABBR: Readonly<Record<string, string>> = {
  '370100': '济', '370200': '青', '370300': '淄', '370400': '枣', '370500': '东', '370600': '烟', '370700': '潍', '370800': '济宁',
  '370900': '泰', '371000': '威', '371100': '日', '371300': '临', '371400': '德', '371500': '聊', '371600': '滨', '371700': '菏',
};

/** Rough weight of each city in the records (population and economic activity), so Qingdao and Jinan dominate. */
const WEIGHT: Readonly<Record<string, number>> = {
  '370100': 12, '370200': 14, '370300': 6, '370400': 4, '370500': 3, '370600': 9, '370700': 10, '370800': 8,
  '370900': 5, '371000': 4, '371100': 3, '371300': 11, '371400': 5, '371500': 5, '371600': 4, '371700': 8,
};

function buildCities(): readonly City[] {
  return Object.freeze(
    shandongCities().map((c) => {
      const short = c.name.replace(/市$/, '');
      const counties = countiesOf(c.code).map((d): County => ({
        code: d.code,
        name: d.name,
        short: d.name.slice(0, -1),
        abbr: d.name.charAt(0),
        fullName: d.name.endsWith('区') ? `${c.name}${d.name}` : d.name,
        city: c.code,
      }));
      return { code: c.code, name: c.name, short, abbr: ABBR[c.code] ?? short.charAt(0), courtCode: c.code.slice(2, 4), counties: Object.freeze(counties) };
    }),
  );
}

/** The 16 cities and their counties, built once from the identity module's division table (read-only). */
export const CITIES: readonly City[] = buildCities();

const CITY_BY_CODE: ReadonlyMap<string, City> = new Map(CITIES.map((c) => [c.code, c]));
const CUMULATIVE: readonly number[] = (() => {
  let sum = 0;
  return CITIES.map((c) => (sum += WEIGHT[c.code] ?? 1));
})();

export function cityByCode(code: string): City {
  const city = CITY_BY_CODE.get(code);
  if (!city) throw new RangeError(`not a Shandong city: ${code}`);
  return city;
}

/** A city by weight, then one of its counties uniformly: every city and county turns up. */
export function pickPlace(rnd: Random): { city: City; county: County } {
  const total = CUMULATIVE[CUMULATIVE.length - 1] ?? 1;
  const x = rnd.next() * total;
  let i = 0;
  while (i < CUMULATIVE.length - 1 && x >= (CUMULATIVE[i] ?? 0)) i++;
  const city = CITIES[i] as City;
  return { city, county: rnd.pick(city.counties) };
}

const ROADS = ['经十路', '泉城路', '解放路', '和平路', '人民路', '建设路', '工业南路', '山大路', '黄河路', '长江路', '中山路', '文化路', '新华路', '胜利街', '朝阳街', '振兴路', '滨河路', '府前街', '科技大道', '开元路', '北园大街', '东风路', '青年路', '世纪大道', '金山路', '泰山路', '齐鲁大道', '北京路', '香港路', '淮河路'];

export function address(rnd: Random, city: City, county: County): string {
  const base = `山东省${city.name}${county.name}${rnd.pick(ROADS)}${rnd.int(1, 999)}号`;
  const r = rnd.next();
  if (r < 0.35) return `${base}${rnd.int(1, 12)}号楼${rnd.int(1, 26)}${String(rnd.int(1, 20)).padStart(2, '0')}室`;
  if (r < 0.5) return `${base}${rnd.int(1, 6)}号商铺`;
  return base;
}
