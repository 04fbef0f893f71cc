/** mulberry32: a small, fast, deterministic PRNG; the same seed gives the same data on every machine. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A date between two ISO dates (inclusive), as YYYY-MM-DD. */
  date(from: string, to: string): string {
    const a = toDay(from);
    return fromDay(a + Math.floor(this.next() * (toDay(to) - a + 1)));
  }

  chars(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }
}

export function addDays(iso: string, days: number): string {
  return fromDay(toDay(iso) + days);
}

/**
 * A 32-bit seed from several integers (a murmur3-style finaliser over each part), so record i and subject k get
 * their own independent streams: any record can be rebuilt alone, and nothing needs to be held in memory.
 */
export function subSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const lo = part >>> 0;
    const hi = Math.floor(part / 4294967296) >>> 0;
    for (const k of [lo, hi]) {
      h ^= Math.imul(k ^ (k >>> 16), 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      h ^= h >>> 16;
      h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A stable 32-bit hash of a string (FNV-1a), e.g. to salt seeds per category. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Calendar arithmetic on day numbers (days since 1970-01-01) in plain integers (H. Hinnant's civil-date
 * algorithms): Date objects and toISOString cost a microsecond a call, and a record needs a dozen dates.
 */
export function dayOf(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

/** Days since 1970-01-01 of an ISO date (YYYY-MM-DD). */
export function toDay(iso: string): number {
  return dayOf(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), Number(iso.slice(8, 10)));
}

export function fromDay(day: number): string {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** The same day `months` later (the month's last day when it is shorter), minus `minusDays`: a one-year term from 2026-03-02 ends 2027-03-01. */
export function addMonths(iso: string, months: number, minusDays = 0): string {
  const total = Number(iso.slice(0, 4)) * 12 + Number(iso.slice(5, 7)) - 1 + months;
  const y = Math.floor(total / 12);
  const m = total - y * 12 + 1;
  const d = Math.min(Number(iso.slice(8, 10)), daysInMonth(y, m));
  return fromDay(dayOf(y, m, d) - minusDays);
}

export function addYears(iso: string, years: number, minusDays = 0): string {
  return addMonths(iso, 12 * years, minusDays);
}

/** An item by weight: `[[value, weight], ...]`. */
export function weighted<T>(rnd: Random, items: ReadonlyArray<readonly [T, number]>): T {
  let total = 0;
  for (const [, w] of items) total += w;
  let x = rnd.next() * total;
  for (const [v, w] of items) {
    x -= w;
    if (x < 0) return v;
  }
  return (items[items.length - 1] as readonly [T, number])[0];
}

/** A day between two day numbers (inclusive). */
export function dayBetween(rnd: Random, from: number, to: number): number {
  return to <= from ? from : from + Math.floor(rnd.next() * (to - from + 1));
}

/** Log-uniform between min and max: amounts spread over orders of magnitude, small ones more common. */
export function logUniform(rnd: Random, min: number, max: number): number {
  return Math.exp(Math.log(min) + rnd.next() * (Math.log(max) - Math.log(min)));
}
