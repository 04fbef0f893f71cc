import type { Knex } from 'knex';

/** Filled by the feature that owns these tables. */
export async function up(_knex: Knex): Promise<void> {}

export async function down(_knex: Knex): Promise<void> {}
