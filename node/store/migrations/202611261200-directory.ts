import type { Knex } from 'knex';

/** The node directory as this node knows it (DESIGN.md §4): enrolled children and, later, the hub's signed list. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('directory', (t) => {
    t.string('id', 64).primary();
    t.string('role', 20).notNullable();
    t.string('name', 100).notNullable();
    t.string('region', 6).notNullable();
    t.string('sector', 32);
    t.string('parent', 64);
    t.text('public_key').notNullable();
    t.string('fingerprint', 64).notNullable();
    t.string('status', 20).notNullable();
    t.string('updated_at', 30).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('directory');
}
