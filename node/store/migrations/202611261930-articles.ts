import type { Knex } from 'knex';

/** News and policy articles of the portal (信用动态, 政策法规), written by operators (portal/articles.ts). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('articles', (t) => {
    t.increments('id').primary();
    t.string('kind', 10).notNullable();
    t.string('title', 200).notNullable();
    t.text('body').notNullable();
    /** ISO instant; an article dated in the future is not shown before then. */
    t.string('published_at', 30).notNullable();
    /** A division code: shown only on that region's site; null: on every site of this node. */
    t.string('region', 6);
    t.string('created_by', 64).notNullable();
    t.string('created_at', 30).notNullable();
    t.index(['kind', 'published_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('articles');
}
