import type { Knex } from 'knex';
import { insertMany } from '../store/bulk.ts';
import { selectRow } from '../store/read.ts';
import type { AuditAction, AuditEntry } from './audit-entry.ts';

type Db = Knex | Knex.Transaction;

export interface AuditRow {
  seq: number | string;
  at: string;
  user_id: number | string | null;
  username: string | null;
  role: string | null;
  ip: string | null;
  action: string;
  subject: string | null;
  target: string | null;
  count: number | string;
  purpose: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

export interface SignedHeadRow { seq: number; hash: string; at: string; signature: string }

export interface ChildHead { node: string; seq: number; hash: string; at: string; signature: string; updatedAt: string }

export interface AuditFilter {
  userId?: number;
  username?: string;
  subject?: string;
  action?: AuditAction | AuditAction[];
  /** Inclusive, ISO time. */
  since?: string;
  /** Exclusive, ISO time. */
  until?: string;
  /** A fragment of the stated purpose (查询事由). */
  purpose?: string;
}

/** Serialises writers of `audit_log` on PostgreSQL (SQLite transactions already begin IMMEDIATE). */
const AUDIT_LOCK = 730_100_002;

/** How many of this node's signed audit heads are kept: the latest ones are what verify and proofs need. */
export const SIGNED_HEADS_KEPT = 500;

const num = (v: number | string) => Number(v);

/** A stored row as an entry; a detail that is no longer JSON (edited by hand) is shown as its raw text. */
export function entryOf(r: AuditRow): AuditEntry {
  let detail: Record<string, unknown>;
  try {
    detail = JSON.parse(r.detail) as Record<string, unknown>;
  } catch {
    detail = { unparsable: r.detail };
  }
  return {
    seq: num(r.seq), at: r.at, userId: r.user_id === null ? null : num(r.user_id), username: r.username, role: r.role, ip: r.ip,
    action: r.action as AuditAction, subject: r.subject, target: r.target, count: num(r.count), purpose: r.purpose, detail,
    prevHash: r.prev_hash, hash: r.hash,
  };
}

const signedOf = (r: { seq: number | string; hash: string; at: string; signature: string }): SignedHeadRow => ({ seq: num(r.seq), hash: r.hash, at: r.at, signature: r.signature });

/** `%` and `_` in a user's fragment are literal characters, not wildcards. */
const likeFragment = (s: string) => `%${s.replace(/[!%_]/g, (c) => `!${c}`)}%`;

function applyFilter(q: Knex.QueryBuilder, f: AuditFilter): Knex.QueryBuilder {
  if (f.userId !== undefined) q.where('user_id', f.userId);
  if (f.username !== undefined) q.where('username', f.username);
  if (f.subject !== undefined) q.where('subject', f.subject);
  if (f.action !== undefined) {
    const actions = Array.isArray(f.action) ? f.action : [f.action];
    if (actions.length === 1) q.where('action', actions[0] as string);
    else q.whereIn('action', actions);
  }
  if (f.since !== undefined) q.where('at', '>=', f.since);
  if (f.until !== undefined) q.where('at', '<', f.until);
  if (f.purpose !== undefined) q.whereRaw(`purpose like ? escape '!'`, [likeFragment(f.purpose)]);
  return q;
}

/** The only SQL over `audit_log`, `audit_signed_heads` and `audit_heads` (DESIGN.md §2: audit/ owns them). */
export const auditRepo = {
  async lock(trx: Knex.Transaction): Promise<void> {
    if (trx.client.config.client === 'pg') await trx.raw('select pg_advisory_xact_lock(?)', [AUDIT_LOCK]);
  },

  /** The last link of the chain, or undefined when the log is empty. */
  async head(db: Db): Promise<{ seq: number; hash: string } | undefined> {
    const row = await selectRow<{ seq: number | string; hash: string }>(db, 'select "seq", "hash" from "audit_log" order by "seq" desc limit 1');
    return row ? { seq: num(row.seq), hash: row.hash } : undefined;
  },

  insertEntries: (trx: Knex.Transaction, rows: Array<Record<string, unknown>>) => insertMany(trx, 'audit_log', rows),

  /** Entries with seq > after, ascending, as stored. */
  async pageAfter(db: Db, after: number, limit: number): Promise<AuditRow[]> {
    return (await db('audit_log').where('seq', '>', after).orderBy('seq').limit(limit)) as AuditRow[];
  },

  /** Links (seq, prevHash, hash) with seq > after, ascending. */
  async linksAfter(db: Db, after: number, limit: number): Promise<Array<{ seq: number; prevHash: string; hash: string }>> {
    const rows = (await db('audit_log').select('seq', 'prev_hash', 'hash').where('seq', '>', after).orderBy('seq').limit(limit)) as Array<{ seq: number | string; prev_hash: string; hash: string }>;
    return rows.map((r) => ({ seq: num(r.seq), prevHash: r.prev_hash, hash: r.hash }));
  },

  /** The hash stored at each of the given seqs. */
  async hashesAt(db: Db, seqs: number[]): Promise<Map<number, string>> {
    if (seqs.length === 0) return new Map();
    const rows = (await db('audit_log').select('seq', 'hash').whereIn('seq', seqs)) as Array<{ seq: number | string; hash: string }>;
    return new Map(rows.map((r) => [num(r.seq), r.hash]));
  },

  /** Filtered entries, newest first, below `before`. */
  async query(db: Db, f: AuditFilter, before: number | undefined, limit: number): Promise<AuditEntry[]> {
    const q = applyFilter(db('audit_log'), f);
    if (before !== undefined) q.where('seq', '<', before);
    return ((await q.orderBy('seq', 'desc').limit(limit)) as AuditRow[]).map(entryOf);
  },

  async latestSigned(db: Db): Promise<SignedHeadRow | undefined> {
    const row = (await db('audit_signed_heads').orderBy('seq', 'desc').first()) as SignedHeadRow | undefined;
    return row ? signedOf(row) : undefined;
  },

  async signedAt(db: Db, seq: number): Promise<SignedHeadRow | undefined> {
    const row = (await db('audit_signed_heads').where({ seq }).first()) as SignedHeadRow | undefined;
    return row ? signedOf(row) : undefined;
  },

  /** Signed heads with seq > after, ascending. */
  async signedAfter(db: Db, after: number, limit: number): Promise<SignedHeadRow[]> {
    return ((await db('audit_signed_heads').where('seq', '>', after).orderBy('seq').limit(limit)) as SignedHeadRow[]).map(signedOf);
  },

  /** Stores signed heads and drops all but the latest SIGNED_HEADS_KEPT. */
  async insertSigned(trx: Knex.Transaction, heads: SignedHeadRow[]): Promise<void> {
    if (heads.length === 0) return;
    await insertMany(trx, 'audit_signed_heads', heads as unknown as Array<Record<string, unknown>>);
    const oldestKept = (await trx('audit_signed_heads').select('seq').orderBy('seq', 'desc').offset(SIGNED_HEADS_KEPT - 1).first()) as { seq: number | string } | undefined;
    if (oldestKept) await trx('audit_signed_heads').where('seq', '<', oldestKept.seq).del();
  },

  async childHead(db: Db, node: string): Promise<ChildHead | undefined> {
    let q = db('audit_heads').where({ node });
    if (db.client.config.client === 'pg' && 'isTransaction' in db && db.isTransaction) q = q.forUpdate();
    const r = (await q.first()) as { node: string; seq: number | string; hash: string; at: string; signature: string; updated_at: string } | undefined;
    return r ? { node: r.node, seq: num(r.seq), hash: r.hash, at: r.at, signature: r.signature, updatedAt: r.updated_at } : undefined;
  },

  async childHeads(db: Db): Promise<ChildHead[]> {
    const rows = (await db('audit_heads').orderBy('node')) as Array<{ node: string; seq: number | string; hash: string; at: string; signature: string; updated_at: string }>;
    return rows.map((r) => ({ node: r.node, seq: num(r.seq), hash: r.hash, at: r.at, signature: r.signature, updatedAt: r.updated_at }));
  },

  async saveChildHead(trx: Knex.Transaction, h: ChildHead): Promise<void> {
    const row = { seq: h.seq, hash: h.hash, at: h.at, signature: h.signature, updated_at: h.updatedAt };
    const updated = await trx('audit_heads').where({ node: h.node }).update(row);
    if (!updated) await trx('audit_heads').insert({ node: h.node, ...row });
  },
};
