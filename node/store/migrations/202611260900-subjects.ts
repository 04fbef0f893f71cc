import type { Knex } from 'knex';

/** The three basic databases (三个基础数据库): one index of subjects and one detail table per subject type. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('subjects', (t) => {
    t.increments('id').primary();
    t.string('type', 20).notNullable();
    // USCC for organisations; a keyed hash of the ID number for natural persons (never the number itself).
    t.string('key', 64).notNullable().unique();
    t.string('name', 200).notNullable();
    t.string('region', 6);
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    // Name search gets its own full-text index with the query feature; no plain name index to maintain here.
  });
  // Enterprises and non-enterprise legal persons share their columns; they stay two databases.
  const organisation = (t: Knex.CreateTableBuilder) => {
    t.integer('subject_id').primary().references('id').inTable('subjects').onDelete('CASCADE');
    // Unique through subjects.key; a second index on it would only slow every insert.
    t.string('uscc', 18).notNullable();
    t.string('name', 200).notNullable();
    t.string('org_category', 2).notNullable();
    t.string('region', 6);
  };
  await knex.schema.createTable('legal_persons', organisation);
  await knex.schema.createTable('non_enterprises', organisation);
  await knex.schema.createTable('natural_persons', (t) => {
    t.integer('subject_id').primary().references('id').inTable('subjects').onDelete('CASCADE');
    t.string('id_hash', 64).notNullable();
    // AES-256-GCM ciphertext of the resident ID number, base64 (iv, tag, data).
    t.text('id_cipher').notNullable();
    t.string('id_masked', 18).notNullable();
    t.string('name', 200).notNullable();
    t.string('region', 6);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('natural_persons');
  await knex.schema.dropTableIfExists('non_enterprises');
  await knex.schema.dropTableIfExists('legal_persons');
  await knex.schema.dropTableIfExists('subjects');
}
