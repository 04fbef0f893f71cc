// Credit evaluation benchmark (issue: third-party access and credit evaluation). On the store the query benchmark
// builds (a province node of the built program holding about S subjects and R records of every category, loaded
// through `credit-node import`; setup, not timed, kept under --store and reused), in the same run:
//   raw baseline   the reads a full evaluation makes, as bare SQL on the node's SQLite file in this process: the
//                  evaluated subjects in id order in batches, each batch's standing records (with the bodies of the
//                  categories the model reads fields of) in the same two statements, every body parsed; no
//                  scoring, no writes: the most a full evaluation can reach on this machine;
//   full           `credit-node evaluate --all` in its own process (results of earlier runs cleared first, so
//                  every result and its first history row is written): subjects/s and the process's peak RSS;
//   changes        new versions of C organisations' penalties (severity turned) ingested through RecordService
//                  in batches of 1,000, their subjects queued;
//   incremental    `credit-node evaluate --pending` in its own process: the queued subjects re-evaluated.
//   npm run bench -- evaluate [--subjects N] [--records N] [--changes C] [--store DIR] [--fresh] [--seed S]
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { NodeProcess, root } from './_proc.ts';
import { benchStore, storeFile } from './_store.ts';
import { loadConfig } from '../../node/config/load.ts';
import { openNode } from '../../node/app.ts';
import { loadModels } from '../../node/evaluation/model.ts';
import { queueSubjectKeys } from '../../node/evaluation/service.ts';
import { STANDING_STATUSES } from '../../node/publicity/visibility.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const say = (s: string) => process.stderr.write(`${s}\n`);
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

interface Step { label: string; subjects: number; ms: number; peak?: number; note?: string }

function line(s: Step, base?: Step): string {
  const perSecond = s.ms > 0 ? (s.subjects / s.ms) * 1000 : 0;
  const ratio = base && base.ms > 0 ? `   ${(perSecond / ((base.subjects / base.ms) * 1000)).toFixed(3)}` : '';
  return `${s.label.padEnd(46)} ${fmt(s.subjects).padStart(11)} ${(s.ms / 1000).toFixed(1).padStart(9)} ${fmt(perSecond).padStart(11)} ${(s.peak ? mb(s.peak) : '').padStart(9)}${ratio}${s.note ? `   ${s.note}` : ''}`;
}
const HEADER = `${'step'.padEnd(46)} ${'subjects'.padStart(11)} ${'seconds'.padStart(9)} ${'subjects/s'.padStart(11)} ${'peak RSS'.padStart(9)}   ratio to raw`;

/** The reads of a full evaluation as bare SQL: batches of subjects, their standing records, every body parsed. */
function rawBaseline(file: string, batchSize: number, types: readonly string[], categories: ReadonlySet<string>, bodyCategories: ReadonlySet<string>): Step {
  const db = new Database(file, { readonly: true });
  db.pragma('cache_size = -16384');
  const withBody = [...categories].filter((c) => bodyCategories.has(c));
  const without = [...categories].filter((c) => !bodyCategories.has(c));
  const marks = (n: number) => new Array<string>(n).fill('?').join(', ');
  const next = db.prepare(`select "id", "type", "key" from "subjects" where "id" > ? and "type" in (${marks(types.length)}) order by "id" limit ?`);
  const cols = 'r."id", r."subject_id", r."version", r."category", r."severity", r."decision_date"';
  const standing = STANDING_STATUSES as string[];
  const start = performance.now();
  let after = 0;
  let subjects = 0;
  let records = 0;
  for (;;) {
    const batch = next.all(after, ...types, batchSize) as Array<{ id: number }>;
    if (batch.length === 0) break;
    after = (batch[batch.length - 1] as { id: number }).id;
    const ids = batch.map((s) => s.id);
    const where = `r."subject_id" in (${marks(ids.length)}) and r."status" in (${marks(standing.length)})`;
    const bodies = db.prepare(`select ${cols}, e."body" from "records" r join "events" e on e."origin" = r."origin" and e."seq" = r."seq" where ${where} and r."category" in (${marks(withBody.length)})`).all(...ids, ...standing, ...withBody) as Array<{ body: string }>;
    for (const r of bodies) JSON.parse(r.body);
    const plain = without.length ? db.prepare(`select ${cols} from "records" r where ${where} and r."category" in (${marks(without.length)})`).all(...ids, ...standing, ...without) : [];
    subjects += batch.length;
    records += bodies.length + plain.length;
    if (batch.length < batchSize) break;
  }
  const ms = performance.now() - start;
  db.close();
  return { label: 'raw SQLite: the same reads, no scoring/writes', subjects, ms, note: `${fmt(records)} records read` };
}

