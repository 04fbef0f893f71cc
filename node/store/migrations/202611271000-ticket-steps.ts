import type { Knex } from 'knex';

/**
 * Tickets on legal time limits (disputes/): the step a ticket waits at and the last day it may take
 * (working days of the holiday calendar, carried in the ticket), and the overdue steps this node escalated.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (t) => {
    t.string('step', 20);
    t.string('due_on', 10);
    t.string('record_category', 40);
    /** The ticket's first event (it alone carries the evidence files), found by the events' (origin, seq) key. */
    t.string('first_origin', 64);
    t.bigInteger('first_seq');
    t.index(['status', 'due_on']);
  });
  await knex.schema.createTable('ticket_escalations', (t) => {
    t.string('number', 40).notNullable();
    t.string('step', 20).notNullable();
    t.string('due_on', 10).notNullable();
    /** The node whose operators it was escalated to (this node). */
    t.string('handler_node', 64).notNullable();
    t.string('at', 30).notNullable();
    t.primary(['number', 'step']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('ticket_escalations');
  await knex.schema.alterTable('tickets', (t) => {
    t.dropIndex(['status', 'due_on']);
    t.dropColumn('step');
    t.dropColumn('due_on');
    t.dropColumn('record_category');
    t.dropColumn('first_origin');
    t.dropColumn('first_seq');
  });
}
