import type { Knex } from 'knex';
import { checkCode, maskResidentId } from '../identity/index.ts';
import { normalizeCodeInput, toHalfWidth } from '../identity/normalize.ts';
import { BadRequest } from '../errors.ts';
import { selectRows } from '../store/read.ts';

/**
 * Subject search by code or by any part of a name (DESIGN.md §5: "海尔", "鲁味", 历下区 in the middle of
 * 济南市历下区某某科技有限公司). What the query looks like decides how it is looked up:
 *   a whole valid USCC            exact lookup of subjects.key;
 *   a whole valid resident ID     exact lookup of its keyed hash (only when natural persons are included);
 *   6–18 of [0-9A-Z], a digit too the start of a USCC: an index range on subjects.key (organisations only);
 *                                 when no code starts with it, it is searched as a name;
 *   3 characters or more          the trigram index (SQLite FTS5, PostgreSQL pg_trgm), migration 202611261610;
 *   1 or 2 characters             no trigram to look up: a LIKE scan of subjects that stops at the cap. A
 *                                 fragment as common as 科技 stops within a few thousand rows; a rare one reads
 *                                 the whole table (0.2–0.3 s per million subjects on SQLite and PostgreSQL).
 *
 * Every lookup collects at most SEARCH_MAX_TOTAL + 1 candidates (the first matches, plus for fragments of 3+
 * characters every name that starts with the fragment), so its cost is bounded whatever the fragment matches.
 * The candidates are ranked: exact name, then names starting with the fragment, then relevance (bm25 on SQLite,
 * similarity() on PostgreSQL), then shorter names, then id — the same order on every request, so pages are
 * stable. When a fragment matches more than the cap, total is SEARCH_MAX_TOTAL with totalCapped, only that
 * many ranked candidates can be paged through, matches beyond the first ones are not considered (and on SQLite
 * relevance is not weighed): the answer asks for a longer fragment rather than ranking a million names. On
 * SQLite such a fragment (without ASCII letters) is not ranked at all: the names starting with it come first,
 * then the others in the order they were registered, and only the page is read (commonFragmentPage).
 */
// Five pages of twenty. Every candidate costs time on every request (SQLite and PostgreSQL alike), and a
// fragment that matches more names than a person reads through is better made longer than paged through.
export const SEARCH_MAX_TOTAL = 100;
const MAX_QUERY_CHARS = 100;
const MAX_LIMIT = 50;
const DEFAULT_LIMIT = 20;

export interface SearchOptions {
  /** Page size, 1..50 (default 20). */
  limit?: number;
  /** 1-based (default 1). */
  page?: number;
  /** Natural persons are found only when the caller stated a purpose (查询事由). */
  includeNaturalPersons: boolean;
  /** Only subjects whose region starts with one of these division-code prefixes; undefined: no region filter. */
  regionPrefixes?: string[] | undefined;
  /** The lookup key of a resident ID number (the vault's keyed hash); without it an ID number finds nobody. */
  subjectKeyOf?: ((idNumber: string) => string) | undefined;
}

export type SearchMatch = 'code' | 'code_prefix' | 'person_id' | 'name';

export interface SearchItem {
  type: string;
  /** USCC; for a natural person the masked ID number, never the number. */
  code: string;
  name: string;
  region: string | null;
  recordCount: number;
}

export interface SearchResult {
  /** The query as searched (a resident ID number masked). */
  query: string;
  match: SearchMatch;
  page: number;
  limit: number;
  /** Matches, at most SEARCH_MAX_TOTAL. */
  total: number;
  /** More than SEARCH_MAX_TOTAL matched: total is the cap and only that many can be paged through. */
  totalCapped: boolean;
  items: SearchItem[];
}

/** Candidates ranked in SQL (runPlan). */
interface RankedPlan {
  match: SearchMatch;
  /** Candidate ids (and, for FTS5, a score) as one SELECT; at most SEARCH_MAX_TOTAL + 1 rows, plus prefixes. */
  hits: string;
  hitBindings: unknown[];
  order: string;
  orderBindings: unknown[];
}

