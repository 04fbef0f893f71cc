import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/connection.ts';
import { ScopePolicy } from '../access/scope.ts';
import { PersonalIdVault } from '../access/personal-id.ts';
import { readSubjectWithRecords } from '../records/service.ts';
import { isCreditNodeError } from '../errors.ts';
import { assembleReport } from './subject-report.ts';
import { searchSubjects } from './search.ts';
import type { QueryAnswer, QueryJob, QueryThreadData } from './query-threads.ts';

// A query thread (query-threads.ts): reads on a read-only connection of its own and answers each report or search
// with its JSON text, built by the same functions as on the node's thread.
const data = workerData as QueryThreadData;
const store = openStore({ client: 'sqlite', file: data.file, busyTimeoutMs: data.busyTimeoutMs }, { readonly: true });
// Only the keyed hash is used here (a searched ID number); numbers are never decrypted on this thread.
const vault = new PersonalIdVault(Buffer.from(data.dataKey));
let names: ReadonlyMap<string, string> = new Map();
let sectors: ReadonlyMap<string, string | null> = new Map();
const scope = new ScopePolicy(async () => sectors);
const port = parentPort;

async function answer(job: QueryJob): Promise<QueryAnswer> {
  if (job.directory) {
    names = job.directory.names;
    sectors = job.directory.sectors;
  }
  try {
    if (job.kind === 'search') {
      const result = await searchSubjects(store.knex, job.q, { ...job.options, subjectKeyOf: (code) => vault.hash(code) });
      return { id: job.id, json: JSON.stringify(result), count: result.items.length, query: result.query };
    }
    const found = await readSubjectWithRecords(store.knex, scope, job.key, job.principal);
    if (!found) return { id: job.id, missing: true };
    const report = assembleReport(found, names, job.purpose);
    return { id: job.id, json: JSON.stringify(report), count: report.records.length };
  } catch (err) {
    if (isCreditNodeError(err)) return { id: job.id, error: { code: err.code, status: err.status, message: err.message, details: err.details } };
    return { id: job.id, error: { message: err instanceof Error ? err.message : String(err) } };
  }
}

port?.on('message', (job: QueryJob | 'close') => {
  if (job === 'close') {
    store.close().finally(() => port.close());
    return;
  }
  answer(job).then((a) => port.postMessage(a), (err: unknown) => port.postMessage({ id: job.id, error: { message: String(err) } }));
});
