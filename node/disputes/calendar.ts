import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BadRequest, ConfigInvalid, type ErrorDetail } from '../errors.ts';

/**
 * The working-day calendar: time limits on objections and complaints run in working days of the official
 * holiday calendar, make-up working weekends (调休) included, never plain Monday to Friday (DOMAIN.md §6).
 * One table per year, copied from the State Council's notice (config/calendar/README.md).
 */
export interface HolidayYear {
  year: number;
  source?: string;
  holidays: Array<{ name: string; from: string; to: string }>;
  workdays: Array<{ date: string; name: string }>;
}

export class CalendarYearMissing extends Error {
  readonly year: number;
  constructor(year: number) {
    super(`节假日日历缺少 ${year} 年，请按 config/calendar/README.md 添加`);
    this.name = 'CalendarYearMissing';
    this.year = year;
  }
}

const DAY_MS = 86_400_000;
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 for a valid 'YYYY-MM-DD', else undefined. UTC only: no time zone can shift a day. */
function dayNumber(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  const m = DAY_RE.exec(s);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d); // not Date.UTC, which reads years 0–99 as 1900–1999
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return undefined;
  return Math.round(t.getTime() / DAY_MS);
}

function dayString(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

const yearOf = (n: number): number => new Date(n * DAY_MS).getUTCFullYear();
/** 0 = Sunday … 6 = Saturday; 1970-01-01 was a Thursday. */
const weekday = (n: number): number => (((n + 4) % 7) + 7) % 7;
const isWeekend = (n: number): boolean => { const w = weekday(n); return w === 0 || w === 6; };
const WEEKDAY_NAMES = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];

function parseDay(s: string, field: string): number {
  const n = dayNumber(s);
  if (n === undefined) throw new BadRequest(`日期无效：${s}（应为 YYYY-MM-DD）`, [{ path: field, message: '日期无效' }]);
  return n;
}

/** Every problem of one year's table, each with the field path; `expectedYear` comes from the file name. */
function checkYear(raw: unknown, expectedYear: number | undefined): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const bad = (p: string, message: string) => problems.push({ path: p, message });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [{ path: '', message: '顶层必须是对象' }];
  const t = raw as Record<string, unknown>;
  const year = t['year'];
  if (typeof year !== 'number' || !Number.isInteger(year) || year < 1000 || year > 9999) return [{ path: 'year', message: '应为四位整数年份' }];
  if (expectedYear !== undefined && year !== expectedYear) bad('year', `与文件名不符（文件名为 ${expectedYear}.json）`);
  if (t['source'] !== undefined && typeof t['source'] !== 'string') bad('source', '应为字符串');
  const inYear = (v: unknown, p: string): number | undefined => {
    const n = dayNumber(v);
    if (n === undefined) bad(p, '日期无效');
    else if (yearOf(n) !== year) bad(p, `不在 ${year} 年内`);
    else return n;
    return undefined;
  };
  const named = (item: unknown, p: string): Record<string, unknown> | undefined => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) { bad(p, '应为对象'); return undefined; }
    const o = item as Record<string, unknown>;
    if (typeof o['name'] !== 'string' || o['name'].trim() === '') bad(`${p}.name`, '应为非空字符串');
    return o;
  };

  const ranges: Array<{ from: number; to: number; label: string }> = [];
  if (!Array.isArray(t['holidays'])) bad('holidays', '应为数组');
  else t['holidays'].forEach((item, i) => {
    const o = named(item, `holidays[${i}]`);
    if (!o) return;
    const from = inYear(o['from'], `holidays[${i}].from`);
    const to = inYear(o['to'], `holidays[${i}].to`);
    if (from === undefined || to === undefined) return;
    if (from > to) bad(`holidays[${i}].to`, '早于开始日期 from');
    else ranges.push({ from, to, label: `holidays[${i}]（${String(o['name'])}）` });
  });

  const seen = new Set<number>();
  if (!Array.isArray(t['workdays'])) bad('workdays', '应为数组');
  else t['workdays'].forEach((item, i) => {
    const o = named(item, `workdays[${i}]`);
    if (!o) return;
    const p = `workdays[${i}].date`;
    const d = inYear(o['date'], p);
    if (d === undefined) return;
    if (!isWeekend(d)) bad(p, `${String(o['date'])} 是${WEEKDAY_NAMES[weekday(d)]}，调休上班日只能是周六或周日`);
    const inside = ranges.find((r) => r.from <= d && d <= r.to);
    if (inside) bad(p, `落在节假日 ${inside.label}之内`);
    if (seen.has(d)) bad(p, '重复');
    seen.add(d);
  });
  return problems;
}

function refuse(problems: Array<ErrorDetail & { file: string }>): never {
  const lines = problems.map((p) => `${p.file}: ${p.path ? `${p.path} ` : ''}${p.message}`);
  const message = lines.length === 1 ? (lines[0] as string) : `节假日日历有 ${lines.length} 处错误：\n${lines.map((l) => `  ${l}`).join('\n')}`;
  throw new ConfigInvalid(message, problems);
}

