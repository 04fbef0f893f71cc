import { statSync } from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Encoding, ImportFormat } from './readers/types.ts';
import { RejectsReport } from './rejects.ts';
import { ProgressBar } from './progress.ts';
import type { RecordService } from './service.ts';
import type { Store } from '../store/connection.ts';
import type { Clock } from '../clock.ts';
import type { PreparedBatch } from './import-rows.ts';
import type { ImportWorkerData, WorkerMessage } from './import-worker.ts';
import { CreditNodeError, ImportFileUnreadable } from '../errors.ts';
import { startThread } from '../threads.ts';

export interface ImportOptions {
  category: string;
  file: string;
  format?: ImportFormat;
  encoding?: Encoding;
  sourceUnit?: { code: string; name: string };
  rejectsDir: string;
  batchSize: number;
  /** Show a progress bar on stderr (the CLI turns it on for files big enough to wait for). */
  progress?: boolean;
}

export interface ImportSummary {
  file: string;
  category: string;
  rows: number;
  accepted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  rejectsFile: string | null;
}

export interface ImportDeps {
  store: Store;
  records: RecordService;
  clock: Clock;
  /** The node's data key (personal ID encryption), handed to the reading thread. */
  dataKey: Buffer;
  legacyCodes: string[];
}

// The reader needs little heap: a small young generation keeps the process's memory flat and low.
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 };

/** Starts the reading thread (import-worker). */
const startWorker = (data: ImportWorkerData): Worker => startThread(import.meta.url, 'import-worker', { workerData: data, resourceLimits: WORKER_LIMITS });

/**
 * Streams a file into the store. A reading thread parses, maps and validates rows; this thread writes them a
 * batch per transaction, so memory stays flat, both cores work, and a crash loses at most the batch in flight
 * (a re-run is idempotent). Bad rows never stop the file: they go to the rejects report. A file that cannot be
 * read at all fails before anything is written.
 */
export async function importFile(deps: ImportDeps, opts: ImportOptions): Promise<ImportSummary> {
  const total = statSync(opts.file).size;
  const bar = new ProgressBar({ total, label: '导入中', enabled: opts.progress ?? false });
  const stamp = deps.clock().toISOString().replace(/[:.]/g, '-');
  const rejects = new RejectsReport(path.join(opts.rejectsDir, `${path.basename(opts.file)}.${stamp}.rejects.csv`));
  const summary: ImportSummary = { file: path.resolve(opts.file), category: opts.category, rows: 0, accepted: 0, updated: 0, unchanged: 0, rejected: 0, rejectsFile: null };

  const worker = startWorker({
    opts: {
      category: opts.category,
      file: opts.file,
      batchSize: opts.batchSize,
      ...(opts.format ? { format: opts.format } : {}),
      ...(opts.encoding ? { encoding: opts.encoding } : {}),
      ...(opts.sourceUnit ? { sourceUnit: opts.sourceUnit } : {}),
    },
    dataKey: new Uint8Array(deps.dataKey),
    legacyCodes: deps.legacyCodes,
    nowIso: deps.clock().toISOString(),
  });

  const write = async (batch: PreparedBatch) => {
    summary.rows += batch.rows;
    for (const r of batch.rejects) {
      summary.rejected += 1;
      rejects.add(r.rowNumber, r.problems);
    }
    if (batch.records.length > 0) {
      const written = await deps.store.knex.transaction((trx) => deps.records.write(trx, batch.records));
      for (const r of written) {
        if (r.status === 'created') summary.accepted += 1;
        else if (r.status === 'updated') summary.updated += 1;
        else if (r.status === 'unchanged') summary.unchanged += 1;
        else if (r.status === 'rejected') {
          summary.rejected += 1;
          rejects.add(r.index, r.errors ?? []);
        }
      }
    }
    bar.update(batch.bytes, { rows: summary.rows });
  };

  try {
    await new Promise<void>((resolve, reject) => {
      let chain = Promise.resolve();
      let settled = false;
      const fail = (err: unknown) => { if (!settled) { settled = true; reject(err); } };
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'batch') {
          // Batches are written strictly in file order, one transaction each.
          chain = chain.then(() => write(m.batch)).then(() => worker.postMessage('ack'), fail);
        } else if (m.type === 'done') {
          chain.then(() => { if (!settled) { settled = true; resolve(); } }, fail);
        } else {
          const err = m.code === 'IMPORT_FILE_UNREADABLE' || !m.code
            ? new ImportFileUnreadable(m.message, m.details as Record<string, unknown> | undefined)
            : new CreditNodeError(m.code, 400, m.message);
          chain.then(() => fail(err), fail);
        }
      });
      worker.on('error', (err) => fail(new ImportFileUnreadable(`读取文件时出错：${err.message}`)));
      worker.on('exit', (code) => { if (code !== 0) fail(new ImportFileUnreadable(`读取线程异常退出（${code}）`)); });
    });
  } finally {
    await worker.terminate();
    summary.rejectsFile = await rejects.close();
    bar.finish();
  }
  return summary;
}
