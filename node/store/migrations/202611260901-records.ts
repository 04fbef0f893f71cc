import type { Knex } from 'knex';

/**
 * Credit records (current state) and their superseded versions (history). Identity: (source_unit_code, category, external_id).
 * Bodies live in the event log (origin, seq); these tables index them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('records', (t) => {
    t.string('id', 36).primary();
    t.string('source_unit_code', 18).notNullable();
    t.string('source_unit_name', 200).notNullable();
    t.string('category', 40).notNullable();
    t.string('external_id', 200).notNullable();
    t.integer('subject_id').notNullable().references('id').inTable('subjects');
    t.string('subject_type', 20).notNullable();
    t.string('severity', 10);
    t.string('decision_date', 10).notNullable();
    t.integer('version').notNullable();
    t.string('status', 20).notNullable();
    t.string('publicity', 20).notNullable();
    t.string('publish_from', 10);
    t.string('publish_until', 10);
    // The event that produced the current version: its body is the record as stored (natural persons' ID
    // numbers encrypted inside it). The body is kept once, in the event log, not copied here.
    t.string('origin', 64).notNullable();
    t.bigInteger('seq').notNullable();
    t.string('body_hash', 64).notNullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['source_unit_code', 'category', 'external_id']);
    t.index(['subject_id']);
  });
  await knex.schema.createTable('record_versions', (t) => {
    t.string('record_id', 36).notNullable().references('id').inTable('records').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.string('op', 20).notNullable();
    t.string('status', 20).notNullable();
    t.string('body_hash', 64).notNullable();
    // The version's body is the body of this event.
    t.string('origin', 64).notNullable();
    t.bigInteger('seq').notNullable();
    t.string('at', 30).notNullable();
    t.primary(['record_id', 'version']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('record_versions');
  await knex.schema.dropTableIfExists('records');
}
