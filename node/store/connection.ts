import { mkdirSync } from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { StoreConfig } from '../config/types.ts';

export type Dialect = 'sqlite' | 'pg';

export interface Store {
  knex: Knex;
  dialect: Dialect;
  close(): Promise<void>;
}

interface SqliteConnection {
  pragma(source: string): unknown;
}

/**
 * Opens the node's store. SQLite is set up once per connection (STYLE.md §7): WAL, foreign keys, busy timeout,
 * synchronous=NORMAL (acknowledged batches ask for FULL themselves).
 */
export function openStore(cfg: StoreConfig): Store {
  if (cfg.client === 'sqlite') {
    mkdirSync(path.dirname(cfg.file), { recursive: true });
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: cfg.file },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
          try {
            conn.pragma('journal_mode = WAL');
            conn.pragma('foreign_keys = ON');
            conn.pragma(`busy_timeout = ${cfg.busyTimeoutMs}`);
            conn.pragma('synchronous = NORMAL');
            conn.pragma('cache_size = -16384');
            conn.pragma('wal_autocheckpoint = 40000');
            done(null, conn);
          } catch (err) {
            done(err as Error, conn);
          }
        },
      },
    });
    return { knex, dialect: 'sqlite', close: () => knex.destroy() };
  }
  const knex = knexFactory({
    client: 'pg',
    connection: cfg.connection,
    pool: { min: cfg.pool?.min ?? 0, max: cfg.pool?.max ?? 10 },
    ...(cfg.schema ? { searchPath: [cfg.schema] } : {}),
  });
  return { knex, dialect: 'pg', close: () => knex.destroy() };
}

/** Runs `fn` in one transaction; everything it writes lands together or not at all. */
export async function inTransaction<T>(store: Store, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return store.knex.transaction(fn);
}
