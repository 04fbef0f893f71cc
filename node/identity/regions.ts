/**
 * Administrative divisions (GB/T 2260). Shandong is known down to county level from the embedded 2024 table;
 * other provinces only at province level, which is all the node needs to judge identifiers from elsewhere.
 */

import { SD_DIVISIONS_2024 } from './divisions-data.ts';
import type { DivisionLevel } from './divisions-data.ts';

export interface Division {
  code: string;
  name: string;
  level: DivisionLevel;
  parent?: string;
  /** A division that no longer exists; its code still appears in old USCCs and ID numbers. */
  historical?: boolean;
  /** For a historical division: the current division that took over its territory. */
  successor?: string;
}

/** The 34 province-level divisions of China. */
export const PROVINCES: Record<string, string> = {
  '110000': '北京市',
  '120000': '天津市',
  '130000': '河北省',
  '140000': '山西省',
  '150000': '内蒙古自治区',
  '210000': '辽宁省',
  '220000': '吉林省',
  '230000': '黑龙江省',
  '310000': '上海市',
  '320000': '江苏省',
  '330000': '浙江省',
  '340000': '安徽省',
  '350000': '福建省',
  '360000': '江西省',
  '370000': '山东省',
  '410000': '河南省',
  '420000': '湖北省',
  '430000': '湖南省',
  '440000': '广东省',
  '450000': '广西壮族自治区',
  '460000': '海南省',
  '500000': '重庆市',
  '510000': '四川省',
  '520000': '贵州省',
  '530000': '云南省',
  '540000': '西藏自治区',
  '610000': '陕西省',
  '620000': '甘肃省',
  '630000': '青海省',
  '640000': '宁夏回族自治区',
  '650000': '新疆维吾尔自治区',
  '710000': '台湾省',
  '810000': '香港特别行政区',
  '820000': '澳门特别行政区',
};

/**
 * 莱芜市 was abolished in January 2019 (国函〔2019〕4号) and merged into 济南市: 莱城区 became 莱芜区 (370116)
 * and 钢城区 moved to 370117. Codes 3712xx stay valid in USCCs and ID numbers issued before.
 */
const HISTORICAL_SHANDONG: readonly Division[] = [
  { code: '371200', name: '莱芜市', level: 'city', parent: '370000', historical: true, successor: '370100' },
  { code: '371202', name: '莱城区', level: 'county', parent: '371200', historical: true, successor: '370116' },
  { code: '371203', name: '钢城区', level: 'county', parent: '371200', historical: true, successor: '370117' },
];

function buildIndex(): ReadonlyMap<string, Division> {
  const index = new Map<string, Division>();
  for (const [code, name, level, parent] of SD_DIVISIONS_2024) {
    index.set(code, parent === '' ? { code, name, level } : { code, name, level, parent });
  }
  for (const d of HISTORICAL_SHANDONG) index.set(d.code, d);
  return index;
}

/** Built once at module load from constants; never mutated afterwards. */
const SHANDONG: ReadonlyMap<string, Division> = buildIndex();

const SIX_DIGITS = /^\d{6}$/;

function copy(d: Division): Division {
  return { ...d };
}

export function divisionOf(code: string): Division | undefined {
  const d = SHANDONG.get(code);
  if (d !== undefined) return copy(d);
  const province = PROVINCES[code];
  return province === undefined ? undefined : { code, name: province, level: 'province' };
}

/** The province-level code (`xx0000`) of a 6-digit code whose first two digits name a real province. */
export function provinceOf(code6: string): string | undefined {
  if (!SIX_DIGITS.test(code6)) return undefined;
  const province = `${code6.slice(0, 2)}0000`;
  return PROVINCES[province] === undefined ? undefined : province;
}

/**
 * Whether a 6-digit code is acceptable as a division in an identifier. Deliberately lenient: any code inside a
 * real province passes, Shandong included. Division codes are frozen into an identifier when it is issued, and
 * Shandong alone has retired dozens since the 1980s (章丘市 370181, 即墨市 370282, 胶南市 370284, the
 * 临沂地区 3728xx prefecture codes …), so checking against the current county list would reject real,
 * valid codes. Use `divisionOf` when an exact, current division is required.
 */
export function isKnownRegion(code6: string): boolean {
  return provinceOf(code6) !== undefined;
}

/**
 * The city-level code (`xxxx00`) containing a 6-digit code: 370102 → 370100, 371202 → 371200 (historical).
 * A city-level code is its own city; a province-level or malformed code has none. Outside Shandong the city is
 * derived from the digits (for municipalities such as 110105 that gives 110100, the 市辖区 grouping).
 */
export function cityOf(code6: string): string | undefined {
  if (provinceOf(code6) === undefined || code6.slice(2, 4) === '00') return undefined;
  return `${code6.slice(0, 4)}00`;
}

/** Like `cityOf`, but a historical city is replaced by its successor: 371202 → 370100. */
export function currentCityOf(code6: string): string | undefined {
  const city = cityOf(code6);
  if (city === undefined) return undefined;
  return SHANDONG.get(city)?.successor ?? city;
}

/**
 * Region-scope test. `prefix` is 2, 4 or 6 digits; a 6-digit division code with trailing `00` pairs stands for
 * its area (`370100` ≡ `3701`, `370000` ≡ `37`). Anything else matches nothing, so a malformed scope never
 * widens access.
 */
export function isWithin(code6: string, prefix: string): boolean {
  if (!SIX_DIGITS.test(code6) || !/^(\d{2}){1,3}$/.test(prefix)) return false;
  let p = prefix;
  while (p.length > 2 && p.endsWith('00')) p = p.slice(0, -2);
  return code6.startsWith(p);
}

/** The 16 current cities of Shandong, in code order. */
export function shandongCities(): Division[] {
  return [...SHANDONG.values()]
    .filter((d) => d.level === 'city' && d.historical !== true)
    .sort((a, b) => a.code.localeCompare(b.code))
    .map(copy);
}

/** County-level divisions directly under a Shandong city (historical ones under 371200), in code order. */
export function countiesOf(city6: string): Division[] {
  return [...SHANDONG.values()]
    .filter((d) => d.level === 'county' && d.parent === city6)
    .sort((a, b) => a.code.localeCompare(b.code))
    .map(copy);
}