/** A plan that reads its page itself instead of ranking every candidate (commonFragmentPage). */
interface PagedPlan {
  match: SearchMatch;
  run: (db: Knex, limit: number, page: number) => Promise<{ rows: PageRow[]; matched: number }>;
}

type Plan = RankedPlan | PagedPlan;

const badQ = (message: string) => new BadRequest(message, [{ path: 'q', message }]);

/** Trimmed, control characters removed, full-width letters, digits and spaces made half-width; 1..100 characters. */
export function normalizeQuery(raw: unknown): string {
  if (typeof raw !== 'string') throw badQ('请填写查询词 q（主体名称的任意部分或统一社会信用代码）');
  // Full-width punctuation stays: registered names write their brackets full-width (（集团）).
  const q = raw
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000]/g, (c) => (c === '\u3000' ? ' ' : toHalfWidth(c)))
    .trim()
    .replace(/\s+/g, ' ');
  const chars = [...q].length;
  if (chars === 0) throw badQ('查询词 q 不能为空');
  if (chars > MAX_QUERY_CHARS) throw badQ(`查询词 q 过长（最多 ${MAX_QUERY_CHARS} 个字符）`);
  return q;
}

function intOption(value: number | undefined, fallback: number, min: number, max: number, path: string, label: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min || n > max) {
    const message = `${label} ${path} 须为 ${min} 到 ${max} 之间的整数`;
    throw new BadRequest(message, [{ path, message }]);
  }
  return n;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const isPg = (db: Knex) => (db.client as { config: { client: unknown } }).config.client === 'pg';

/** The smallest string above every string that starts with `prefix` (of [0-9A-Z]); undefined: none needed. */
function prefixUpperBound(prefix: string): string | undefined {
  const chars = [...prefix];
  while (chars.length > 0) {
    const last = chars.pop() as string;
    if (last !== 'Z') return chars.join('') + (last === '9' ? 'A' : String.fromCharCode(last.charCodeAt(0) + 1));
  }
  return undefined;
}

/** Natural persons and region conditions on `s`, as ` and …`. */
function scopeSql(opts: SearchOptions): { sql: string; bindings: unknown[] } {
  const parts: string[] = [];
  const bindings: unknown[] = [];
  if (!opts.includeNaturalPersons) parts.push(`s.type <> 'natural_person'`);
  if (opts.regionPrefixes) {
    for (const p of opts.regionPrefixes) {
      if (!/^\d{1,6}$/.test(p)) throw new BadRequest(`行政区划前缀不正确：${p}`, [{ path: 'regionPrefixes', message: '须为 1 到 6 位数字' }]);
    }
    if (opts.regionPrefixes.length === 0) parts.push('1 = 0');
    else parts.push(`(${opts.regionPrefixes.map(() => 's.region like ?').join(' or ')})`);
    bindings.push(...opts.regionPrefixes.map((p) => `${p}%`));
  }
  return { sql: parts.map((p) => ` and ${p}`).join(''), bindings };
}

const CAP = SEARCH_MAX_TOTAL + 1;

function codePlan(key: string, type: 'organisation' | 'natural_person', scope: { sql: string; bindings: unknown[] }, match: SearchMatch): RankedPlan {
  const typeSql = type === 'natural_person' ? `s.type = 'natural_person'` : `s.type <> 'natural_person'`;
  return { match, hits: `select s.id from subjects s where s.key = ? and ${typeSql}${scope.sql}`, hitBindings: [key, ...scope.bindings], order: 's.id', orderBindings: [] };
}

