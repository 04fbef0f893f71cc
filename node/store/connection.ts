import { mkdirSync } from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { Logger } from 'pino';
import type { StoreConfig } from '../config/types.ts';
import { startCheckpointer, type Checkpointer } from './checkpointer.ts';
import { registerPoolConnection, type SqliteConnection as PoolConnection } from './bulk.ts';

export type Dialect = 'sqlite' | 'pg';

export interface Store {
  knex: Knex;
  dialect: Dialect;
  /**
   * SQLite: from now on the write-ahead log is checkpointed on a thread of its own (checkpointer.ts), for a
   * process that writes for long (a running node, an import). Nothing on PostgreSQL.
   */
  checkpointInBackground(log: Logger): void;
  close(): Promise<void>;
}

/** How often the checkpoint thread copies the write-ahead log into the database file. */
const CHECKPOINT_INTERVAL_MS = 200;

interface SqliteConnection {
  pragma(source: string): unknown;
  prepare(sql: string): unknown;
}

/** Compiled statements kept per connection (the most recently used ones). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Makes the connection's prepare() reuse compiled statements: knex prepares every query anew, and compiling a
 * statement costs more than running a lookup by key. The statements are run with all()/run() only (never
 * iterated), so one compiled statement serves every call of its text; SQLite recompiles it by itself after a
 * schema change.
 */
function cacheStatements(conn: SqliteConnection): void {
  const prepare = conn.prepare.bind(conn);
  const cache = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    let stmt = cache.get(sql);
    if (stmt !== undefined) {
      // Most recently used last, so the first key is the one to drop.
      cache.delete(sql);
    } else {
      stmt = prepare(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    }
    cache.set(sql, stmt);
    return stmt;
  };
}

export interface OpenOptions {
  /** SQLite: a read-only connection to a store that exists (a query thread's); it never writes or checkpoints. */
  readonly?: boolean;
}

/**
 * Opens the node's store. SQLite is set up once per connection (STYLE.md §7): WAL, foreign keys, busy timeout,
 * synchronous=NORMAL (acknowledged batches ask for FULL themselves).
 */
export function openStore(cfg: StoreConfig, opts: OpenOptions = {}): Store {
  if (cfg.client === 'sqlite') {
    const readonly = opts.readonly === true;
    if (!readonly) mkdirSync(path.dirname(cfg.file), { recursive: true });
    let current: SqliteConnection | undefined;
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: cfg.file, options: { readonly } },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
          try {
            if (!readonly) conn.pragma('journal_mode = WAL');
            conn.pragma('foreign_keys = ON');
            conn.pragma(`busy_timeout = ${cfg.busyTimeoutMs}`);
            conn.pragma('synchronous = NORMAL');
            conn.pragma('cache_size = -16384');
            if (!readonly) conn.pragma('wal_autocheckpoint = 40000');
            cacheStatements(conn);
            current = conn;
            done(null, conn);
          } catch (err) {
            done(err as Error, conn);
          }
        },
      },
    });
    beginImmediate(knex);
    registerPoolConnection(knex.client, () => current as PoolConnection | undefined);
    let checkpointer: Checkpointer | undefined;
    return {
      knex,
      dialect: 'sqlite',
      checkpointInBackground(log) {
        checkpointer ??= startCheckpointer(cfg.file, { intervalMs: CHECKPOINT_INTERVAL_MS, busyTimeoutMs: cfg.busyTimeoutMs, log });
      },
      async close() {
        await checkpointer?.stop();
        await knex.destroy();
      },
    };
  }
  const knex = knexFactory({
    client: 'pg',
    connection: cfg.connection,
    pool: { min: cfg.pool?.min ?? 0, max: cfg.pool?.max ?? 10 },
    ...(cfg.schema ? { searchPath: [cfg.schema] } : {}),
  });
  return { knex, dialect: 'pg', checkpointInBackground: () => undefined, close: () => knex.destroy() };
}

type SqliteTransaction = { begin(conn: unknown): Promise<unknown>; query(conn: unknown, sql: string): Promise<unknown> };

/**
 * SQLite transactions begin IMMEDIATE. A deferred one (knex's BEGIN) that reads first and writes later fails at
 * once with SQLITE_BUSY_SNAPSHOT when another process committed in between (a CLI import beside the running
 * node, whose sync writes every few seconds); an immediate one takes the write lock first, waiting up to
 * busy_timeout. knex has no option for it, so the dialect's transaction gets another begin.
 */
function beginImmediate(knex: Knex): void {
  const client = knex.client as unknown as { transaction(...args: unknown[]): SqliteTransaction };
  const make = client.transaction.bind(client);
  client.transaction = (...args: unknown[]) => {
    const trx = make(...args);
    trx.begin = function begin(this: SqliteTransaction, conn: unknown) { return this.query(conn, 'BEGIN IMMEDIATE;'); };
    return trx;
  };
}

/** Runs `fn` in one transaction; everything it writes lands together or not at all. */
export async function inTransaction<T>(store: Store, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return store.knex.transaction(fn);
}
