import type { Knex } from 'knex';

/**
 * The exchange (DESIGN.md §4): routing columns on events so a parent can pick what each child is entitled to,
 * every signed checkpoint of every chain (a batch may end at any of them), the state of each peer, and alarms.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('events', (t) => {
    // Derived from the body when the event is stored; not part of its hash.
    t.string('region', 12);
    t.string('category', 40);
    t.string('target', 64);
  });
  await knex.schema.createTable('signed_heads', (t) => {
    t.string('origin', 64).notNullable();
    t.bigInteger('seq').notNullable();
    t.string('hash', 64).notNullable();
    t.string('at', 30).notNullable();
    // Compact JWS (ES256) over { origin, seq, hash, at } by the origin's node key.
    t.text('signature').notNullable();
    t.primary(['origin', 'seq']);
  });
  await knex.schema.createTable('sync_state', (t) => {
    t.string('peer', 64).notNullable();
    // up | down (this node's calls to its parent) or child-up | child-down (a child's calls to this node).
    t.string('direction', 20).notNullable();
    t.bigInteger('cursor').notNullable().defaultTo(0);
    t.bigInteger('lag');
    t.string('last_ok', 30);
    t.string('last_attempt', 30);
    t.text('last_error');
    t.string('updated_at', 30).notNullable();
    t.primary(['peer', 'direction']);
  });
  await knex.schema.createTable('alarms', (t) => {
    t.increments('id').primary();
    t.string('at', 30).notNullable();
    t.string('code', 40).notNullable();
    t.string('peer', 64);
    t.string('origin', 64);
    t.text('detail').notNullable();
  });
  await knex.schema.createTable('cache', (t) => {
    t.string('key', 64).primary();
    t.text('value').notNullable();
    t.string('updated_at', 30).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('cache');
  await knex.schema.dropTableIfExists('alarms');
  await knex.schema.dropTableIfExists('sync_state');
  await knex.schema.dropTableIfExists('signed_heads');
  await knex.schema.alterTable('events', (t) => {
    t.dropColumn('region');
    t.dropColumn('category');
    t.dropColumn('target');
  });
}
