/**
 * Publicity rules (DOMAIN.md §4-5): from a category's `x-publicity` rule, one record and a versioned rule set,
 * the record's effective publicity level (社会公开 / 政务共享 / 授权查询) and its publicity window. Pure: no I/O,
 * no clock; the day a version is written comes in with the record.
 *
 * Windows are counted from the decision date and end on an inclusive last day (YYYY-MM-DD); null means no end
 * while the record stands. A period of N months ends on the day of the month N months later that corresponds
 * to the decision date, or on that month's last day when it has none (《民法典》第二百零一条、第二百零三条:
 * the decision day itself is not counted, the period ends on the corresponding day).
 */
import type { PublicityRule } from '../records/schema-registry.ts';

export type RuleSetVersion = '2019' | '2026-04';
export type PublicityLevel = 'public' | 'shared' | 'restricted';

/** Which rule set a record is judged by: a fixed one, or by its decision date (the default). */
export interface PublicityConfig {
  /** 'byDecisionDate': decisions from 2026-04-01 take '2026-04', earlier ones '2019'. */
  rules: 'byDecisionDate' | RuleSetVersion;
  /** The 2026-04 set's option for minor (轻微) penalties: 0 (not published, the default) to 3 months. */
  minorPublishMonths: number;
}

export const DEFAULT_PUBLICITY: PublicityConfig = { rules: 'byDecisionDate', minorPublishMonths: 0 };

/** Shortest and longest publicity period of one severity, in months from the decision date. */
export interface Period { minMonths: number; maxMonths: number }

export interface RuleSet {
  version: RuleSetVersion;
  /** First decision date the set governs when the rule set is chosen by decision date. */
  inForceFrom: string;
  /** Periods by severity; null: not published (政务共享 only). */
  periods: Readonly<Record<'minor' | 'general' | 'serious', Period | null>>;
}

/**
 * The 2019 notice (发改办财金〔2019〕527号) knows general (一般, 3 months to 1 year) and serious (严重, 6 months to
 * 3 years) penalties only; a minor one is judged as general. The measures in force from 2026-04-01: minor in
 * principle not published (at most 3 months if the sector decides), general 3 months to 1 year, serious 1 to 3
 * years.
 */
export function ruleSet(version: RuleSetVersion, cfg: Pick<PublicityConfig, 'minorPublishMonths'> = DEFAULT_PUBLICITY): RuleSet {
  if (version === '2019') {
    return { version, inForceFrom: '0000-01-01', periods: { minor: { minMonths: 3, maxMonths: 12 }, general: { minMonths: 3, maxMonths: 12 }, serious: { minMonths: 6, maxMonths: 36 } } };
  }
  const minor = Math.max(0, Math.min(3, Math.floor(cfg.minorPublishMonths)));
  return { version, inForceFrom: '2026-04-01', periods: { minor: minor > 0 ? { minMonths: 0, maxMonths: minor } : null, general: { minMonths: 3, maxMonths: 12 }, serious: { minMonths: 12, maxMonths: 36 } } };
}

/** The rule set a record decided on `decisionDate` is judged by under the node's config. */
export function ruleSetFor(decisionDate: string, cfg: PublicityConfig = DEFAULT_PUBLICITY): RuleSet {
  if (cfg.rules !== 'byDecisionDate') return ruleSet(cfg.rules, cfg);
  const current = ruleSet('2026-04', cfg);
  return decisionDate >= current.inForceFrom ? current : ruleSet('2019', cfg);
}

/** What the rules read of a record: its envelope, its data as sent, and the day this version is written. */
export interface RecordFacts {
  category: string;
  subjectType: string;
  severity: string | null;
  decisionDate: string;
  data: Record<string, unknown>;
  sourceUnit: { code?: string; name: string };
  /** YYYY-MM-DD (China time) this version of the record is written: a licence reported invalid stops then. */
  writtenOn: string;
}

export interface PublicityDecision {
  level: PublicityLevel;
  /** First and last day (inclusive) the record is shown to the public; both null when it is not public. */
  publishFrom: string | null;
  publishUntil: string | null;
  /** The rule set version applied (stored per record). */
  rule: RuleSetVersion;
  /** Why, in Chinese, for officers. */
  reason: string;
}

/** A date at or after this means "long-term" (长期有效): no end while the record stands. */
export const LONG_TERM = '2099-12-31';

/**
 * Penalty types that last (a suspension, a ban): the record stays public at least until the penalty itself ends
 * (处罚有效期, CF_YXQ), however short the severity's period, as market regulation publishes restrictions for
 * their whole term.
 */
export const RESTRICTING_TYPES: ReadonlySet<string> = new Set([
  '暂扣许可证件', '限制开展生产经营活动', '责令停产停业', '限制从业', '暂扣或者吊销许可证、暂扣或者吊销执照',
]);

/**
 * A market-regulation authority (市场监督管理, and its predecessor 工商行政管理), recognised by name in the data
 * source unit (数据来源单位) or the penalty authority (处罚机关, CF_CFJG): both travel in every record body, so a
 * receiving node reaches the same answer.
 */
export const MARKET_REGULATOR = /市场监督管理|市场监管|工商行政管理/;

const SEVERITY_LABEL: Record<string, string> = { minor: '轻微', general: '一般', serious: '严重' };

function isDate(v: unknown): v is string {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
}

