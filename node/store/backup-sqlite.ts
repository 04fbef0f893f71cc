import { startThread } from '../threads.ts';
import knexFactory, { type Knex } from 'knex';
import type { SqliteCopyAnswer, SqliteCopyJob } from './backup-sqlite-thread.ts';

/**
 * Copies a live SQLite store with the online backup API on a thread of its own (backup-sqlite-thread.ts);
 * resolves with the pages copied.
 */
export function copySqliteOnThread(job: SqliteCopyJob): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const worker = startThread(import.meta.url, 'backup-sqlite-thread', { workerData: job });
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
