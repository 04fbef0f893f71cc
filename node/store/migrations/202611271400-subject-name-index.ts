import type { Knex } from 'knex';

const isSqlite = (knex: Knex) => (knex.client as { config: { client: unknown } }).config.client === 'better-sqlite3';

/**
 * SQLite: a b-tree index on subjects.name, for the names that start with a searched fragment
 * (node/query/search.ts). FTS5 finds them only by reading the fragment's whole posting list (`^"…"`), which for
 * a fragment as common as 有限公 is every subject; the index finds them by a range. PostgreSQL's trigram
 * index already serves `name like '…%'`.
 */
export async function up(knex: Knex): Promise<void> {
  if (isSqlite(knex)) await knex.raw('create index if not exists subjects_name_index on subjects (name)');
}

export async function down(knex: Knex): Promise<void> {
  if (isSqlite(knex)) await knex.raw('drop index if exists subjects_name_index');
}
