import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/connection.ts';
import { ScopePolicy } from '../access/scope.ts';
import { readSubjectWithRecords } from '../records/service.ts';
import { isCreditNodeError } from '../errors.ts';
import { assembleReport } from './subject-report.ts';
import type { ReportAnswer, ReportJob, ReportThreadData } from './report-threads.ts';

// A report thread (report-threads.ts): reads subjects with their records on a read-only connection of its own and
// answers each with the report's JSON text, built by the same functions as on the node's thread.
const data = workerData as ReportThreadData;
const store = openStore({ client: 'sqlite', file: data.file, busyTimeoutMs: data.busyTimeoutMs }, { readonly: true });
let names: ReadonlyMap<string, string> = new Map();
let sectors: ReadonlyMap<string, string | null> = new Map();
const scope = new ScopePolicy(async () => sectors);
const port = parentPort;

async function answer(job: ReportJob): Promise<ReportAnswer> {
  if (job.directory) {
    names = new Map(job.directory.names);
    sectors = new Map(job.directory.sectors);
  }
  try {
    const found = await readSubjectWithRecords(store.knex, scope, job.key, job.principal);
    if (!found) return { id: job.id, missing: true };
    const report = assembleReport(found, names, job.purpose);
    return { id: job.id, json: JSON.stringify(report), count: report.records.length };
  } catch (err) {
    if (isCreditNodeError(err)) return { id: job.id, error: { code: err.code, status: err.status, message: err.message, details: err.details } };
    return { id: job.id, error: { message: err instanceof Error ? err.message : String(err) } };
  }
}

port?.on('message', (job: ReportJob | 'close') => {
  if (job === 'close') {
    store.close().finally(() => port.close());
    return;
  }
  answer(job).then((a) => port.postMessage(a), (err: unknown) => port.postMessage({ id: job.id, error: { message: String(err) } }));
});