function codePrefixPlan(prefix: string, scope: { sql: string; bindings: unknown[] }): RankedPlan {
  const upper = prefixUpperBound(prefix);
  // The range walks the unique index on key; the substr check keeps the answer exact under any collation.
  const hits = `select s.id from subjects s where s.key >= ?${upper ? ' and s.key < ?' : ''} and substr(s.key, 1, ${prefix.length}) = ?`
    + ` and s.type <> 'natural_person'${scope.sql} order by s.key limit ${CAP}`;
  return { match: 'code_prefix', hits, hitBindings: [prefix, ...(upper ? [upper] : []), prefix, ...scope.bindings], order: 's.key, s.id', orderBindings: [] };
}

async function namePlan(db: Knex, q: string, scope: { sql: string; bindings: unknown[] }, trgm: string): Promise<Plan> {
  const chars = [...q].length;
  const pg = isPg(db);
  const tier = pg
    ? `case when lower(s.name) = lower(cast(? as text)) then 0 when lower(substr(s.name, 1, ${chars})) = lower(cast(? as text)) then 1 else 2 end`
    : `case when s.name = ? collate nocase then 0 when substr(s.name, 1, ${chars}) = ? collate nocase then 1 else 2 end`;
  // SQLite's LIKE ignores ASCII case, as the trigram index does. On PostgreSQL ILIKE lower-cases every name it
  // checks (about twice the cost of LIKE), so it is used only when the fragment has letters with a case.
  const like = pg && q.toLowerCase() !== q.toUpperCase() ? 'ilike' : 'like';
  // PostgreSQL: no ORDER BY in the candidate scans. With one the planner walks the primary key and filters
  // (its estimate for a trigram of Chinese is poor), reading the whole table for a rare fragment; without one
  // it takes the trigram index, or a sequential scan that stops at the cap. The candidates of a fragment that
  // matches more than the cap are then the first in the table's physical order, not in id order.
  const firstMatches = () => pg
    ? `select * from (select s.id from subjects s where s.name ${like} ? escape '\\'${scope.sql} limit ${CAP}) x`
    : `select s.id from subjects s where s.name like ? escape '\\'${scope.sql} order by s.id limit ${CAP}`;
  if (chars < 3) {
    return { match: 'name', hits: firstMatches(), hitBindings: [`%${escapeLike(q)}%`, ...scope.bindings], order: `${tier}, length(s.name), s.id`, orderBindings: [q, q] };
  }
  if (pg) {
    return {
      match: 'name',
      // Names that start with the fragment are candidates even when the fragment matches more than the cap.
      hits: `${firstMatches()} union ${firstMatches()}`,
      hitBindings: [`%${escapeLike(q)}%`, ...scope.bindings, `${escapeLike(q)}%`, ...scope.bindings],
      order: `${tier}, ${trgm}.similarity(s.name, cast(? as text)) desc, length(s.name), s.id`,
      orderBindings: [q, q, q],
    };
  }
  // An FTS5 string: quotes doubled, so AND, OR, NEAR, *, ^, : and parentheses in the input are plain text.
  const phrase = `"${q.replace(/"/g, '""')}"`;
  const part = (score: string) => `select * from (select f.rowid as id, ${score} as score from subjects_fts f join subjects s on s.id = f.rowid`
    + ` where subjects_fts match ?${scope.sql} order by f.rowid limit ${CAP})`;
  // bm25 weighs the fragment by a pass over every row that contains it (tens of ms for 有限公 in a million
  // names): it is used only when the fragment matches at most the cap, which the probe finds out from the index
  // alone (the first CAP entries of the fragment's posting list, whatever the subjects' type and region). Beyond
  // it the candidates are the first matches plus the names that start with the fragment, ordered without
  // relevance, which among arbitrary first matches would mean nothing. The names that start with it come from
  // the b-tree on subjects.name (migration 202611271400) by a range; FTS5 would read the whole posting list to
  // find them (`^"…"`), so that is kept only for fragments with ASCII letters, whose case the range would not
  // ignore.
  const probe = await selectRows<{ n: number }>(db, `select count(*) as n from (select rowid from subjects_fts where subjects_fts match ? limit ${CAP})`, [phrase]);
  if (Number(probe[0]?.n ?? 0) <= SEARCH_MAX_TOTAL) {
    return { match: 'name', hits: part('bm25(subjects_fts)'), hitBindings: [phrase, ...scope.bindings], order: `${tier}, h.score, length(s.name), s.id`, orderBindings: [q, q] };
  }
  if (!/[A-Za-z]/.test(q)) return { match: 'name', run: (d, limit, page) => commonFragmentPage(d, q, phrase, scope, limit, page) };
  // Letters with a case: the names that start with the fragment whatever their case, from the posting list.
  return {
    match: 'name',
    hits: `${part('null')} union ${part('null')}`,
    hitBindings: [phrase, ...scope.bindings, `^${phrase}`, ...scope.bindings],
    order: `${tier}, length(s.name), s.id`,
    orderBindings: [q, q],
  };
}

