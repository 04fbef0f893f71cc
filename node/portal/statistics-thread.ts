import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { countQueries, type CountRow } from './public-repo.ts';

/** What the statistics thread is asked: the store file and the day, region and depth of the counts. */
export interface StatisticsJob { file: string; today: string; prefix: string | undefined; digits: 4 | 6; busyTimeoutMs: number }

export interface StatisticsCounts { byCategory: CountRow[]; byRegion: CountRow[] }

// A read-only connection of its own: the counts scan millions of rows and must not hold up the node's thread.
const job = workerData as StatisticsJob;
const db = new Database(job.file, { readonly: true, fileMustExist: true, timeout: job.busyTimeoutMs });
try {
  const q = countQueries(job.today, job.prefix, job.digits);
  const counts: StatisticsCounts = { byCategory: db.prepare(q.byCategory.sql).all(...q.byCategory.bindings) as CountRow[], byRegion: db.prepare(q.byRegion.sql).all(...q.byRegion.bindings) as CountRow[] };
  parentPort?.postMessage(counts);
} finally {
  db.close();
}
