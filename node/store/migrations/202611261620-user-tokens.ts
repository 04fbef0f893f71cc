import type { Knex } from 'knex';

/** Token revocation: a user's tokens issued before this instant are refused (sign-out, `users revoke-tokens`). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.string('tokens_valid_after', 30);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('tokens_valid_after');
  });
}
