import type { Knex } from 'knex';

/** SQLite allows 32,766 bound variables per statement; PostgreSQL 65,535. Stay under both. */
const MAX_VARIABLES = 30_000;

interface SqliteStatement { run(...params: unknown[]): unknown }
interface SqliteConnection { prepare(sql: string): SqliteStatement }

const statements = new WeakMap<object, Map<string, SqliteStatement>>();

function isSqlite(db: Knex | Knex.Transaction): boolean {
  return (db.client as { config: { client: unknown } }).config.client === 'better-sqlite3';
}

/**
 * Inserts many rows with as little overhead as each dialect allows (DESIGN.md §3, hot paths). On SQLite: one
 * prepared single-row statement per table, run on the transaction's own connection (better-sqlite3 is
 * synchronous, so this is the fastest path). On PostgreSQL: multi-row VALUES statements.
 */
export async function insertMany(db: Knex | Knex.Transaction, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as object);
  if (isSqlite(db)) {
    // Inside a transaction this is the transaction's connection; outside, the pool's only connection.
    const conn = (await (db.client as { acquireConnection(): Promise<SqliteConnection> }).acquireConnection());
    try {
      let cache = statements.get(conn);
      if (!cache) statements.set(conn, (cache = new Map()));
      const key = `${table}\u0001${columns.join(',')}`;
      let stmt = cache.get(key);
      if (!stmt) {
        stmt = conn.prepare(`insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) values (${columns.map(() => '?').join(',')})`);
        cache.set(key, stmt);
      }
      const values: unknown[] = new Array(columns.length);
      for (const row of rows) {
        for (let i = 0; i < columns.length; i++) values[i] = row[columns[i] as string] ?? null;
        stmt.run(...values);
      }
    } finally {
      if (!('isTransaction' in db && db.isTransaction)) await (db.client as { releaseConnection(c: unknown): Promise<void> }).releaseConnection(conn);
    }
    return;
  }
  const chunk = Math.max(1, Math.floor(MAX_VARIABLES / columns.length));
  const tuple = `(${columns.map(() => '?').join(',')})`;
  const head = `insert into ?? (${columns.map(() => '??').join(',')}) values `;
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const bindings: unknown[] = [table, ...columns];
    for (const row of part) for (const c of columns) bindings.push(row[c] ?? null);
    await db.raw(head + part.map(() => tuple).join(','), bindings as Knex.RawBinding[]);
  }
}
