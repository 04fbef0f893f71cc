import type { Knex } from 'knex';

/**
 * How far the projection of received events (records and tickets of other origins) has come: every event at a
 * local position at or below `pos` that needs projecting is projected. Received batches are stored at log speed
 * and projected after them (exchange/service.ts), so the cursor is kept in the store and moves in the transaction
 * that projects. Everything stored before this migration was projected when it was received.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('projection', (t) => {
    t.string('name', 40).primary();
    t.bigInteger('pos').notNullable();
  });
  const row = (await knex('events').max({ p: 'pos' }).first()) as { p: number | string | null } | undefined;
  await knex('projection').insert({ name: 'received', pos: Number(row?.p ?? 0) });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('projection');
}
