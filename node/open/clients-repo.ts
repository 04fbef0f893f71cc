import type { Knex } from 'knex';
import { selectRow, selectRows } from '../store/read.ts';

type Db = Knex | Knex.Transaction;

export type ClientStatus = 'active' | 'suspended' | 'revoked';

export interface ClientRow {
  id: string;
  uscc: string;
  name: string;
  contact_name: string | null;
  contact_phone: string | null;
  /** JSON of DatasetGrant[]. */
  datasets: string;
  persons: boolean | number;
  purpose: string | null;
  expires_on: string | null;
  rate_limit_per_minute: number;
  monthly_quota: number;
  status: ClientStatus;
  secret_hash: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface AuthorisationRow {
  id: string;
  client_id: string;
  subject_key: string;
  subject_type: string;
  subject_display: string;
  /** JSON of string[]. */
  datasets: string;
  expires_on: string;
  reference: string | null;
  created_by: string;
  created_at: string;
}

export interface UsageRow { client_id: string; month: string; metric: string; n: number | string }

/** A record event of the local log, for the changes feed. */
export interface RecordEventRow { pos: number | string; entity_id: string; op: string; at: string; body: string }

/**
 * The only SQL over `open_clients`, `open_authorisations` and `open_usage` (DESIGN.md §2), and the feed's
 * read-only look at record events by local position.
 */
export const clientsRepo = {
  insert: (db: Db, row: ClientRow) => db('open_clients').insert(row),

  /** Every open call reads its client (status and expiry are checked each time): one lookup by key. */
  byId: async (db: Db, id: string): Promise<ClientRow | undefined> => {
    const row = await selectRow<ClientRow>(db, 'select * from "open_clients" where "id" = ?', [id]);
    return row ? { ...row, rate_limit_per_minute: Number(row.rate_limit_per_minute), monthly_quota: Number(row.monthly_quota) } : undefined;
  },

  list: (db: Db) => db('open_clients').select('*').orderBy('created_at').orderBy('id') as Promise<ClientRow[]>,

  update: (db: Db, id: string, patch: Partial<ClientRow>) => db('open_clients').where({ id }).update(patch),

  insertAuthorisation: (db: Db, row: AuthorisationRow) => db('open_authorisations').insert(row),

  authorisationById: (db: Db, id: string) =>
    selectRow<AuthorisationRow>(db, 'select * from "open_authorisations" where "id" = ?', [id]),

  authorisationsOf: (db: Db, clientId: string) =>
    db('open_authorisations').where({ client_id: clientId }).orderBy('created_at').orderBy('id') as Promise<AuthorisationRow[]>,

  /** The authorisations of a client still valid on `today` (YYYY-MM-DD, China time). */
  validAuthorisations: (db: Db, clientId: string, today: string) =>
    selectRows<AuthorisationRow>(db, 'select * from "open_authorisations" where "client_id" = ? and "expires_on" >= ?', [clientId, today]),

  /** Adds `n` to one counter of a client's month (created at n when missing). */
  async add(db: Db, clientId: string, month: string, metric: string, n: number): Promise<void> {
    await db('open_usage').insert({ client_id: clientId, month, metric, n })
      .onConflict(['client_id', 'month', 'metric'])
      .merge({ n: db.raw('?? + ?', ['open_usage.n', n]) });
  },

  /**
   * Counts one call against the month's quota when it is not used up yet, as one conditional update (two
   * callers racing for the last call cannot both get it). True when the call was counted.
   */
  async takeCall(db: Db, clientId: string, month: string, quota: number): Promise<boolean> {
    await db('open_usage').insert({ client_id: clientId, month, metric: 'calls', n: 0 }).onConflict(['client_id', 'month', 'metric']).ignore();
    const changed = await db('open_usage').where({ client_id: clientId, month, metric: 'calls' }).andWhere('n', '<', quota).increment('n', 1);
    return Number(changed) === 1;
  },

  async calls(db: Db, clientId: string, month: string): Promise<number> {
    const row = await selectRow<{ n: number | string }>(db, 'select "n" from "open_usage" where "client_id" = ? and "month" = ? and "metric" = ?', [clientId, month, 'calls']);
    return Number(row?.n ?? 0);
  },

  usage: (db: Db, month: string, clientId?: string) => {
    const q = db('open_usage').select('client_id', 'month', 'metric', 'n').where({ month });
    if (clientId !== undefined) q.andWhere({ client_id: clientId });
    return q.orderBy('client_id').orderBy('metric') as Promise<UsageRow[]>;
  },

  /**
   * Record events with after < pos <= upto in the given categories, in position order, at most `limit`. The
   * event log's own position counter (exchange/event-log.ts) is what `pos` is; nothing here writes `events`.
   */
  recordEvents: (db: Db, after: number, upto: number, categories: readonly string[], limit: number) => {
    if (categories.length === 0) return Promise.resolve([] as RecordEventRow[]);
    return db('events').select('pos', 'entity_id', 'op', 'at', 'body')
      .where('kind', 'record').andWhere('pos', '>', after).andWhere('pos', '<=', upto).whereIn('category', [...categories])
      .orderBy('pos').limit(limit) as Promise<RecordEventRow[]>;
  },
};
