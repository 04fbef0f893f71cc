import type { Knex } from 'knex';
import { selectRow, selectRows } from '../store/read.ts';

/**
 * Read-only counts for GET /metrics over tables other features own (records, subjects, events, alarms); they
 * only read, like the portal's public counts, and every write stays with the owner. Each is one aggregate
 * query; the collectors (collectors.ts) cache them so a scrape never recounts a big store.
 */
export const metricsRepo = {
  /** Records by category and publicity level. */
  recordCounts: (db: Knex) =>
    selectRows<{ category: string; publicity: string; n: number | string }>(db,
      'select "category", "publicity", count(*) as "n" from "records" group by "category", "publicity"'),

  /** Subjects by type (the three databases). */
  subjectCounts: (db: Knex) =>
    selectRows<{ type: string; n: number | string }>(db, 'select "type", count(*) as "n" from "subjects" group by "type"'),

  /** Events this node created itself: a count over the (origin, seq) index. */
  async ownEvents(db: Knex, origin: string): Promise<number> {
    const row = await selectRow<{ n: number | string }>(db, 'select count(*) as "n" from "events" where "origin" = ?', [origin]);
    return Number(row?.n ?? 0);
  },

  /** Stored alarms (altered or forged batches, forks) by code; the table stays small. */
  alarmCounts: (db: Knex) =>
    selectRows<{ code: string; n: number | string }>(db, 'select "code", count(*) as "n" from "alarms" group by "code"'),
};
