import type { Knex } from 'knex';

/** Notification outbox (notify/): filled by the helper that owns notify/. */
export async function up(_knex: Knex): Promise<void> {}

export async function down(_knex: Knex): Promise<void> {}
