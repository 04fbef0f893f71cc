import type { Knex } from 'knex';

/**
 * A partial index of the records the public may see (publicity 'public', a standing status) by subject, carrying
 * the publicity window: the portal counts a page of subjects' public records from it alone (public-repo.ts
 * publicCounts; the index's condition stands for publicity and status), without reading a record row — a
 * well-known company has a hundred records and a search page shows twenty companies. The condition is
 * publicRecordCondition's fixed part (publicity/visibility.ts) as it stands in this release: the statuses are
 * STANDING_STATUSES, written out, as a migration never changes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create index records_subject_public on records (subject_id, publish_from, publish_until)
    where publicity = 'public' and status in ('active', 'disputed', 'corrected')`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists records_subject_public');
}
