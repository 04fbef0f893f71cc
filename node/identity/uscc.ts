/**
 * Unified social credit code 统一社会信用代码 (GB 32100-2015), DOMAIN.md §1.
 *
 * Decision on the inner organisation-code check (position 17, GB 11714): it is an ERROR, not a warning. Every
 * valid example of DOMAIN.md §1 passes it (60003734→1, 40135908→1, 77526004→3, 07837628→6, MA0KD1Y6→4), and so
 * does the Xiamen pilot code 91350211M0000XUF46 (M0000XUF→4; it fails only the final check). The check is also
 * what tells an 18-digit resident ID that passes the final mod-31 check by chance from a real code. A code
 * that fails it can still be accepted through the legacy allow list, like one that fails the final check.
 */

import { describeAuthority } from './authority.ts';
import type { AuthorityInfo, SubjectType } from './authority.ts';
import { identityError } from './errors.ts';
import type { IdentityError } from './errors.ts';
import { normalizeCodeInput } from './normalize.ts';
import { isKnownRegion } from './regions.ts';

export { AUTHORITIES, describeAuthority } from './authority.ts';
export type { AuthorityInfo, SubjectType } from './authority.ts';

/** The 31 symbols of GB 32100 (no I, O, Z, S, V), valued 0..30 in this order. */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;

/**
 * Registration-authority division used for bodies registered by central authorities (中央国家机关 and the like):
 * not a GB/T 2260 province but a legitimate value of positions 3-8.
 */
export const CENTRAL_REGION = '100000';

export interface UsccResult {
  code: string;
  valid: boolean;
  errors: IdentityError[];
  warnings: IdentityError[];
  subjectType?: SubjectType;
  authority?: AuthorityInfo;
  regionCode?: string;
  legacy?: boolean;
}

export interface UsccOptions {
  /** Normalised codes (upper case, no separators) accepted despite failing a check (early pilot codes). */
  legacyCodes?: ReadonlySet<string>;
}

export function normalizeUscc(input: string): string {
  return normalizeCodeInput(input);
}

/** The final check character over positions 1-17 (GB 32100 §4.5, ISO 7064 MOD 31-3 style). */
export function usccCheckChar(first17: string): string {
  if (first17.length !== 17) throw new RangeError(`usccCheckChar needs 17 characters, got ${first17.length}`);
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_ALPHABET.indexOf(first17.charAt(i));
    if (value < 0) throw new RangeError(`character '${first17.charAt(i)}' is not in the USCC alphabet`);
    sum += value * (USCC_WEIGHTS[i] ?? 0);
  }
  // The outer mod 31 matters: a sum that is a multiple of 31 gives '0', not an out-of-range index 31.
  return USCC_ALPHABET.charAt((31 - (sum % 31)) % 31);
}

/** GB 11714 value of a body character: digits 0-9, then all 26 letters A-Z valued 10..35. */
function orgCharValue(ch: string): number {
  const c = ch.length === 1 ? ch.charCodeAt(0) : -1;
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 90) return c - 55;
  throw new RangeError(`character '${ch}' is not allowed in an organisation code`);
}

/** The organisation-code check character over the 8 body characters (GB 11714): 10 → 'X', 11 → '0'. */
export function orgCodeCheckChar(body8: string): string {
  if (body8.length !== 8) throw new RangeError(`orgCodeCheckChar needs 8 characters, got ${body8.length}`);
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += orgCharValue(body8.charAt(i)) * (ORG_WEIGHTS[i] ?? 0);
  const c = 11 - (sum % 11);
  if (c === 10) return 'X';
  if (c === 11) return '0';
  return String(c);
}

function isUsccRegion(region: string): boolean {
  return region === CENTRAL_REGION || isKnownRegion(region);
}

const CHECK_ERRORS: ReadonlySet<string> = new Set(['USCC_ORG_CHECK', 'USCC_CHECKSUM']);

/** Only characters of the alphabet (the common case, checked without taking the code apart). */
const ALPHABET_ONLY = new RegExp(`^[${USCC_ALPHABET}]*$`);

/**
 * Validates a code after normalising it. All applicable errors are reported; a length or alphabet error skips
 * the two check-character tests (their arithmetic is meaningless then), and a length error skips the
 * positional checks as well.
 */
export function validateUscc(input: string, opts: UsccOptions = {}): UsccResult {
  const code = normalizeUscc(input);
  const errors: IdentityError[] = [];
  const warnings: IdentityError[] = [];
  const result: UsccResult = { code, valid: false, errors, warnings };

  const badChars = ALPHABET_ONLY.test(code) ? [] : [...new Set([...code].filter((ch) => !USCC_ALPHABET.includes(ch)))];
  if (code.length !== 18) errors.push(identityError('USCC_LENGTH', `实际为${code.length}位`));
  if (badChars.length > 0) errors.push(identityError('USCC_ALPHABET', badChars.join('、')));
  if (code.length !== 18) return result;

  const authority = describeAuthority(code.charAt(0), code.charAt(1));
  if (authority === undefined) {
    errors.push(identityError('USCC_AUTHORITY', code.slice(0, 2)));
  } else {
    result.authority = authority;
    result.subjectType = authority.subjectType;
  }

  const region = code.slice(2, 8);
  if (/^\d{6}$/.test(region) && isUsccRegion(region)) result.regionCode = region;
  else errors.push(identityError('USCC_REGION', region));

  if (badChars.length === 0) {
    if (orgCodeCheckChar(code.slice(8, 16)) !== code.charAt(16)) errors.push(identityError('USCC_ORG_CHECK'));
    if (usccCheckChar(code.slice(0, 17)) !== code.charAt(17)) errors.push(identityError('USCC_CHECKSUM'));
  }

  // Listed pilot codes (DOMAIN.md §1, e.g. 91350211M0000XUF46) are legal identifiers whatever their check
  // characters say; the listing waives only the check-character errors, never structural ones.
  if (opts.legacyCodes?.has(code) === true && errors.some((e) => CHECK_ERRORS.has(e.code))) {
    const rest = errors.filter((e) => !CHECK_ERRORS.has(e.code));
    errors.splice(0, errors.length, ...rest);
    warnings.push(identityError('USCC_LEGACY'));
    result.legacy = true;
  }

  result.valid = errors.length === 0;
  return result;
}

/** Builds a valid code from its parts, computing the organisation-code and final check characters. */
export function makeUscc(authority: string, category: string, region6: string, orgBody8: string): string {
  if (describeAuthority(authority, category) === undefined) {
    throw new RangeError(`unknown authority/category pair '${authority}${category}'`);
  }
  if (!/^\d{6}$/.test(region6)) throw new RangeError(`region must be 6 digits, got '${region6}'`);
  if (orgBody8.length !== 8 || [...orgBody8].some((ch) => !USCC_ALPHABET.includes(ch))) {
    throw new RangeError(`organisation code body must be 8 characters of the USCC alphabet, got '${orgBody8}'`);
  }
  const first17 = `${authority}${category}${region6}${orgBody8}${orgCodeCheckChar(orgBody8)}`;
  return first17 + usccCheckChar(first17);
}
