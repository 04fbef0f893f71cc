import type { Knex } from 'knex';

export type PeerDirection = 'up' | 'down' | 'child-up' | 'child-down';

export interface PeerState { peer: string; direction: PeerDirection; cursor: number; lag: number | null; lastOk: string | null; lastAttempt: string | null; lastError: string | null }

interface Row { peer: string; direction: string; cursor: number | string; lag: number | string | null; last_ok: string | null; last_attempt: string | null; last_error: string | null; updated_at: string }

const toState = (r: Row): PeerState => ({
  peer: r.peer, direction: r.direction as PeerDirection, cursor: Number(r.cursor), lag: r.lag === null ? null : Number(r.lag),
  lastOk: r.last_ok, lastAttempt: r.last_attempt, lastError: r.last_error,
});

/** The only SQL over `sync_state`, `alarms`, `cache` and `projection` (DESIGN.md §2). */
export const stateRepo = {
  async get(db: Knex | Knex.Transaction, peer: string, direction: PeerDirection): Promise<PeerState | undefined> {
    const row = (await db('sync_state').where({ peer, direction }).first()) as Row | undefined;
    return row ? toState(row) : undefined;
  },

  async all(db: Knex | Knex.Transaction): Promise<PeerState[]> {
    return ((await db('sync_state').select('*').orderBy([{ column: 'peer' }, { column: 'direction' }])) as Row[]).map(toState);
  },

  /** Records an attempt's outcome; `cursor` only when it moves (down), in the caller's transaction if any. */
  async put(db: Knex | Knex.Transaction, peer: string, direction: PeerDirection, at: string, patch: { ok?: boolean; error?: string | null; lag?: number | null; cursor?: number }): Promise<void> {
    const set: Record<string, unknown> = { last_attempt: at, updated_at: at };
    if (patch.ok) { set['last_ok'] = at; set['last_error'] = null; }
    if (patch.error) set['last_error'] = patch.error.slice(0, 1000);
    if (patch.lag !== undefined) set['lag'] = patch.lag;
    if (patch.cursor !== undefined) set['cursor'] = patch.cursor;
    const n = await db('sync_state').where({ peer, direction }).update(set);
    if (!n) await db('sync_state').insert({ peer, direction, cursor: 0, ...set });
  },

  async alarm(db: Knex, a: { at: string; code: string; peer?: string; origin?: string; detail: string }): Promise<void> {
    await db('alarms').insert({ at: a.at, code: a.code, peer: a.peer ?? null, origin: a.origin ?? null, detail: a.detail.slice(0, 2000) });
  },

  async alarms(db: Knex, limit = 20): Promise<Array<{ at: string; code: string; peer: string | null; origin: string | null; detail: string }>> {
    return (await db('alarms').select('at', 'code', 'peer', 'origin', 'detail').orderBy('id', 'desc').limit(limit)) as Array<{ at: string; code: string; peer: string | null; origin: string | null; detail: string }>;
  },

  async getCache(db: Knex | Knex.Transaction, key: string): Promise<string | undefined> {
    const row = (await db('cache').where({ key }).first()) as { value: string } | undefined;
    return row?.value;
  },

  async setCache(db: Knex | Knex.Transaction, key: string, value: string, at: string): Promise<void> {
    const n = await db('cache').where({ key }).update({ value, updated_at: at });
    if (!n) await db('cache').insert({ key, value, updated_at: at });
  },

  /**
   * Where the projection of received events stands (migration 202611271200-projection). With `lock`, the row
   * is locked for the caller's transaction on PostgreSQL, so two projecting processes take turns.
   */
  async projectionCursor(db: Knex | Knex.Transaction, lock = false): Promise<number> {
    let q = db('projection').select('pos').where({ name: 'received' });
    if (lock && db.client.config.client === 'pg') q = q.forUpdate();
    const row = (await q.first()) as { pos: number | string } | undefined;
    return Number(row?.pos ?? 0);
  },

  async setProjectionCursor(trx: Knex.Transaction, pos: number): Promise<void> {
    const n = await trx('projection').where({ name: 'received' }).update({ pos });
    if (!n) await trx('projection').insert({ name: 'received', pos });
  },

  /**
   * A node restored from a backup may lack the tail of its own chain that its parent holds: until an up round
   * has compared its chain with the parent's (and taken that tail back), it must not append (it would fork).
   */
  async chainUnconfirmed(db: Knex | Knex.Transaction): Promise<string | undefined> {
    return this.getCache(db, CHAIN_UNCONFIRMED);
  },

  async setChainUnconfirmed(db: Knex | Knex.Transaction, since: string | null, at: string): Promise<void> {
    if (since === null) await db('cache').where({ key: CHAIN_UNCONFIRMED }).delete();
    else await this.setCache(db, CHAIN_UNCONFIRMED, since, at);
  },
};

const CHAIN_UNCONFIRMED = 'chain-unconfirmed';
