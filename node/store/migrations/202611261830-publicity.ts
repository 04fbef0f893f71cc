import type { Knex } from 'knex';

/**
 * Publicity (publicity/rules.ts, publicity/withdrawal.ts): the rule set version each record was judged by, and
 * when the withdrawal job saw its window end (the record stays standing for officers). The index serves the
 * job's nightly look-up — public records not yet marked whose window ended before a day — without walking the
 * ones already marked.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('records', (t) => {
    t.string('publicity_rule', 20);
    t.string('withdrawn_at', 30);
    t.index(['publicity', 'withdrawn_at', 'publish_until'], 'records_publicity_window');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('records', (t) => {
    t.dropIndex(['publicity', 'withdrawn_at', 'publish_until'], 'records_publicity_window');
  });
  await knex.schema.alterTable('records', (t) => {
    t.dropColumn('withdrawn_at');
    t.dropColumn('publicity_rule');
  });
}
