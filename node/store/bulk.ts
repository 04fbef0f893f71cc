import type { Knex } from 'knex';

/** SQLite allows 32,766 bound variables per statement; PostgreSQL 65,535. Stay under both. */
const MAX_VARIABLES = 30_000;

interface SqliteStatement { run(...params: unknown[]): unknown; all(...params: unknown[]): unknown[] }
export interface SqliteConnection { prepare(sql: string): SqliteStatement; readonly open?: boolean }

const statements = new WeakMap<object, Map<string, SqliteStatement>>();

/** The SQLite pool's one connection by knex client, as connection.ts made it. */
const poolConnections = new WeakMap<object, () => SqliteConnection | undefined>();

/** connection.ts: `current` gives the connection the SQLite pool of `client` made last (undefined before). */
export function registerPoolConnection(client: object, current: () => SqliteConnection | undefined): void {
  poolConnections.set(client, current);
}

interface PoolCounts { numUsed(): number; numFree(): number; numPendingAcquires(): number }

/**
 * The SQLite pool's connection when nobody holds it: no transaction (which keeps it across awaits), no one
 * waiting for it. A synchronous call on it cannot interleave with anything else on this thread, so it runs
 * without the acquire and release, a promise and a timer each, that a lookup by key would otherwise pay.
 */
function idleConnection(db: Knex): SqliteConnection | undefined {
  const current = poolConnections.get(db.client as object);
  const pool = (db.client as { pool?: PoolCounts }).pool;
  if (!current || !pool || pool.numUsed() !== 0 || pool.numPendingAcquires() !== 0 || pool.numFree() !== 1) return undefined;
  const conn = current();
  return conn?.open === true ? conn : undefined;
}

export function isSqlite(db: Knex | Knex.Transaction): boolean {
  return (db.client as { config: { client: unknown } }).config.client === 'better-sqlite3';
}

/**
 * Runs `fn`, which is synchronous, on the SQLite connection: inside a transaction, the transaction's own;
 * outside, the pool's only connection (at once when it is idle, else once released to this caller).
 */
export async function onConnection<T>(db: Knex | Knex.Transaction, fn: (conn: SqliteConnection) => T): Promise<T> {
  if (!('isTransaction' in db && db.isTransaction)) {
    const idle = idleConnection(db);
    if (idle) return fn(idle);
  }
  const conn = await (db.client as { acquireConnection(): Promise<SqliteConnection> }).acquireConnection();
  try {
    return fn(conn);
  } finally {
    if (!('isTransaction' in db && db.isTransaction)) await (db.client as { releaseConnection(c: unknown): Promise<void> }).releaseConnection(conn);
  }
}

/** A statement prepared once per connection and reused (better-sqlite3 compiles on prepare). */
function prepared(conn: SqliteConnection, sql: string): SqliteStatement {
  let cache = statements.get(conn);
  if (!cache) statements.set(conn, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = conn.prepare(sql)));
  return stmt;
}

/** The single-row insert for `table` and `columns`; `text` columns take UTF-8 bytes as the text they are. */
const insertStatement = (conn: SqliteConnection, table: string, columns: string[], text: readonly string[] = []) =>
  prepared(conn, `insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) values (${columns.map((c) => (text.includes(c) ? 'cast(? as text)' : '?')).join(',')})`);

/** Options of insertMany. */
export interface InsertOptions {
  /**
   * Text columns whose values may come as Buffers of UTF-8 (a received event's body): SQLite stores the bytes as
   * the text they are, without decoding and encoding them again; PostgreSQL is given the decoded text.
   */
  textFromBytes?: readonly string[];
}

/**
 * Inserts many rows with as little overhead as each dialect allows (DESIGN.md §3, hot paths). On SQLite: one
 * prepared single-row statement per table, run on the transaction's own connection (better-sqlite3 is
 * synchronous, so this is the fastest path). On PostgreSQL: multi-row VALUES statements.
 */
export async function insertMany(db: Knex | Knex.Transaction, table: string, rows: Array<Record<string, unknown>>, opts: InsertOptions = {}): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as object);
  const text = opts.textFromBytes ?? [];
  if (isSqlite(db)) {
    await onConnection(db, (conn) => {
      const stmt = insertStatement(conn, table, columns, text);
      const values: unknown[] = new Array(columns.length);
      for (const row of rows) {
        for (let i = 0; i < columns.length; i++) values[i] = row[columns[i] as string] ?? null;
        stmt.run(...values);
      }
    });
    return;
  }
  const chunk = Math.max(1, Math.floor(MAX_VARIABLES / columns.length));
  const tuple = `(${columns.map(() => '?').join(',')})`;
  const head = `insert into ?? (${columns.map(() => '??').join(',')}) values `;
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const bindings: unknown[] = [table, ...columns];
    for (const row of part) {
      for (const c of columns) {
        const v = row[c] ?? null;
        bindings.push(Buffer.isBuffer(v) && text.includes(c) ? v.toString('utf8') : v);
      }
    }
    await db.raw(head + part.map(() => tuple).join(','), bindings as Knex.RawBinding[]);
  }
}

/**
 * Inserts rows and returns the generated integer id of each by the value of its unique `keyColumn` (SQLite:
 * each statement's last row id; PostgreSQL: `returning`), so callers need not look the rows up again.
 */
export async function insertManyReturningIds(db: Knex | Knex.Transaction, table: string, rows: Array<Record<string, unknown>>, keyColumn: string, idColumn = 'id'): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  if (rows.length === 0) return ids;
  const columns = Object.keys(rows[0] as object);
  if (isSqlite(db)) {
    return onConnection(db, (conn) => {
      const stmt = insertStatement(conn, table, columns);
      const values: unknown[] = new Array(columns.length);
      for (const row of rows) {
        for (let i = 0; i < columns.length; i++) values[i] = row[columns[i] as string] ?? null;
        ids.set(String(row[keyColumn]), Number((stmt.run(...values) as { lastInsertRowid: number | bigint }).lastInsertRowid));
      }
      return ids;
    });
  }
  const chunk = Math.max(1, Math.floor(MAX_VARIABLES / columns.length));
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const returned = (await db(table).insert(part).returning([idColumn, keyColumn])) as Array<Record<string, unknown>>;
    for (const r of returned) ids.set(String(r[keyColumn]), Number(r[idColumn]));
  }
  return ids;
}

/**
 * Looks up rows by many keys (equality on `keyColumns`). On SQLite one prepared statement runs per key on the
 * transaction's connection (an IN list would be compiled anew for every batch); on PostgreSQL one IN query per
 * chunk. `where` adds fixed equality conditions.
 */
export async function selectByKeys<T>(db: Knex | Knex.Transaction, table: string, columns: string[], keyColumn: string, keys: string[], where: Record<string, string> = {}): Promise<T[]> {
  if (keys.length === 0) return [];
  const fixed = Object.keys(where);
  if (isSqlite(db)) {
    return onConnection(db, (conn) => {
      const sql = `select ${columns.map((c) => `"${c}"`).join(',')} from "${table}" where ${[...fixed, keyColumn].map((c) => `"${c}" = ?`).join(' and ')}`;
      const stmt = prepared(conn, sql);
      const fixedValues = fixed.map((c) => where[c]);
      const out: T[] = [];
      for (const key of keys) for (const row of stmt.all(...fixedValues, key)) out.push(row as T);
      return out;
    });
  }
  const out: T[] = [];
  for (let i = 0; i < keys.length; i += 1000) {
    out.push(...((await db(table).select(columns).where(where).whereIn(keyColumn, keys.slice(i, i + 1000))) as T[]));
  }
  return out;
}
