import type { Knex } from 'knex';

/**
 * The node's event log (DESIGN.md §4): one hash chain per origin, and a local position over everything stored
 * (own and received) that down cursors point into.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('events', (t) => {
    t.bigIncrements('pos').primary();
    t.string('origin', 64).notNullable();
    t.bigInteger('seq').notNullable();
    t.string('kind', 20).notNullable();
    t.string('entity_id', 64).notNullable();
    t.string('op', 20).notNullable();
    t.text('body').notNullable();
    t.string('at', 30).notNullable();
    t.string('prev_hash', 64).notNullable();
    t.string('hash', 64).notNullable();
    t.string('stored_at', 30).notNullable();
    // Records and their versions point at (origin, seq); no entity index is needed to find a body.
    t.unique(['origin', 'seq']);
  });
  await knex.schema.createTable('heads', (t) => {
    t.string('origin', 64).primary();
    t.bigInteger('seq').notNullable();
    t.string('hash', 64).notNullable();
    t.string('at', 30).notNullable();
    // Compact JWS (ES256) over { origin, seq, hash, at }, made by the origin's node key.
    t.text('signature');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('heads');
  await knex.schema.dropTableIfExists('events');
}
