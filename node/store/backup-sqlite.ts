import { Worker } from 'node:worker_threads';
import knexFactory, { type Knex } from 'knex';
import type { SqliteCopyAnswer, SqliteCopyJob } from './backup-sqlite-thread.ts';

/**
 * Copies a live SQLite store with the online backup API on a thread of its own (backup-sqlite-thread.ts);
 * resolves with the pages copied. From source (tests, tsx) the thread registers tsx's loader first.
 */
export function copySqliteOnThread(job: SqliteCopyJob): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let worker: Worker;
    if (import.meta.url.endsWith('.ts')) {
      const target = JSON.stringify(new URL('./backup-sqlite-thread.ts', import.meta.url).href);
      worker = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${target}); })`, { eval: true, workerData: job });
    } else {
      worker = new Worker(new URL('./backup-sqlite-thread.js', import.meta.url), { workerData: job });
    }
    let answered = false;
    worker.once('message', (m: SqliteCopyAnswer) => {
      answered = true;
      if (m.ok) resolve(m.pages);
      else reject(new Error(m.message));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => { if (!answered) reject(new Error(`backup thread exited with code ${code}`)); });
  });
}

/** A connection of its own to a SQLite copy (a backup being made or restored), read-only unless asked. */
export function openSqliteFile(file: string, opts: { readonly: boolean }): Knex {
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename: file, options: { readonly: opts.readonly } },
    useNullAsDefault: true,
    pool: { min: 1, max: 1 },
  });
}

/** SQLite's own check of every page, index and constraint of the file: 'ok' or the first problems. */
export async function integrityCheck(db: Knex): Promise<string> {
  const rows = (await db.raw('pragma integrity_check(5)')) as Array<{ integrity_check: string }>;
  return rows.map((r) => r.integrity_check).join('；');
}
