import type { Knex } from 'knex';

/** SQLite allows 32,766 bound variables per statement; PostgreSQL 65,535. Stay under both. */
const MAX_VARIABLES = 30_000;

/** Inserts many rows with as few statements as the dialects allow. */
export async function insertMany(db: Knex | Knex.Transaction, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as object).length;
  const chunk = Math.max(1, Math.floor(MAX_VARIABLES / columns));
  for (let i = 0; i < rows.length; i += chunk) {
    await db(table).insert(rows.slice(i, i + chunk));
  }
}
