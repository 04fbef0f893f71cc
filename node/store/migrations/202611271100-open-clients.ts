import type { Knex } from 'knex';

/**
 * Third-party access (open/): the client organisations a node opens its data to (credit service agencies, rating
 * institutions), the authorisations subjects gave them, and their metered usage per calendar month.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('open_clients', (t) => {
    t.string('id', 40).primary();
    t.string('uscc', 18).notNullable();
    t.string('name', 200).notNullable();
    t.string('contact_name', 100);
    t.string('contact_phone', 40);
    /** JSON: [{ dataset, fields? }], the categories (and optionally the fields) the client may read. */
    t.text('datasets').notNullable();
    /** May ask about natural persons (each time with the person's authorisation). */
    t.boolean('persons').notNullable().defaultTo(false);
    t.string('purpose', 500);
    /** Last day (China time, inclusive) the client may call; null: no end. */
    t.string('expires_on', 10);
    t.integer('rate_limit_per_minute').notNullable();
    t.integer('monthly_quota').notNullable();
    /** active | suspended | revoked */
    t.string('status', 12).notNullable();
    /** scrypt hash of the client secret (the secret itself is shown once and never stored). */
    t.string('secret_hash', 200).notNullable();
    t.string('created_by', 64).notNullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
  });
  await knex.schema.createTable('open_authorisations', (t) => {
    t.string('id', 40).primary();
    t.string('client_id', 40).notNullable().references('id').inTable('open_clients');
    /** The subject's lookup key: a USCC, or the keyed hash of a resident ID number (never the number). */
    t.string('subject_key', 64).notNullable();
    t.string('subject_type', 20).notNullable();
    /** The USCC, or the masked ID number. */
    t.string('subject_display', 40).notNullable();
    /** JSON: the categories the subject authorised. */
    t.text('datasets').notNullable();
    t.string('expires_on', 10).notNullable();
    /** 授权书编号, as the operator read it from the signed letter. */
    t.string('reference', 100);
    t.string('created_by', 64).notNullable();
    t.string('created_at', 30).notNullable();
    t.index(['client_id', 'subject_key']);
  });
  await knex.schema.createTable('open_usage', (t) => {
    t.string('client_id', 40).notNullable().references('id').inTable('open_clients');
    /** YYYY-MM in China time. */
    t.string('month', 7).notNullable();
    /** calls | records | refused:<CODE> */
    t.string('metric', 60).notNullable();
    t.bigInteger('n').notNullable().defaultTo(0);
    t.primary(['client_id', 'month', 'metric']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('open_usage');
  await knex.schema.dropTableIfExists('open_authorisations');
  await knex.schema.dropTableIfExists('open_clients');
}
