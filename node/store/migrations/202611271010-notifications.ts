import type { Knex } from 'knex';

/**
 * Notification outbox (notify/): one row per message a ticket change owes the claimant, the handling unit or the
 * escalation operators, written in the ticket's own transaction and sent afterwards by the dispatcher. The unique
 * key makes a replayed ticket version add nothing.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notifications', (t) => {
    t.increments('id').primary();
    t.string('ticket', 40).notNullable();
    t.integer('version').notNullable();
    t.string('audience', 20).notNullable();
    /** A node id (handler, escalation) or 'claimant'. */
    t.string('recipient', 64).notNullable();
    t.string('unit', 200);
    /** The claimant's contact (claimant audience only), for the gateway that texts or mails them. */
    t.string('contact_name', 100);
    t.string('contact_phone', 40);
    t.string('event', 40).notNullable();
    t.string('title', 200).notNullable();
    t.text('message').notNullable();
    t.string('status', 10).notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('next_attempt_at', 30).notNullable();
    t.string('last_error', 500);
    t.string('created_at', 30).notNullable();
    t.string('sent_at', 30);
    t.unique(['ticket', 'version', 'audience', 'recipient']);
    /** The dispatcher's seek: pending rows that are due, oldest first. */
    t.index(['status', 'next_attempt_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('notifications');
}
