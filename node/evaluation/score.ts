/**
 * Scoring (pure): one subject's facts under one subject type's model on one day → score, grade and the
 * contribution of every indicator, each with what was found and why it counts. No I/O, no clock: the same facts,
 * model and day always give the same result, so a result can be replayed and checked.
 */
import { addMonths } from '../publicity/rules.ts';
import type { CountIndicator, EvaluatedType, Indicator, LatestRating, RegistrationAge, RegistrationStatus, TicketCount } from './model.ts';

/** One standing record of the subject, as the model reads it. */
export interface RecordFact {
  id: string;
  version: number;
  category: string;
  severity: string | null;
  decisionDate: string;
  /** The record's `data`; absent for categories whose indicators read only the envelope. */
  data?: Record<string, unknown>;
}

/** One decided ticket (objection, complaint) about the subject. */
export interface TicketFact { number: string; version: number; type: string; outcome: string | null; decidedOn: string }

export interface SubjectFacts { records: RecordFact[]; tickets: TicketFact[] }

export interface Factor {
  indicator: string;
  label: string;
  /** What was found: a count, a status, a rating; null when nothing was. */
  value: string | number | null;
  /** Contribution to the score (after decay and caps). */
  points: number;
  note: string;
}

export interface Score { score: number; grade: string; gradeText: string; factors: Factor[] }

const SEVERITY: Readonly<Record<string, string>> = { minor: '轻微', general: '一般', serious: '严重' };
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (v: unknown): v is string => typeof v === 'string' && DATE.test(v);

export const round2 = (n: number): number => {
  const r = Math.round(n * 100) / 100;
  return r === 0 ? 0 : r;
};
const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));

/** Keeps a total inside the indicator's cap; says so in the note when it did. */
function capped(ind: Indicator, total: number): { points: number; note: string } {
  const t = round2(total);
  if (ind.cap?.min !== undefined && t < ind.cap.min) return { points: ind.cap.min, note: `，合计${t}分，按扣分封顶计${ind.cap.min}分` };
  if (ind.cap?.max !== undefined && t > ind.cap.max) return { points: ind.cap.max, note: `，合计${signed(t)}分，按加分封顶计${signed(ind.cap.max)}分` };
  return { points: t, note: '' };
}

/** The subject's current registration: the one decided last (a change of registration is a new approval). */
function registrationOf(records: RecordFact[]): RecordFact | undefined {
  let best: RecordFact | undefined;
  for (const r of records) {
    if (r.category !== 'registration') continue;
    if (!best || r.decisionDate > best.decisionDate || (r.decisionDate === best.decisionDate && r.id > best.id)) best = r;
  }
  return best;
}

/** `asOf` minus a number of months, computed once per run and day. */
type MonthsAgo = (months: number) => string;

function monthsAgo(asOf: string): MonthsAgo {
  const memo = new Map<number, string>();
  return (months) => {
    let d = memo.get(months);
    if (d === undefined) memo.set(months, (d = addMonths(asOf, -months)));
    return d;
  };
}

function registrationAge(ind: RegistrationAge, records: RecordFact[], asOf: string, ago: MonthsAgo): Factor {
  const base = { indicator: ind.id, label: ind.label };
  const since = registrationOf(records)?.data?.['establishmentDate'];
  if (!isDate(since) || since > asOf) return { ...base, value: null, points: ind.params.missingPoints ?? 0, note: '未查见登记注册信息中的成立日期' };
  const years = Math.floor(((Date.parse(asOf) - Date.parse(since)) / 86_400_000 / 365.25) * 10) / 10;
  const band = ind.params.bands.find((b) => since <= ago(Math.round(b.minYears * 12)));
  const points = band?.points ?? 0;
  return { ...base, value: `${years}年`, points, note: `成立于${since}${band ? `，满${band.minYears}年档` : ''}，计${signed(points)}分` };
}