/** Runs the built program's `evaluate` with `args` in its own process, sampling its memory. */
async function evaluateCli(dir: string, args: string[]): Promise<{ result: Record<string, number>; ms: number; peak: number }> {
  const config = path.join(dir, 'node', 'credit-node.json');
  const start = performance.now();
  const proc = new NodeProcess('evaluate', ['evaluate', ...args, '--config', config], path.join(dir, 'evaluate.log'));
  const code = await proc.exited;
  const ms = performance.now() - start;
  if (code !== 0) throw new Error(`credit-node evaluate ${args.join(' ')} exited ${code}:\n${proc.logTail()}`);
  const out = proc.output().trim().split('\n').pop() ?? '{}';
  return { result: JSON.parse(out) as Record<string, number>, ms, peak: proc.peak };
}

/** Organisations' penalties picked at random, as new versions with the severity turned (general ↔ serious). */
function changedPenalties(file: string, count: number): Array<Record<string, unknown>> {
  const db = new Database(file, { readonly: true });
  const rows = db.prepare(`select e."body" from (select "origin", "seq" from "records" where "category" = 'administrative_penalty' and "subject_type" <> 'natural_person' and "status" = 'active' order by random() limit ?) r join "events" e on e."origin" = r."origin" and e."seq" = r."seq"`).all(count) as Array<{ body: string }>;
  db.close();
  return rows.map(({ body }) => {
    const b = JSON.parse(body) as { category: string; externalId: string; subject: { type: string; code: string; name: string }; sourceUnit: unknown; decisionDate: string; severity?: string; data: Record<string, unknown>; sealed?: Record<string, string> };
    const data = { ...b.data };
    // Personal ID numbers are stored masked (their ciphertext apart): a new version leaves them out.
    for (const p of Object.keys(b.sealed ?? {})) delete data[p.replace(/^data\./, '')];
    return {
      category: b.category, externalId: b.externalId, subject: { type: b.subject.type, code: b.subject.code, name: b.subject.name },
      sourceUnit: b.sourceUnit, decisionDate: b.decisionDate, severity: b.severity === 'serious' ? 'general' : 'serious', data,
    };
  });
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      subjects: { type: 'string', default: '1000000' },
      records: { type: 'string', default: '5000000' },
      changes: { type: 'string', default: '10000' },
      store: { type: 'string' },
      fresh: { type: 'boolean', default: false },
      seed: { type: 'string', default: '2026' },
    },
  });
  const subjects = Number(values.subjects);
  const records = Number(values.records);
  const changes = Number(values.changes);
  const seed = Number(values.seed);
  for (const [k, v] of Object.entries({ subjects, records, changes, seed })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`--${k} must be a positive integer`);
  }
  const dir = values.store ?? path.join(tmpdir(), `credit-node-bench-store-${subjects}-${records}-${seed}`);
  say('building the program (npm run build)');
  await new Promise<void>((resolve, reject) => {
    spawn('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' }).on('close', (c) => (c === 0 ? resolve() : reject(new Error('build failed'))));
  });
  const manifest = await benchStore(dir, subjects, records, seed, values.fresh);
  const file = storeFile(dir);
  const configFile = path.join(dir, 'node', 'credit-node.json');
  const config = loadConfig(configFile, {});
  const model = loadModels(config.evaluation.models, config.evaluation.model ? { use: config.evaluation.model } : {}).current;
  const batchSize = config.evaluation.batchSize;

  // Every run measures a first full evaluation: results, history and queue of earlier runs are cleared (not timed).
  const rw = new Database(file);
  for (const t of ['evaluations', 'evaluation_history', 'evaluation_runs', 'evaluation_queue']) rw.prepare(`delete from "${t}"`).run();
  const evaluated = (rw.prepare(`select count(*) as n from "subjects" where "type" in (${model.evaluatedTypes.map(() => '?').join(', ')})`).get(...model.evaluatedTypes) as { n: number }).n;
  rw.close();

  say(`raw baseline: the reads of a full evaluation of ${fmt(evaluated)} subjects as bare SQL`);
  const raw = rawBaseline(file, batchSize, model.evaluatedTypes, model.categories, model.bodyCategories);

  say(`full evaluation: credit-node evaluate --all (model ${model.version}, batches of ${fmt(batchSize)})`);
  const full = await evaluateCli(dir, ['--all']);
  const fullStep: Step = { label: 'full: credit-node evaluate --all', subjects: full.result['subjects'] ?? 0, ms: full.result['ms'] ?? full.ms, peak: full.peak, note: `process ${(full.ms / 1000).toFixed(1)} s` };

  say(`changes: new versions of ${fmt(changes)} penalties through RecordService`);
  const changed = changedPenalties(file, changes);
  const ctx = await openNode(config, { log: pino({ level: 'warn' }) });
  let ingestMs = 0;
  let queued = 0;
  try {
    const start = performance.now();
    for (let i = 0; i < changed.length; i += 1000) {
      const part = changed.slice(i, i + 1000);
      const results = await ctx.records.ingest(part);
      const bad = results.filter((r) => r.status !== 'updated');
      if (bad.length) throw new Error(`penalty changes not stored: ${JSON.stringify(bad.slice(0, 3))}`);
      await queueSubjectKeys(ctx.store.knex, part.map((r) => (r['subject'] as { code: string }).code));
    }
    ingestMs = performance.now() - start;
    queued = Number(((await ctx.store.knex('evaluation_queue').count({ n: '*' }).first()) as { n: number | string }).n);
  } finally {
    await ctx.close();
  }

  say(`incremental: credit-node evaluate --pending (${fmt(queued)} subjects queued)`);
  const pending = await evaluateCli(dir, ['--pending']);
  const incStep: Step = { label: 'incremental: credit-node evaluate --pending', subjects: pending.result['subjects'] ?? 0, ms: pending.result['ms'] ?? pending.ms, peak: pending.peak, note: `${fmt(pending.result['gradeChanges'] ?? 0)} grades changed; process ${(pending.ms / 1000).toFixed(1)} s` };

  const counts = manifest.counts;
  console.log(`\nEvaluation benchmark: ${fmt(counts['subjects'] ?? 0)} subjects (${fmt(evaluated)} evaluated: legal persons and non-enterprises), ${fmt(counts['records'] ?? 0)} records; model ${model.version}, batches of ${fmt(batchSize)}`);
  console.log(HEADER);
  console.log(line(raw));
  console.log(line(fullStep, raw));
  console.log(`${`changes: ${fmt(changed.length)} penalties ingested (RecordService)`.padEnd(46)} ${fmt(changed.length).padStart(11)} ${(ingestMs / 1000).toFixed(1).padStart(9)} ${fmt((changed.length / ingestMs) * 1000).padStart(11)}   records/s; ${fmt(queued)} subjects queued`);
  console.log(line(incStep, raw));
  console.log(`full run: ${fmt(full.result['written'] ?? 0)} results written in ${fmt(full.result['batches'] ?? 0)} batches; node version ${process.version}`);
  console.log(JSON.stringify({ bench: 'evaluate', counts, evaluated, model: model.version, batchSize, raw, full: { ...full.result, peakRss: full.peak, processMs: full.ms }, changes: { records: changed.length, ms: ingestMs, queued }, incremental: { ...pending.result, peakRss: pending.peak, processMs: pending.ms } }));
}
