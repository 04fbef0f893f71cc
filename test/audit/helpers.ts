import Database from 'better-sqlite3';
import type { Knex } from 'knex';
import type { TempNode } from '../helpers/node.ts';
import type { Clock } from '../../node/clock.ts';
import { signCompact } from '../../node/exchange/jws.ts';
import { AuditLog, entryHash, type AuditEntry } from '../../node/audit/audit-log.ts';

export const db = (node: TempNode): Knex => node.ctx.store.knex;

/** An audit log on the node's store, signing with its key; no idle signing unless asked, so tests see every signature. */
export function auditOf(node: TempNode, opts: { clock?: Clock; idleSignMs?: number } = {}): AuditLog {
  const id = node.ctx.config.id;
  return new AuditLog({
    db: db(node), node: id, clock: opts.clock ?? node.ctx.clock, idleSignMs: opts.idleSignMs ?? 0,
    signHead: (head) => signCompact(head, node.ctx.keys.privateKey, id),
  });
}

/** Empties the audit tables, so a test starts a fresh chain. */
export async function resetAudit(node: TempNode): Promise<void> {
  await db(node)('audit_log').del();
  await db(node)('audit_signed_heads').del();
  await db(node)('audit_heads').del();
}

/**
 * Runs statements behind the node's back: on SQLite straight on the file with its own better-sqlite3
 * connection (as someone with the file would), on PostgreSQL on a plain connection. `?` placeholders.
 */
export async function tamper(node: TempNode, statements: Array<[string, unknown[]]>): Promise<void> {
  const store = node.ctx.config.store;
  if (store.client === 'sqlite') {
    const conn = new Database(store.file);
    try {
      conn.pragma('busy_timeout = 5000');
      conn.transaction(() => { for (const [sql, params] of statements) conn.prepare(sql).run(...params); })();
    } finally {
      conn.close();
    }
    return;
  }
  await db(node).transaction(async (trx) => { for (const [sql, params] of statements) await trx.raw(sql, params as Knex.RawBinding[]); });
}

interface Row { seq: number | string; at: string; user_id: number | string | null; username: string | null; role: string | null; ip: string | null; action: string; subject: string | null; target: string | null; count: number | string; purpose: string | null; detail: string; prev_hash: string; hash: string }

/** Recomputes every link from `fromSeq` on, as a forger who rewrote history would, and writes them back. */
export async function rechain(node: TempNode, fromSeq: number): Promise<void> {
  const rows = (await db(node)('audit_log').where('seq', '>=', fromSeq - 1).orderBy('seq')) as Row[];
  let prev = fromSeq === 1 ? '0'.repeat(64) : (rows.shift() as Row).hash;
  const updates: Array<[string, unknown[]]> = [];
  for (const r of rows) {
    const hash = entryHash({
      seq: Number(r.seq), at: r.at, userId: r.user_id === null ? null : Number(r.user_id), username: r.username, role: r.role, ip: r.ip,
      action: r.action as AuditEntry['action'], subject: r.subject, target: r.target, count: Number(r.count), purpose: r.purpose, prevHash: prev,
    }, r.detail);
    updates.push(['update audit_log set prev_hash = ?, hash = ? where seq = ?', [prev, hash, Number(r.seq)]]);
    prev = hash;
  }
  await tamper(node, updates);
}

/** Seqs of the stored signed heads, ascending. */
export async function signedSeqs(node: TempNode): Promise<number[]> {
  return ((await db(node)('audit_signed_heads').select('seq').orderBy('seq')) as Array<{ seq: number | string }>).map((r) => Number(r.seq));
}