function registrationStatus(ind: RegistrationStatus, records: RecordFact[]): Factor {
  const base = { indicator: ind.id, label: ind.label };
  const status = registrationOf(records)?.data?.['registrationStatus'];
  if (typeof status !== 'string') return { ...base, value: null, points: ind.params.missingPoints ?? 0, note: '未查见登记注册信息' };
  const points = ind.params.points[status] ?? ind.params.otherPoints ?? 0;
  return { ...base, value: status, points, note: `登记状态为${status}，计${signed(points)}分` };
}

function fieldOf(r: RecordFact, field: string): unknown {
  return field === '$severity' ? r.severity : r.data?.[field];
}

/** Whether a record still counts on `asOf`: not past its last valid day, not removed. */
function standsOn(r: RecordFact, asOf: string, validUntil: string[] | undefined, removedOn: string[] | undefined): boolean {
  for (const f of validUntil ?? []) {
    const v = r.data?.[f];
    if (isDate(v) && v < asOf) return false;
  }
  for (const f of removedOn ?? []) {
    const v = r.data?.[f];
    if (isDate(v) && v <= asOf) return false;
  }
  return true;
}

function describeValue(field: string | undefined, v: unknown): string {
  if (field === '$severity') return SEVERITY[String(v)] ?? '未标明严重程度';
  return v === undefined || v === null ? '' : String(v);
}

function count(ind: CountIndicator, records: RecordFact[], asOf: string, ago: MonthsAgo): Factor {
  const p = ind.params;
  const from = p.withinMonths !== undefined ? ago(p.withinMonths) : undefined;
  const items: Array<{ date: string; what: string; factor: number; points: number }> = [];
  for (const r of records) {
    if (r.category !== p.category) continue;
    if (from !== undefined && r.decisionDate < from) continue;
    if (p.match && !Object.entries(p.match).every(([f, values]) => values.includes(fieldOf(r, f) as string | number | boolean))) continue;
    if (!standsOn(r, asOf, p.validUntil, p.removedOn)) continue;
    let factor = 1;
    if (p.decay) {
      const band = p.decay.find((d) => r.decisionDate >= ago(d.withinMonths));
      if (!band) continue;
      factor = band.factor;
    }
    const value = p.pointsBy ? fieldOf(r, p.pointsBy.field) : undefined;
    const each = p.pointsBy ? (p.pointsBy.values[String(value)] ?? p.pointsBy.otherPoints ?? 0) : (p.points ?? 0);
    items.push({ date: r.decisionDate, what: describeValue(p.pointsBy?.field, value), factor, points: round2(each * factor) });
  }
  const base = { indicator: ind.id, label: ind.label, value: items.length };
  if (items.length === 0) return { ...base, points: 0, note: '未查见' };
  items.sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : a.points - b.points));
  const shown = items.slice(0, 5).map((i) => `${i.date}${i.what ? ` ${i.what}` : ''}${i.factor !== 1 ? `（按${i.factor}折算）` : ''} ${signed(i.points)}`);
  const more = items.length > shown.length ? `等${items.length}条` : '';
  const { points, note } = capped(ind, items.reduce((s, i) => s + i.points, 0));
  return { ...base, points, note: `查见${items.length}条：${shown.join('；')}${more}${note}` };
}

