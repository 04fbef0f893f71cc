import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** The store file, how often to look at its write-ahead log, and how long to wait for a lock when closing. */
export interface CheckpointJob { file: string; intervalMs: number; busyTimeoutMs: number }

/** What the thread reports: a pass that failed (the node logs it; the next pass tries again). */
export type CheckpointReport = { error: string };

/** Passes run back to back at most, while writes keep arriving during each (see pass()). */
const PASSES_PER_TICK = 4;

const job = workerData as CheckpointJob;
const db = new Database(job.file, { fileMustExist: true, timeout: job.busyTimeoutMs });
// A checkpoint ends by syncing the database file; NORMAL is what the node's own connection uses.
db.pragma('synchronous = NORMAL');
// This connection only checkpoints: it never starts one of its own after a write.
db.pragma('wal_autocheckpoint = 0');

/**
 * Copies what the log holds into the database file without waiting for the node's writer or readers (PASSIVE).
 * A pass that found all frames copied lets the writer start the log from its beginning at its next transaction,
 * so the -wal file stays small; while writes arrive during a pass, the next one copies those.
 */
function pass(): void {
  try {
    for (let i = 0; i < PASSES_PER_TICK; i++) {
      const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
      if (!r || r.log <= 0 || r.checkpointed >= r.log) break;
    }
  } catch (err) {
    parentPort?.postMessage({ error: (err as Error).message } satisfies CheckpointReport);
  }
}

const timer = setInterval(pass, job.intervalMs);
parentPort?.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
