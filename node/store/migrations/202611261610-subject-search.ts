import type { Knex } from 'knex';

const isSqlite = (knex: Knex) => (knex.client as { config: { client: unknown } }).config.client === 'better-sqlite3';

/**
 * Name search over subjects (node/query/search.ts): any fragment of a name, Chinese included.
 *
 * SQLite: an FTS5 index with the trigram tokenizer over subjects.name as external content (the names are
 * stored once, in subjects), kept current by triggers, so every writer of subjects (bulk imports through
 * store/bulk.ts, batches from other nodes, renames) keeps it current without knowing it exists. A later
 * migration that rebuilds the subjects table (knex does that for some ALTERs on SQLite) drops these triggers
 * with the old table and must create them again and run 'rebuild'.
 *
 * PostgreSQL: pg_trgm and a GIN trigram index on subjects.name, which serves `name ILIKE '%…%'` for fragments
 * of three characters or more. pg_trgm extracts trigrams from Chinese only when the database's LC_CTYPE is a
 * UTF-8 locale (C.UTF-8, zh_CN.UTF-8 …); under LC_CTYPE=C the index stays empty for Chinese and searches scan.
 */
export async function up(knex: Knex): Promise<void> {
  if (isSqlite(knex)) {
    await knex.raw(`create virtual table subjects_fts using fts5(name, tokenize = 'trigram', content = 'subjects', content_rowid = 'id')`);
    await knex.raw(`create trigger subjects_fts_insert after insert on subjects begin
      insert into subjects_fts(rowid, name) values (new.id, new.name);
    end`);
    // An external-content index must be told the old value it indexed to forget it.
    await knex.raw(`create trigger subjects_fts_delete after delete on subjects begin
      insert into subjects_fts(subjects_fts, rowid, name) values ('delete', old.id, old.name);
    end`);
    await knex.raw(`create trigger subjects_fts_update after update of name on subjects begin
      insert into subjects_fts(subjects_fts, rowid, name) values ('delete', old.id, old.name);
      insert into subjects_fts(rowid, name) values (new.id, new.name);
    end`);
    await knex.raw(`insert into subjects_fts(subjects_fts) values ('rebuild')`);
    return;
  }
  // An extension belongs to the whole database, not to a node's schema: put it in public (when another schema
  // already has it, this does nothing) so dropping one node's schema never takes it from the others.
  await knex.raw('create extension if not exists pg_trgm with schema public');
  await knex.raw('create index subjects_name_trgm on subjects using gin (name ??.gin_trgm_ops)', [await trgmSchema(knex)]);
}

export async function down(knex: Knex): Promise<void> {
  if (isSqlite(knex)) {
    for (const t of ['subjects_fts_insert', 'subjects_fts_delete', 'subjects_fts_update']) await knex.raw(`drop trigger if exists ${t}`);
    await knex.raw('drop table if exists subjects_fts');
    return;
  }
  // The extension stays: other schemas of the database (other nodes, other applications) may use it, and
  // dropping it needs the rights of its owner.
  await knex.raw('drop index if exists subjects_name_trgm');
}

/** The schema pg_trgm lives in (public unless it was installed elsewhere before). */
async function trgmSchema(knex: Knex): Promise<string> {
  const res = (await knex.raw(`select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`)) as { rows: Array<{ schema: string }> };
  const schema = res.rows[0]?.schema;
  if (!schema) throw new Error('pg_trgm is not installed');
  return schema;
}