const PAGE_COLUMNS = 's.id, s.type, s.key, s.name, s.region';

/**
 * One page for a fragment (3+ characters, no ASCII letters) that matches more names than the cap, on SQLite,
 * without ranking every candidate: first the names that start with the fragment (the b-tree range on
 * subjects.name, migration 202611271400): the exact name, then shorter names, then id; then the names that
 * contain it elsewhere in the order they were registered (the posting list's order), up to the cap. Only the
 * page's rows and a count that stops at the cap are read.
 */
async function commonFragmentPage(db: Knex, q: string, phrase: string, scope: { sql: string; bindings: unknown[] }, limit: number, page: number): Promise<{ rows: PageRow[]; matched: number }> {
  const chars = [...q].length;
  const starting = await selectRows<PageRow>(db,
    `select ${PAGE_COLUMNS} from subjects s where s.name >= ? and s.name < ?${scope.sql} order by s.name limit ${CAP}`,
    [q, `${q}\u{10FFFF}`, ...scope.bindings]);
  starting.sort((a, b) => Number(b.name === q) - Number(a.name === q) || [...a.name].length - [...b.name].length || Number(a.id) - Number(b.id));
  const inside = `from subjects_fts f join subjects s on s.id = f.rowid where subjects_fts match ?${scope.sql} and substr(s.name, 1, ${chars}) <> ?`;
  const insideBindings = [phrase, ...scope.bindings, q];
  const room = CAP - starting.length;
  const counted = room > 0 ? await selectRows<{ n: number }>(db, `select count(*) as n from (select 1 ${inside} limit ${room})`, insideBindings) : [];
  const matched = starting.length + Number(counted[0]?.n ?? 0);
  const offset = (page - 1) * limit;
  const take = Math.min(limit, SEARCH_MAX_TOTAL - offset);
  if (take <= 0) return { rows: [], matched };
  const rows = starting.slice(offset, offset + take);
  if (rows.length < take && room > 0) {
    rows.push(...await selectRows<PageRow>(db, `select ${PAGE_COLUMNS} ${inside} order by f.rowid limit ? offset ?`,
      [...insideBindings, take - rows.length, Math.max(0, offset - starting.length)]));
  }
  return { rows, matched };
}

interface PageRow { id: number; type: string; key: string; name: string; region: string | null; n: number | string }

async function runPlan(db: Knex, plan: RankedPlan, limit: number, page: number): Promise<{ rows: PageRow[]; matched: number }> {
  const offset = (page - 1) * limit;
  const take = Math.min(limit, SEARCH_MAX_TOTAL - offset);
  if (take > 0) {
    const rows = await selectRows<PageRow>(
      db,
      `with hits as (${plan.hits}) select s.id, s.type, s.key, s.name, s.region, count(*) over () as n from hits h join subjects s on s.id = h.id`
        + ` order by ${plan.order} limit ? offset ?`,
      [...plan.hitBindings, ...plan.orderBindings, take, offset],
    );
    if (rows.length > 0) return { rows, matched: Number(rows[0]?.n) };
    if (offset === 0) return { rows, matched: 0 };
  }
  const count = await selectRows<{ n: number | string }>(db, `with hits as (${plan.hits}) select count(*) as n from hits`, plan.hitBindings);
  return { rows: [], matched: Number(count[0]?.n ?? 0) };
}

