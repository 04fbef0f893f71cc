import type { Knex } from 'knex';
import { selectRow, selectRows } from '../store/read.ts';

export interface NotificationRow {
  id: number;
  ticket: string;
  version: number;
  audience: string;
  recipient: string;
  unit: string | null;
  contact_name: string | null;
  contact_phone: string | null;
  event: string;
  title: string;
  message: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface NotificationFilter { ticket?: string | undefined; status?: string | undefined; audience?: string | undefined }

function where(f: NotificationFilter): { sql: string; bindings: string[] } {
  const parts: string[] = [];
  const bindings: string[] = [];
  if (f.ticket !== undefined) { parts.push('"ticket" = ?'); bindings.push(f.ticket); }
  if (f.status !== undefined) { parts.push('"status" = ?'); bindings.push(f.status); }
  if (f.audience !== undefined) { parts.push('"audience" = ?'); bindings.push(f.audience); }
  return { sql: parts.length ? ` where ${parts.join(' and ')}` : '', bindings };
}

/** The only SQL over `notifications`. */
export const outboxRepo = {
  /**
   * Inserts the rows, skipping any whose (ticket, version, audience, recipient) is already there; returns how
   * many were added. `on conflict do nothing` on both dialects, so a conflict does not abort the caller's
   * transaction on PostgreSQL.
   */
  async insertIgnore(db: Knex | Knex.Transaction, rows: Array<Omit<NotificationRow, 'id'>>): Promise<number> {
    if (rows.length === 0) return 0;
    const added = await db('notifications').insert(rows).onConflict(['ticket', 'version', 'audience', 'recipient']).ignore().returning('id');
    return (added as unknown[]).length;
  },

  /** Pending rows due at `now`, oldest due first (index status, next_attempt_at). */
  due: (db: Knex, now: string, limit: number) =>
    selectRows<NotificationRow>(db, 'select * from "notifications" where "status" = ? and "next_attempt_at" <= ? order by "next_attempt_at", "id" limit ?', ['pending', now, limit]),

  async markSent(db: Knex, id: number, at: string): Promise<number> {
    return Number(await db('notifications').where({ id, status: 'pending' })
      .update({ status: 'sent', sent_at: at, attempts: db.raw('"attempts" + 1'), last_error: null }));
  },

  /** One more failed attempt; `nextAttemptAt` null: failed for good. */
  async markFailed(db: Knex, id: number, error: string, nextAttemptAt: string | null): Promise<number> {
    return Number(await db('notifications').where({ id, status: 'pending' })
      .update({ attempts: db.raw('"attempts" + 1'), last_error: error, ...(nextAttemptAt === null ? { status: 'failed' } : { next_attempt_at: nextAttemptAt }) }));
  },

  byId: (db: Knex, id: number) => selectRow<NotificationRow>(db, 'select * from "notifications" where "id" = ?', [id]),

  /** Newest first. */
  list(db: Knex, f: NotificationFilter, limit: number): Promise<NotificationRow[]> {
    const w = where(f);
    return selectRows(db, `select * from "notifications"${w.sql} order by "id" desc limit ?`, [...w.bindings, limit]);
  },

  counts: (db: Knex) => selectRows<{ status: string; n: number | string }>(db, 'select "status", count(*) as "n" from "notifications" group by "status"'),
};