function latestRating(ind: LatestRating, records: RecordFact[], asOf: string): Factor {
  const p = ind.params;
  const minYear = p.withinYears !== undefined ? Number(asOf.slice(0, 4)) - p.withinYears : -Infinity;
  let best: { year: number; date: string; id: string; value: unknown } | undefined;
  for (const r of records) {
    if (r.category !== p.category) continue;
    const year = Number(r.data?.[p.yearField]);
    if (!Number.isFinite(year) || year < minYear) continue;
    const cand = { year, date: r.decisionDate, id: r.id, value: r.data?.[p.field] };
    if (!best || year > best.year || (year === best.year && (cand.date > best.date || (cand.date === best.date && cand.id > best.id)))) best = cand;
  }
  const base = { indicator: ind.id, label: ind.label };
  if (!best || best.value === undefined || best.value === null) {
    return { ...base, value: null, points: p.missingPoints ?? 0, note: p.withinYears !== undefined ? `未查见${minYear}年度及以后的评价结果` : '未查见评价结果' };
  }
  const v = String(best.value);
  const points = p.points[v] ?? p.otherPoints ?? 0;
  return { ...base, value: `${v}（${best.year}年度）`, points, note: `${best.year}年度评价结果为${v}，计${signed(points)}分` };
}

function tickets(ind: TicketCount, list: TicketFact[], asOf: string, ago: MonthsAgo): Factor {
  const p = ind.params;
  const from = p.withinMonths !== undefined ? ago(p.withinMonths) : undefined;
  const found = list.filter((t) => t.type === p.ticketType && t.outcome !== null && p.outcomes.includes(t.outcome) && t.decidedOn <= asOf && (from === undefined || t.decidedOn >= from));
  const base = { indicator: ind.id, label: ind.label, value: found.length };
  if (found.length === 0) return { ...base, points: 0, note: '未查见' };
  const dates = found.map((t) => t.decidedOn).sort().reverse().slice(0, 5);
  const { points, note } = capped(ind, found.length * p.points);
  return { ...base, points, note: `查见${found.length}件（办结于${dates.join('、')}${found.length > dates.length ? '等' : ''}），每件${signed(p.points)}分${note}` };
}

function factorOf(ind: Indicator, facts: SubjectFacts, asOf: string, ago: MonthsAgo): Factor {
  switch (ind.kind) {
    case 'registrationAge': return registrationAge(ind, facts.records, asOf, ago);
    case 'registrationStatus': return registrationStatus(ind, facts.records);
    case 'count': return count(ind, facts.records, asOf, ago);
    case 'latestRating': return latestRating(ind, facts.records, asOf);
    case 'tickets': return tickets(ind, facts.tickets, asOf, ago);
  }
}

/**
 * The subject's score on `asOf` (YYYY-MM-DD, China time): the base score plus every indicator's points, kept
 * between the model's lowest and highest score; the grade of the first band the score reaches, made no better
 * than an override's grade when its indicator found something. Records decided after `asOf` are not there yet.
 */
export function scoreSubject(model: EvaluatedType, facts: SubjectFacts, asOf: string): Score {
  return scorer(model, asOf)(facts);
}

/** scoreSubject for many subjects on one day (the day's thresholds computed once). */
export function scorer(model: EvaluatedType, asOf: string): (facts: SubjectFacts) => Score {
  const ago = monthsAgo(asOf);
  return (facts) => score(model, facts, asOf, ago);
}

function score(model: EvaluatedType, facts: SubjectFacts, asOf: string, ago: MonthsAgo): Score {
  const known: SubjectFacts = { records: facts.records.filter((r) => r.decisionDate <= asOf), tickets: facts.tickets };
  const factors = model.indicators.map((ind) => factorOf(ind, known, asOf, ago));
  const raw = round2(model.baseScore + factors.reduce((s, f) => s + f.points, 0));
  const score = Math.min(model.maxScore, Math.max(model.minScore, raw));
  const order = model.grades;
  let index = order.findIndex((g) => score >= g.minScore);
  if (index < 0) index = order.length - 1;
  for (const o of model.overrides) {
    const f = factors.find((x) => x.indicator === o.indicator);
    if (!f || typeof f.value !== 'number' || f.value <= 0) continue;
    const cap = order.findIndex((g) => g.grade === o.maxGrade);
    if (cap > index) index = cap;
    f.note += `；${o.note}`;
  }
  const band = order[index] as { grade: string; text: string };
  return { score, grade: band.grade, gradeText: band.text, factors };
}