/** The schema pg_trgm lives in, per knex instance (it does not move while a node runs). */
const trgmSchemas = new WeakMap<object, string>();

async function trgmPrefix(db: Knex): Promise<string> {
  if (!isPg(db)) return '';
  let schema = trgmSchemas.get(db.client);
  if (schema === undefined) {
    const res = await selectRows<{ schema: string }>(db, `select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`);
    schema = res[0]?.schema ?? 'public';
    trgmSchemas.set(db.client, schema);
  }
  return `"${schema.replace(/"/g, '""')}"`;
}

/** Searches subjects by code or by any part of the name; see the comment at the top for how and at what cost. */
export async function searchSubjects(db: Knex, rawQuery: unknown, opts: SearchOptions): Promise<SearchResult> {
  const q = normalizeQuery(rawQuery);
  const limit = intOption(opts.limit, DEFAULT_LIMIT, 1, MAX_LIMIT, 'limit', '每页条数');
  const page = intOption(opts.page, 1, 1, 1_000_000, 'page', '页码');
  const scope = scopeSql(opts);
  const check = checkCode(q);
  const code = normalizeCodeInput(q);
  // Anything shaped like an ID number is masked before it is echoed or handed to the audit log.
  const shown = check.kind === 'resident_id' ? maskResidentId(q) : q;
  const done = async (plan: Plan | undefined) => {
    const { rows, matched } = !plan ? { rows: [], matched: 0 } : 'run' in plan ? await plan.run(db, limit, page) : await runPlan(db, plan, limit, page);
    return { query: shown, match: plan?.match ?? 'person_id', page, limit, total: Math.min(matched, SEARCH_MAX_TOTAL), totalCapped: matched > SEARCH_MAX_TOTAL, items: await itemsOf(db, rows) } satisfies SearchResult;
  };

  if (check.valid && check.kind === 'uscc') return done(codePlan(check.code, 'organisation', scope, 'code'));
  if (check.valid && check.kind === 'resident_id') {
    if (!opts.includeNaturalPersons || !opts.subjectKeyOf) return done(undefined);
    return done(codePlan(opts.subjectKeyOf(check.code), 'natural_person', scope, 'person_id'));
  }
  if (/^[0-9A-Z]{6,18}$/.test(code) && /\d/.test(code)) {
    const byCode = await done(codePrefixPlan(code, scope));
    if (byCode.total > 0 || check.kind === 'resident_id') return byCode;
  }
  return done(await namePlan(db, q, scope, await trgmPrefix(db)));
}

/** The page's items with their record counts and, for natural persons, the masked number. */
async function itemsOf(db: Knex, rows: PageRow[]): Promise<SearchItem[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const counts = new Map<number, number>();
  const inList = (n: number) => Array.from({ length: n }, () => '?').join(', ');
  const countSql = `select "subject_id", count(*) as n from "records" where "subject_id" in (${inList(ids.length)}) group by "subject_id"`;
  for (const c of await selectRows<{ subject_id: number; n: number | string }>(db, countSql, ids)) counts.set(Number(c.subject_id), Number(c.n));
  const personIds = rows.filter((r) => r.type === 'natural_person').map((r) => r.id);
  const masked = new Map<number, string>();
  if (personIds.length > 0) {
    const sql = `select "subject_id", "id_masked" from "natural_persons" where "subject_id" in (${inList(personIds.length)})`;
    for (const p of await selectRows<{ subject_id: number; id_masked: string }>(db, sql, personIds)) masked.set(Number(p.subject_id), p.id_masked);
  }
  return rows.map((r) => ({
    type: r.type,
    code: r.type === 'natural_person' ? masked.get(Number(r.id)) ?? '' : r.key,
    name: r.name,
    region: r.region,
    recordCount: counts.get(Number(r.id)) ?? 0,
  }));
}