/** A path for messages: relative to the working directory when inside it, as operators type it. */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export class WorkCalendar {
  readonly years: number[];
  private readonly covered: Set<number>;
  private readonly holidays = new Set<number>();
  private readonly workdays = new Set<number>();

  private constructor(tables: HolidayYear[]) {
    this.years = tables.map((t) => t.year).sort((a, b) => a - b);
    this.covered = new Set(this.years);
    for (const t of tables) {
      for (const h of t.holidays) {
        for (let d = dayNumber(h.from) as number, end = dayNumber(h.to) as number; d <= end; d++) this.holidays.add(d);
      }
      for (const w of t.workdays) this.workdays.add(dayNumber(w.date) as number);
    }
  }

  /** Reads every `<year>.json` in `dir`; a malformed table stops the node, naming file and field. */
  static load(dir: string): WorkCalendar {
    if (!existsSync(dir)) throw new ConfigInvalid(`节假日日历目录不存在：${shown(dir)}（配置项 disputes.calendarDir）`);
    const problems: Array<ErrorDetail & { file: string }> = [];
    const tables: HolidayYear[] = [];
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const file = shown(path.join(dir, name));
      const m = /^(\d{4})\.json$/.exec(name);
      if (!m) { problems.push({ file, path: '', message: '文件名应为 <年份>.json' }); continue; }
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
      } catch (err) {
        problems.push({ file, path: '', message: `不是合法的 JSON：${(err as Error).message}` });
        continue;
      }
      const found = checkYear(raw, Number(m[1]));
      if (found.length) problems.push(...found.map((p) => ({ ...p, file })));
      else tables.push(raw as HolidayYear);
    }
    if (problems.length) refuse(problems);
    return new WorkCalendar(tables);
  }

  /** Tables given in code (tests, tools); checked like files, named by year. */
  static fromYears(years: HolidayYear[]): WorkCalendar {
    const problems: Array<ErrorDetail & { file: string }> = [];
    const seen = new Set<number>();
    years.forEach((y, i) => {
      const year = (y as Partial<HolidayYear> | null)?.year;
      const file = typeof year === 'number' ? `${year} 年` : `第 ${i + 1} 个年份表`;
      problems.push(...checkYear(y, undefined).map((p) => ({ ...p, file })));
      if (typeof year !== 'number') return;
      if (seen.has(year)) problems.push({ file, path: 'year', message: '年份重复' });
      seen.add(year);
    });
    if (problems.length) refuse(problems);
    return new WorkCalendar(years);
  }

  isWorkingDay(day: string): boolean {
    return this.working(parseDay(day, 'day'), false);
  }

  /** The n-th working day after `day` (`day` itself not counted; n = 0 gives `day`). */
  addWorkingDays(day: string, n: number): string {
    return dayString(this.add(parseDay(day, 'day'), n, false).day);
  }

  /**
   * As addWorkingDays, but a year without a table counts Monday to Friday so a deadline can still be set;
   * `provisional` says an uncovered day was passed and the date may move once the year's table is added.
   */
  addWorkingDaysLenient(day: string, n: number): { day: string; provisional: boolean } {
    const r = this.add(parseDay(day, 'day'), n, true);
    return { day: dayString(r.day), provisional: r.provisional };
  }

  /** Working days d with from < d <= to; 0 when to <= from. */
  workingDaysBetween(from: string, to: string): number {
    const a = parseDay(from, 'from');
    const b = parseDay(to, 'to');
    let count = 0;
    for (let d = a + 1; d <= b; d++) if (this.working(d, false)) count++;
    return count;
  }

  /** Years of the days from `from` to `to` (both included, either order) that have no table. */
  missingYears(from: string, to: string): number[] {
    const a = yearOf(parseDay(from, 'from'));
    const b = yearOf(parseDay(to, 'to'));
    const out: number[] = [];
    for (let y = Math.min(a, b); y <= Math.max(a, b); y++) if (!this.covered.has(y)) out.push(y);
    return out;
  }

  private add(start: number, n: number, lenient: boolean): { day: number; provisional: boolean } {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`工作日数应为非负整数：${n}`);
    const flags = { provisional: false };
    let d = start;
    for (let left = n; left > 0;) {
      d++;
      if (this.working(d, lenient, flags)) left--;
    }
    return { day: d, provisional: flags.provisional };
  }

  /** A make-up day works, a holiday rests, otherwise Monday to Friday; uncovered years only when lenient. */
  private working(d: number, lenient: boolean, flags?: { provisional: boolean }): boolean {
    if (!this.covered.has(yearOf(d))) {
      if (!lenient) throw new CalendarYearMissing(yearOf(d));
      if (flags) flags.provisional = true;
      return !isWeekend(d);
    }
    if (this.workdays.has(d)) return true;
    if (this.holidays.has(d)) return false;
    return !isWeekend(d);
  }
}
