import type { Knex } from 'knex';
import type { EventLog } from '../exchange/event-log.ts';
import { recordsRepo } from '../records/repo.ts';
import { auditRepo } from '../audit/audit-repo.ts';
import type { StoreSummary } from './backup-manifest.ts';

/**
 * What a store holds, for a backup's manifest and for checking a restore: read on any handle (the node's own in a
 * snapshot transaction, or a connection to a copy) through the owners' repos, as `status` reads them.
 */
export async function summarizeStore(db: Knex | Knex.Transaction, eventLog: EventLog): Promise<StoreSummary> {
  const heads: StoreSummary['heads'] = {};
  for (const h of await eventLog.heads(db)) heads[h.origin] = { seq: h.seq, hash: h.hash };
  const tables = await recordsRepo.counts(db as Knex);
  const audit = (await auditRepo.head(db)) ?? null;
  return {
    heads,
    counts: { events: await eventLog.count(db), records: tables['records'] ?? 0, subjects: tables['subjects'] ?? 0, auditEntries: audit?.seq ?? 0 },
    audit,
    migration: await latestMigration(db),
  };
}

/** The last migration the store ran (knex keeps the list in knex_migrations, which the store owns). */
export async function latestMigration(db: Knex | Knex.Transaction): Promise<string | null> {
  const row = (await db('knex_migrations').select('name').orderBy('id', 'desc').first()) as { name: string } | undefined;
  return row?.name ?? null;
}
