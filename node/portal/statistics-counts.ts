import { Worker } from 'node:worker_threads';
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
 * From source (tests, tsx) the thread registers tsx's loader first (loader flags do not carry into workers).
 */
export function countOnThread(file: string, busyTimeoutMs: number): CountStatistics {
  return (today, prefix, digits) => new Promise<StatisticsCounts>((resolve, reject) => {
    const data: StatisticsJob = { file, today, prefix, digits, busyTimeoutMs };
    let worker: Worker;
    if (import.meta.url.endsWith('.ts')) {
      const target = JSON.stringify(new URL('./statistics-thread.ts', import.meta.url).href);
      worker = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${target}); })`, { eval: true, workerData: data });
    } else {
      worker = new Worker(new URL('./statistics-thread.js', import.meta.url), { workerData: data });
    }
    let answered = false;
    worker.once('message', (m: StatisticsCounts) => { answered = true; resolve(m); });
    worker.once('error', reject);
    worker.once('exit', (code) => { if (!answered) reject(new Error(`statistics thread exited with code ${code}`)); });
  });
}
