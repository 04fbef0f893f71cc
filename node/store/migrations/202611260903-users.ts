import type { Knex } from 'knex';

/** The node's users. Scopes (regions, sectors) are stored now and enforced by the access layer. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.string('username', 64).notNullable().unique();
    t.string('role', 20).notNullable();
    t.text('password_hash').notNullable();
    t.text('regions').notNullable();
    t.text('sectors').notNullable();
    t.string('source_unit', 18);
    t.string('status', 20).notNullable();
    t.integer('failed_logins').notNullable().defaultTo(0);
    t.string('locked_until', 30);
    t.string('created_at', 30).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('users');
}