/** `date` plus `months` calendar months; the month's last day when it has no corresponding day. */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return first.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  const t = new Date(`${date}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + days);
  return t.toISOString().slice(0, 10);
}

/** The later of two window ends, null (no end) being the latest. */
function later(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return null;
  return a >= b ? a : b;
}

const endOf = (date: string): string | null => (date >= LONG_TERM ? null : date);

/** Whether a penalty is a warning only (仅处警告) from a market-regulation authority: such penalties are not published. */
export function isMarketWarningOnly(facts: RecordFacts): boolean {
  const types = facts.data['penaltyTypes'];
  if (!Array.isArray(types) || types.length === 0 || !types.every((t) => t === '警告')) return false;
  const authority = facts.data['penaltyAuthority'];
  return MARKET_REGULATOR.test(facts.sourceUnit.name) || (typeof authority === 'string' && MARKET_REGULATOR.test(authority));
}

/**
 * The effective publicity of one record under a category's rule and a rule set:
 * - a shared category becomes public when its `publicWhen` field holds one of the listed values (A-grade
 *   taxpayers, dishonest debtors); natural persons' records are public only where the category's rule says so;
 * - `severity` windows (penalties): minor / general / serious periods of the set from the decision date; the
 *   source's own end date (公示截止期) is kept when it lies inside the set's shortest and longest period and
 *   brought inside otherwise; a penalty carrying several types takes the longest of their periods (a
 *   restricting type lasts until the penalty ends); a warning-only market-regulation penalty and, under
 *   '2026-04' by default, a minor one are not published;
 * - `validity` windows (licences, honours, ratings): public while valid, until the first `windowEnd` field
 *   present (2099-12-31: long-term); a record whose `status` reads 无效 stops the day before it is written so;
 * - `listPeriod` windows (lists): until the earliest `windowEnd` field present (removal, expiry), else no end;
 * - `none`: no end while the record stands.
 */
export function decidePublicity(rule: PublicityRule, facts: RecordFacts, set: RuleSet): PublicityDecision {
  const rv = set.version;
  const notPublic = (level: PublicityLevel, reason: string): PublicityDecision => ({ level, publishFrom: null, publishUntil: null, rule: rv, reason });
  let level: PublicityLevel = rule.level;
  if (level !== 'public' && rule.publicWhen) {
    const value = facts.data[rule.publicWhen.field];
    if (rule.publicWhen.in.some((v) => v === value)) level = 'public';
  }
  if (level !== 'public') return notPublic(level, level === 'shared' ? '该类信息依规仅在政务部门间共享' : '该类信息仅依授权查询');
  const from = facts.decisionDate;
  const publicUntil = (until: string | null, reason: string): PublicityDecision => ({ level: 'public', publishFrom: from, publishUntil: until, rule: rv, reason });

  switch (rule.window) {
    case 'severity': {
      if (isMarketWarningOnly(facts)) return notPublic('shared', '市场监管部门仅处警告的行政处罚信息不予公示');
      const severity = facts.severity && facts.severity in set.periods ? facts.severity as keyof RuleSet['periods'] : 'general';
      const period = set.periods[severity];
      if (!period) return notPublic('shared', `${SEVERITY_LABEL[severity]}失信行为的行政处罚信息原则上不予公示（${rv}）`);
      const shortest = addMonths(from, period.minMonths);
      const longest = addMonths(from, period.maxMonths);
      const stated = facts.data['publicityUntil'];
      let until: string | null = isDate(stated) ? (stated < shortest ? shortest : stated > longest ? longest : stated) : longest;
      let reason = `${SEVERITY_LABEL[severity]}失信行为的行政处罚信息公示期${period.minMonths}至${period.maxMonths}个月（${rv}）`;
      const types = Array.isArray(facts.data['penaltyTypes']) ? facts.data['penaltyTypes'] as unknown[] : [];
      const ends = facts.data['penaltyValidUntil'];
      if (isDate(ends) && types.some((t) => typeof t === 'string' && RESTRICTING_TYPES.has(t))) {
        const longer = later(until, endOf(ends));
        if (longer !== until) reason += '；含限制类处罚，公示至处罚期满';
        until = longer;
      }
      return publicUntil(until, reason);
    }
    case 'validity': {
      const field = (rule.windowEnd ?? []).find((f) => isDate(facts.data[f]));
      let until = field ? endOf(facts.data[field] as string) : null;
      if (facts.data['status'] === '无效') {
        const stop = addDays(facts.writtenOn, -1);
        until = until === null || stop < until ? stop : until;
        return publicUntil(until, '已失效，停止公示');
      }
      return publicUntil(until, until === null ? '长期有效，有效期内公示' : '有效期内公示');
    }
    case 'listPeriod': {
      const dates = (rule.windowEnd ?? []).map((f) => facts.data[f]).filter(isDate).sort();
      const until = dates.length > 0 ? endOf(dates[0] as string) : null;
      return publicUntil(until, until === null ? '列入期间公示' : '公示至移出或期满之日');
    }
    default:
      return publicUntil(null, '依规公开');
  }
}

/** The decision for one record with the rule set the config chooses for its decision date. */
export function publicityOf(rule: PublicityRule, facts: RecordFacts, cfg: PublicityConfig = DEFAULT_PUBLICITY): PublicityDecision {
  return decidePublicity(rule, facts, ruleSetFor(facts.decisionDate, cfg));
}
