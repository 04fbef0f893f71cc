/**
 * Resident identity number 公民身份号码 (GB 11643-1999), DOMAIN.md §2; masking per §8.
 */

import { identityError } from './errors.ts';
import type { IdentityError } from './errors.ts';
import { normalizeCodeInput } from './normalize.ts';
import { PROVINCES } from './regions.ts';
import { chinaDate } from '../clock.ts';

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK_CHARS = '10X98765432';

/** Birth years before this are treated as data errors. */
export const MIN_BIRTH_YEAR = 1890;

/**
 * 83 is not a GB/T 2260 province, but 830000 is the address code of residence permits issued to Taiwan
 * residents (港澳台居民居住证, 2018), whose numbers follow GB 11643 and turn up in the same fields; Hong Kong
 * and Macao residents use 810000 and 820000.
 */
const RESIDENCE_PERMIT_PREFIXES: ReadonlySet<string> = new Set(['83']);

export interface ResidentIdResult {
  code: string;
  valid: boolean;
  errors: IdentityError[];
  /** YYYY-MM-DD */
  birthDate?: string;
  sex?: 'male' | 'female';
  regionCode?: string;
  converted?: boolean;
}

export interface ResidentIdOptions {
  /** The current instant; birth dates after today (China Standard Time) are rejected. Defaults to now. */
  today?: Date;
}

export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError(`residentIdCheckChar needs 17 digits, got '${first17}'`);
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17.charAt(i)) * (ID_WEIGHTS[i] ?? 0);
  return ID_CHECK_CHARS.charAt(sum % 11);
}

/** Legacy 15-digit numbers (1984-1999) have a 2-digit year, always 19xx, and no check character. */
export function convertId15To18(id15: string): string {
  if (!/^\d{15}$/.test(id15)) throw new RangeError(`a 15-digit resident ID must be 15 digits, got '${id15}'`);
  const first17 = `${id15.slice(0, 6)}19${id15.slice(6)}`;
  return first17 + residentIdCheckChar(first17);
}

function isRealDate(yyyymmdd: string): boolean {
  if (!/^\d{8}$/.test(yyyymmdd)) return false;
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Today's calendar date in China Standard Time (UTC+8, no DST), as YYYYMMDD. */
function chinaDateDigits(now: Date): string {
  return chinaDate(now).replaceAll('-', '');
}

export function isResidentIdRegion(code6: string): boolean {
  if (!/^\d{6}$/.test(code6)) return false;
  const prefix = code6.slice(0, 2);
  return PROVINCES[`${prefix}0000`] !== undefined || RESIDENCE_PERMIT_PREFIXES.has(prefix);
}

export function validateResidentId(input: string, opts: ResidentIdOptions = {}): ResidentIdResult {
  const raw = normalizeCodeInput(input);
  const errors: IdentityError[] = [];
  const result: ResidentIdResult = { code: raw, valid: false, errors };

  if (raw.length !== 18 && raw.length !== 15) {
    errors.push(identityError('ID_LENGTH', `实际为${raw.length}位`));
    return result;
  }
  const wellFormed = raw.length === 18 ? /^\d{17}[\dX]$/.test(raw) : /^\d{15}$/.test(raw);
  if (!wellFormed) {
    errors.push(identityError('ID_FORMAT'));
    return result;
  }

  const code = raw.length === 15 ? convertId15To18(raw) : raw;
  result.code = code;
  if (raw.length === 15) result.converted = true;

  const region = code.slice(0, 6);
  if (isResidentIdRegion(region)) result.regionCode = region;
  else errors.push(identityError('ID_REGION', region));

  const birth = code.slice(6, 14);
  const today = chinaDateDigits(opts.today ?? new Date());
  if (!isRealDate(birth)) errors.push(identityError('ID_BIRTHDATE', `${birth}不是有效日期`));
  else if (birth > today) errors.push(identityError('ID_BIRTHDATE', `${birth}晚于当前日期`));
  else if (Number(birth.slice(0, 4)) < MIN_BIRTH_YEAR) errors.push(identityError('ID_BIRTHDATE', `${birth}早于${MIN_BIRTH_YEAR}年`));
  else result.birthDate = `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}`;

  result.sex = Number(code.charAt(16)) % 2 === 1 ? 'male' : 'female';

  if (residentIdCheckChar(code.slice(0, 17)) !== code.charAt(17)) errors.push(identityError('ID_CHECKSUM'));

  result.valid = errors.length === 0;
  return result;
}

export function makeResidentId(region6: string, birth: string, seq3: string): string {
  if (!/^\d{6}$/.test(region6)) throw new RangeError(`region must be 6 digits, got '${region6}'`);
  if (!isRealDate(birth)) throw new RangeError(`birth must be a real YYYYMMDD date, got '${birth}'`);
  if (!/^\d{3}$/.test(seq3)) throw new RangeError(`sequence must be 3 digits, got '${seq3}'`);
  const first17 = region6 + birth + seq3;
  return first17 + residentIdCheckChar(first17);
}

/**
 * Masks a resident ID for anything public (DOMAIN.md §8): 18 characters keep the first 6 and last 4
 * (`370102********1234`); a 15-digit number keeps the first 6 and last 3, hiding the whole birth date. Other
 * input keeps at most its last 4 characters, and nothing when it is 8 characters or shorter.
 */
export function maskResidentId(id: string): string {
  const s = normalizeCodeInput(id);
  if (s.length === 18) return `${s.slice(0, 6)}********${s.slice(14)}`;
  if (s.length === 15) return `${s.slice(0, 6)}******${s.slice(12)}`;
  if (s.length <= 8) return '*'.repeat(s.length);
  return '*'.repeat(s.length - 4) + s.slice(-4);
}
