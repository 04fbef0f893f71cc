import { toDay, fromDay, dayBetween, addMonths, type Random } from './random.ts';
import { MIN_DATE, MAX_DATE, subjectAt, type PoolSubject, type SubjectKind } from './pool.ts';
import type { Unit } from './units.ts';
import type { DataValue, RecordJson, Severity } from './types.ts';

export { MIN_DATE, MAX_DATE, addMonths };
export const MAX_DAY = toDay(MAX_DATE);
/** Long-term validity as the national data standard writes it (DOMAIN.md §4: 2099-12-31 means 长期). */
export const LONG_TERM = '2099-12-31';

export interface MakeInput {
  rnd: Random;
  /** The running index (startIndex + i): part of every external ID, so IDs never repeat within a run. */
  index: number;
  seed: number;
  subject: PoolSubject;
}

export interface CategoryGenerator {
  /** Subject kinds by weight; each must be one the category's schema allows. */
  kinds: ReadonlyArray<readonly [SubjectKind, number]>;
  /** One record per subject (registration): record i describes subject i of its kind. */
  onePerSubject?: boolean;
  /** Subjects that fit best (companies rather than shops); a few redraws, then any subject of the kind. */
  prefer?(s: PoolSubject): boolean;
  make(input: MakeInput): RecordJson;
}

/** A decision date from the subject's earliest plausible day to 2026-10-31 (young subjects make later years busier). */
export function decisionDate(rnd: Random, s: PoolSubject, from = MIN_DATE, to = MAX_DATE): string {
  const lo = Math.max(toDay(from), toDay(s.earliest));
  const hi = Math.max(lo, Math.min(toDay(to), MAX_DAY));
  return fromDay(lo + Math.floor((hi - lo + 1) * rnd.next()));
}

/** A day between two ISO dates, clamped to 2026-10-31. */
export function dateBetween(rnd: Random, from: string, to: string): string {
  const lo = toDay(from);
  return fromDay(dayBetween(rnd, lo, Math.max(lo, Math.min(toDay(to), MAX_DAY))));
}

export const yearOf = (iso: string): number => Number(iso.slice(0, 4));

/** 2025年3月2日 */
export function cnDate(iso: string): string {
  return `${iso.slice(0, 4)}年${Number(iso.slice(5, 7))}月${Number(iso.slice(8, 10))}日`;
}

export const docNo = (prefix: string, year: number, n: number): string => `${prefix}〔${year}〕${n}号`;

/** Yuan to 万元 with at most 6 decimals (the national standard's unit), free of binary noise. */
export const wan = (yuan: number): number => Number((yuan / 10000).toFixed(6));

/** 20000 → 2万元, 3260 → 3260元 */
export function yuanText(yuan: number): string {
  return yuan >= 10000 && yuan % 1000 === 0 ? `${yuan / 10000}万元` : `${yuan}元`;
}

/** A round amount of yuan between min and max, on a log scale skewed low: most fines small, a long tail. */
export function amount(rnd: Random, min: number, max: number): number {
  const x = Math.exp(Math.log(min) + rnd.next() ** 1.5 * (Math.log(max) - Math.log(min)));
  const step = x >= 100000 ? 10000 : x >= 10000 ? 1000 : x >= 1000 ? 100 : 10;
  return Math.max(min, Math.round(x / step) * step);
}

export function subjectRef(s: PoolSubject): RecordJson['subject'] {
  return { type: s.type, code: s.code, name: s.name };
}

export const unitRef = (u: Unit): RecordJson['sourceUnit'] => ({ code: u.code, name: u.name });

/** The envelope in the key order of CONTRACT.md; severity only when given. */
export function record(
  category: string,
  externalId: string,
  s: PoolSubject,
  source: Unit,
  date: string,
  severity: Severity | undefined,
  data: Record<string, DataValue>,
): RecordJson {
  // Two literals rather than a spread: object spread costs microseconds, and this runs for every record.
  return severity === undefined
    ? { category, externalId, subject: subjectRef(s), sourceUnit: unitRef(source), decisionDate: date, data }
    : { category, externalId, subject: subjectRef(s), sourceUnit: unitRef(source), decisionDate: date, severity, data };
}

/** 行政相对人类别 of the 双公示 standard, in step with what the code says the subject is. */
export function counterpartClass(s: PoolSubject): string {
  if (s.type === 'natural_person') return '自然人';
  return s.form === 'individual' ? '个体工商户' : '法人及非法人组织';
}

/**
 * The 双公示 subject block: class, legal representative (the operator of a 个体工商户) or ID type of a person, and
 * for old organisations sometimes the pre-2016 registration, organisation and tax numbers.
 */
export function counterpartFields(rnd: Random, s: PoolSubject): Record<string, DataValue> {
  const out: Record<string, DataValue> = { subjectCategory: counterpartClass(s) };
  if (s.type === 'natural_person') {
    out['idType'] = '身份证';
    return out;
  }
  out['legalRepresentative'] = s.person;
  if (rnd.chance(0.5)) out['legalRepresentativeIdType'] = '身份证';
  if (s.oldBody && rnd.chance(0.4)) {
    const legacy = legacyNumbers(s);
    if (s.type === 'legal_person') out['businessRegistrationNumber'] = legacy.registrationNumber;
    out['organizationCode'] = legacy.organizationCode;
    out['taxRegistrationNumber'] = legacy.taxNumber;
  }
  return out;
}

/** ISO 7064 MOD 11,10 check digit of the 15-digit business registration number (GS15). */
function mod1110(digits: string): string {
  let p = 10;
  for (const ch of digits) {
    let s = (p + Number(ch)) % 10;
    if (s === 0) s = 10;
    p = (s * 2) % 11;
  }
  return String((11 - p) % 10);
}

/** The numbers an organisation carried before the unified code, derived from it (so they never disagree). */
export function legacyNumbers(s: PoolSubject): { registrationNumber: string; organizationCode: string; taxNumber: string } {
  const org = s.code.slice(8, 17);
  // Old bodies are digits; the registration serial reuses them reversed, which is as good as any made-up serial.
  const first14 = `${s.county.code}${[...org.slice(0, 8)].reverse().join('')}`;
  return { registrationNumber: first14 + mod1110(first14), organizationCode: `${org.slice(0, 8)}-${org.charAt(8)}`, taxNumber: `${s.county.code}${org}` };
}

/** Another company of the same world (a tenderer's rival, a contract's counterparty), by its pool index. */
export function otherCompany(seed: number, k: number): PoolSubject {
  return subjectAt(seed, 'legal_person', k);
}
