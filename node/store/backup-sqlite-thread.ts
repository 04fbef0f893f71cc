import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** A copy of a live SQLite store: the source file, where the copy goes, and how long to wait for a lock. */
export interface SqliteCopyJob { source: string; dest: string; busyTimeoutMs: number }

export type SqliteCopyAnswer = { ok: true; pages: number } | { ok: false; message: string };

/**
 * SQLite's online backup API on a connection of its own, on a thread of its own. All pages are copied in one
 * step, inside one read transaction: a consistent snapshot that, in WAL mode, never blocks the node's writers.
 * Copying a hundred pages at a time instead would restart from the beginning after every write the node makes
 * meanwhile, and might never finish on a busy node; the thread keeps the one long step off the node's thread.
 * While the step reads, checkpoints cannot pass its snapshot, so the -wal file grows until the copy is done.
 */
async function copy(job: SqliteCopyJob): Promise<SqliteCopyAnswer> {
  const source = new Database(job.source, { fileMustExist: true, timeout: job.busyTimeoutMs });
  try {
    const done = await source.backup(job.dest, { progress: () => 0x7fffffff });
    // The copy stands alone: no -wal beside it, so it can be hashed, read read-only and renamed into place.
    const dest = new Database(job.dest);
    try {
      dest.pragma('journal_mode = DELETE');
    } finally {
      dest.close();
    }
    return { ok: true, pages: done.totalPages };
  } finally {
    source.close();
  }
}

copy(workerData as SqliteCopyJob).then(
  (answer) => parentPort?.postMessage(answer),
  (err: unknown) => parentPort?.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) } satisfies SqliteCopyAnswer),
);
