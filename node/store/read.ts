import type { Knex } from 'knex';
import { isSqlite, onConnection } from './bulk.ts';

/**
 * The rows of one parameterised SELECT (`?` placeholders, identifiers in double quotes so the text is the same
 * for both dialects), with as little overhead as each dialect allows (DESIGN.md §3, hot paths). On SQLite the
 * statement is compiled once per connection (connection.ts) and run on the pool's connection or the
 * transaction's own; knex's query builder costs ten times a lookup by key there, so the lookups every query
 * makes (the caller's account, the subject, its records) go this way. On PostgreSQL: knex.raw.
 */
export async function selectRows<T>(db: Knex | Knex.Transaction, sql: string, bindings: readonly unknown[] = []): Promise<T[]> {
  if (isSqlite(db)) return onConnection(db, (conn) => conn.prepare(sql).all(...bindings) as T[]);
  const res = (await db.raw(sql, bindings as Knex.RawBinding[])) as { rows: T[] };
  return res.rows;
}

/** The first row of selectRows, or undefined. */
export async function selectRow<T>(db: Knex | Knex.Transaction, sql: string, bindings: readonly unknown[] = []): Promise<T | undefined> {
  return (await selectRows<T>(db, sql, bindings))[0];
}
