import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { startThread, stopThread } from '../threads.ts';
import type { CheckpointJob, CheckpointReport } from './checkpoint-thread.ts';

export interface Checkpointer { stop(): Promise<void> }

/**
 * Checkpoints a SQLite store's write-ahead log on a thread of its own (checkpoint-thread.ts), every `intervalMs`.
 * Left to the node's connection, a checkpoint runs inside the commit that fills the log (wal_autocheckpoint):
 * hundreds of milliseconds of copying and syncing on the node's only thread, every few seconds while batches
 * or imports pour in. The connection's own checkpoint stays as a backstop; it finds little left to copy.
 */
export function startCheckpointer(file: string, opts: { intervalMs: number; busyTimeoutMs: number; log: Logger }): Checkpointer {
  const job: CheckpointJob = { file, intervalMs: opts.intervalMs, busyTimeoutMs: opts.busyTimeoutMs };
  const worker: Worker = startThread(import.meta.url, 'checkpoint-thread', { workerData: job });
  // The thread never keeps a process alive that has nothing else to do.
  worker.unref();
  let lastError = '';
  worker.on('message', (m: CheckpointReport) => {
    // One line per kind of failure, not one per pass.
    if (m.error === lastError) return;
    lastError = m.error;
    opts.log.warn({ err: m.error }, 'background checkpoint of the write-ahead log failed; the connection checkpoints itself meanwhile');
  });
  worker.on('error', (err) => opts.log.error({ err: err.message }, 'checkpoint thread stopped'));
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      // A thread stuck in a pass (a lock held elsewhere) is ended after its lock wait would have.
      stopping ??= stopThread(worker, 'stop', opts.busyTimeoutMs + 1000);
      return stopping;
    },
  };
}
