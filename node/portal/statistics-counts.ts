import { startThread } from '../threads.ts';
import type { Knex } from 'knex';
import { publicRepo } from './public-repo.ts';
import type { StatisticsCounts, StatisticsJob } from './statistics-thread.ts';

/** Counts public records by category and region for the home page's statistics. */
export type CountStatistics = (today: string, prefix: string | undefined, digits: 4 | 6) => Promise<StatisticsCounts>;

/** On the node's connection (PostgreSQL answers asynchronously; a small SQLite store counts in milliseconds). */
export function countOnConnection(db: Knex): CountStatistics {
  return async (today, prefix, digits) => {
    const [byCategory, byRegion] = await Promise.all([publicRepo.countsByCategory(db, today, prefix), publicRepo.countsByRegion(db, today, digits, prefix)]);
    return { byCategory, byRegion };
  };
}

/**
 * On a thread of its own with a read-only connection to the SQLite file: better-sqlite3 blocks its thread, and
 * at province scale the counts take seconds to tens of seconds, which must not stop the site answering.
 */
export function countOnThread(file: string, busyTimeoutMs: number): CountStatistics {
  return (today, prefix, digits) => new Promise<StatisticsCounts>((resolve, reject) => {
    const data: StatisticsJob = { file, today, prefix, digits, busyTimeoutMs };
    const worker = startThread(import.meta.url, 'statistics-thread', { workerData: data });
    let answered = false;
    worker.once('message', (m: StatisticsCounts) => { answered = true; resolve(m); });
    worker.once('error', reject);
    worker.once('exit', (code) => { if (!answered) reject(new Error(`statistics thread exited with code ${code}`)); });
  });
}
