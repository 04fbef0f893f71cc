import type { Knex } from 'knex';

/**
 * Tickets (信用修复 applications now; objections and complaints use the same table): the current state of each
 * ticket this node has seen, projected from `ticket` events (the events are the record; this is the index).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tickets', (t) => {
    t.string('number', 40).primary();
    t.string('type', 20).notNullable();
    t.string('status', 20).notNullable();
    t.string('outcome', 20);
    /** The node where it was filed, the node that decides it. */
    t.string('from_node', 64).notNullable();
    t.string('handler_node', 64).notNullable();
    t.string('record_id', 36);
    t.string('subject_key', 64);
    t.string('source_unit_code', 18);
    t.string('region', 6);
    t.integer('version').notNullable();
    t.string('filed_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    /** The whole ticket as of `version` (canonical JSON of the event body). */
    t.text('body').notNullable();
    t.index(['handler_node', 'status']);
    t.index(['record_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('tickets');
}
