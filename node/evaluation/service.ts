import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { EvaluationConfig } from '../config/types.ts';
import { BadRequest } from '../errors.ts';
import { chinaDay } from '../publicity/visibility.ts';
import { loadModels, type EvaluatedType, type EvaluationModel, type ModelSet, type SubjectType } from './model.ts';
import { scorer, type Factor, type Score, type SubjectFacts } from './score.ts';
import { factsOf, inputsDigest, type SubjectRef } from './facts.ts';
import { evaluationsRepo, type EvaluationRow, type HistoryRow, type QueueEntry } from './evaluations-repo.ts';

/** What the subject page, the credit report and the APIs show (CONTRACT.md: the subject view's `evaluation`). */
export interface EvaluationView {
  grade: string;
  gradeText: string;
  score: number;
  modelVersion: string;
  asOf: string;
  factors: Factor[];
}

/** A stored result: the view with its subject, when it was computed and the digest of its inputs. */
export interface EvaluationResult extends EvaluationView {
  subjectKey: string;
  subjectType: string;
  computedAt: string;
  inputsDigest: string;
}

/** A subject whose type the model does not evaluate (natural persons under 2026.1). */
export interface NotEvaluated { subjectKey: string; subjectType: string; modelVersion: string; evaluated: false; note: string }

export interface RunSummary { modelVersion: string; asOf: string; subjects: number; written: number; gradeChanges: number; batches: number; ms: number }
export interface QueueSummary { subjects: number; written: number; gradeChanges: number; batches: number; ms: number }

export interface EvaluationServiceDeps {
  db: Knex;
  clock: Clock;
  log: Logger;
  models: ModelSet;
  /** Subjects per batch (config `evaluation.batchSize`). */
  batchSize: number;
  /** Subjects whose records are read and scored together inside a batch (default 1000). */
  sliceSize?: number;
}

export interface EvaluateOptions {
  /** A model version in the folder (default: the one in use). */
  model?: string;
  /** YYYY-MM-DD: evaluate as of that day (default: today, China time). */
  asOf?: string;
}

/** A subject as the callers name it: its key (USCC, or the keyed hash of an ID number) or its id. */
export type SubjectRefInput = string | number;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A subject by key or id, as the service reads it. */
async function findSubject(db: Knex, ref: SubjectRefInput): Promise<SubjectRef | undefined> {
  return typeof ref === 'number' ? evaluationsRepo.subjectById(db, ref) : evaluationsRepo.subjectByKey(db, ref);
}

function toView(row: EvaluationRow): EvaluationView {
  const tuples = JSON.parse(row.factors) as Array<[string, string, string | number | null, number, string]>;
  return {
    grade: row.grade,
    gradeText: '',
    score: Number(row.score),
    modelVersion: row.model_version,
    asOf: row.as_of,
    factors: tuples.map(([indicator, label, value, points, note]) => ({ indicator, label, value, points, note })),
  };
}

/**
 * Credit evaluation (信用评价) over the node's three databases: each subject's standing records scored by a
 * versioned model (model.ts, score.ts), results kept per subject and model version with the history of grade
 * changes. Full runs stream subjects in id order in batches (a few set-based reads and one write transaction per
 * batch, so memory stays flat); changed subjects wait in `evaluation_queue` and are re-evaluated by processQueue.
 */
export class EvaluationService {
  private queueRun: Promise<QueueSummary> | undefined;
  private queueAgain = false;
  private kickTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: EvaluationServiceDeps) {}

  /** The service with the models of config `evaluation` (throws ConfigInvalid naming a bad model file). */
  static open(deps: Omit<EvaluationServiceDeps, 'models' | 'batchSize'> & { config: EvaluationConfig; categories?: Iterable<string> }): EvaluationService {
    const models = loadModels(deps.config.models, { ...(deps.config.model ? { use: deps.config.model } : {}), ...(deps.categories ? { categories: deps.categories } : {}) });
    return new EvaluationService({ db: deps.db, clock: deps.clock, log: deps.log, models, batchSize: deps.config.batchSize, ...(deps.sliceSize ? { sliceSize: deps.sliceSize } : {}) });
  }

  /** The model in use. */
  get currentModel(): EvaluationModel {
    return this.deps.models.current;
  }

  /** Every model version in the folder, oldest first. */
  versions(): string[] {
    return [...this.deps.models.models.keys()];
  }

  /** A model by version (the one in use when none is given); BadRequest naming the versions there are. */
  model(version?: string): EvaluationModel {
    if (version === undefined) return this.deps.models.current;
    const m = this.deps.models.models.get(version);
    if (!m) throw new BadRequest(`没有版本为 ${version} 的评价模型（现有：${this.versions().join('、')}）`, [{ path: 'model', message: '未知的模型版本' }]);
    return m;
  }

  private day(asOf?: string): string {
    if (asOf === undefined) return chinaDay(this.deps.clock());
    if (!DAY.test(asOf) || Number.isNaN(Date.parse(asOf))) throw new BadRequest(`评价日期格式应为 YYYY-MM-DD：${asOf}`, [{ path: 'asOf', message: '日期格式不正确' }]);
    return asOf;
  }

  /**
   * Scores a batch of subjects (those of types the model evaluates) from a few set-based reads per slice of
   * subjects (sliceSize): a slice's parsed records die young instead of living through the whole batch.
   */
  private async scoreBatch(db: Knex | Knex.Transaction, subjects: readonly SubjectRef[], model: EvaluationModel, asOf: string): Promise<EvaluationResult[]> {
    const evaluated = subjects.filter((s) => model.evaluatedTypes.includes(s.type as SubjectType));
    const computedAt = this.deps.clock().toISOString();
    const scorers = new Map<string, (f: SubjectFacts) => Score>();
    const out: EvaluationResult[] = [];
    const size = this.deps.sliceSize ?? 1000;
    for (let i = 0; i < evaluated.length; i += size) {
      const slice = evaluated.slice(i, i + size);
      const records = await evaluationsRepo.recordsOf(db, slice.map((s) => Number(s.id)), model.categories, model.bodyCategories);
      const tickets = await evaluationsRepo.ticketsOf(db, slice.map((s) => s.key), model.ticketTypes);
      const facts = factsOf(slice, records, tickets);
      for (const s of slice) {
        let score = scorers.get(s.type);
        if (!score) scorers.set(s.type, (score = scorer(model.subjectTypes[s.type as SubjectType] as EvaluatedType, asOf)));
        const f = facts.get(Number(s.id)) as SubjectFacts;
        const r = score(f);
        out.push({
          subjectKey: s.key, subjectType: s.type, modelVersion: model.version, score: r.score, grade: r.grade, gradeText: r.gradeText,
          factors: r.factors, asOf, computedAt, inputsDigest: inputsDigest(model.version, asOf, s.type, f),
        });
      }
    }
    return out;
  }

  /**
   * Stores results (those whose inputs changed since the stored one) and appends a history row for each first
   * result or change of grade. In the caller's transaction.
   */
  private async persist(trx: Knex.Transaction, subjects: readonly SubjectRef[], results: readonly EvaluationResult[]): Promise<{ written: number; gradeChanges: number }> {
    if (results.length === 0) return { written: 0, gradeChanges: 0 };
    const idOf = new Map(subjects.map((s) => [s.key, Number(s.id)]));
    const version = (results[0] as EvaluationResult).modelVersion;
    const stored = await evaluationsRepo.current(trx, version, results.map((r) => idOf.get(r.subjectKey) as number));
    const rows: EvaluationRow[] = [];
    const history: HistoryRow[] = [];
    for (const r of results) {
      const id = idOf.get(r.subjectKey) as number;
      const prior = stored.get(id);
      if (prior?.inputs_digest === r.inputsDigest) continue;
      rows.push({
        model_version: r.modelVersion, subject_id: id, subject_type: r.subjectType, grade: r.grade, score: r.score, as_of: r.asOf,
        computed_at: r.computedAt, inputs_digest: r.inputsDigest, factors: JSON.stringify(r.factors.map((f) => [f.indicator, f.label, f.value, f.points, f.note])),
      });
      if (!prior || prior.grade !== r.grade) {
        history.push({
          subject_id: id, model_version: r.modelVersion, grade: r.grade, previous_grade: prior?.grade ?? null, score: r.score,
          previous_score: prior?.score ?? null, as_of: r.asOf, computed_at: r.computedAt, inputs_digest: r.inputsDigest,
        });
      }
    }
    await evaluationsRepo.save(trx, rows, history);
    return { written: rows.length, gradeChanges: history.filter((h) => h.previous_grade !== null).length };
  }

  /** Evaluates one subject now and stores the result; undefined when there is no such subject. */
  async evaluateSubject(ref: SubjectRefInput, opts: EvaluateOptions = {}): Promise<EvaluationResult | NotEvaluated | undefined> {
    const model = this.model(opts.model);
    const asOf = this.day(opts.asOf);
    const subject = await findSubject(this.deps.db, ref);
    if (!subject) return undefined;
    const t = model.subjectTypes[subject.type as SubjectType];
    if (!t?.evaluated) return { subjectKey: subject.key, subjectType: subject.type, modelVersion: model.version, evaluated: false, note: t?.note ?? '不予评价' };
    const [result] = await this.scoreBatch(this.deps.db, [subject], model, asOf);
    await this.deps.db.transaction((trx) => this.persist(trx, [subject], result ? [result] : []));
    return result;
  }

  /**
   * Evaluates every subject of the types the model evaluates, in id order, batch by batch (config batchSize), and
   * records the run. Results are kept per model version: another version's results stay as they are.
   */
  async evaluateAll(opts: EvaluateOptions & { onBatch?: (done: number) => void } = {}): Promise<RunSummary> {
    const model = this.model(opts.model);
    const asOf = this.day(opts.asOf);
    const { db, clock, log } = this.deps;
    const started = performance.now();
    const runId = await evaluationsRepo.startRun(db, model.version, asOf, clock().toISOString());
    const summary: RunSummary = { modelVersion: model.version, asOf, subjects: 0, written: 0, gradeChanges: 0, batches: 0, ms: 0 };
    let after = 0;
    for (;;) {
      const subjects = await evaluationsRepo.subjectsAfter(db, after, this.deps.batchSize, model.evaluatedTypes);
      if (subjects.length === 0) break;
      after = Number((subjects[subjects.length - 1] as SubjectRef).id);
      const results = await this.scoreBatch(db, subjects, model, asOf);
      const w = await db.transaction((trx) => this.persist(trx, subjects, results));
      summary.subjects += results.length;
      summary.written += w.written;
      summary.gradeChanges += w.gradeChanges;
      summary.batches += 1;
      opts.onBatch?.(summary.subjects);
      if (subjects.length < this.deps.batchSize) break;
    }
    await evaluationsRepo.finishRun(db, runId, clock().toISOString(), summary.subjects);
    summary.ms = Math.round(performance.now() - started);
    log.info({ ...summary }, 'credit evaluation: full run finished');
    return summary;
  }

  /**
   * Re-evaluates the queued subjects under the model in use, as of today, batch by batch until the queue is empty.
   * A subject queued again while it was being evaluated stays queued (its generation changed) and is evaluated
   * again. Calls while a run is going join it (and make it look at the queue once more before it ends).
   */
  processQueue(): Promise<QueueSummary> {
    if (this.queueRun) {
      this.queueAgain = true;
      return this.queueRun;
    }
    const run = (async () => {
      const total: QueueSummary = { subjects: 0, written: 0, gradeChanges: 0, batches: 0, ms: 0 };
      const started = performance.now();
      do {
        this.queueAgain = false;
        await this.drainQueue(total);
      } while (this.queueAgain);
      total.ms = Math.round(performance.now() - started);
      if (total.subjects > 0) this.deps.log.info({ ...total }, 'credit evaluation: changed subjects re-evaluated');
      return total;
    })();
    this.queueRun = run.finally(() => { this.queueRun = undefined; });
    return this.queueRun;
  }

  private async drainQueue(total: QueueSummary): Promise<void> {
    const { db } = this.deps;
    const model = this.deps.models.current;
    for (;;) {
      const entries: QueueEntry[] = await evaluationsRepo.peekQueue(db, this.deps.batchSize);
      if (entries.length === 0) return;
      const asOf = this.day();
      const subjects = await evaluationsRepo.subjectsByIds(db, entries.map((e) => Number(e.subject_id)));
      const results = await this.scoreBatch(db, subjects, model, asOf);
      const w = await db.transaction(async (trx) => {
        const written = await this.persist(trx, subjects, results);
        await evaluationsRepo.unqueue(trx, entries);
        return written;
      });
      total.subjects += results.length;
      total.written += w.written;
      total.gradeChanges += w.gradeChanges;
      total.batches += 1;
    }
  }

  /** Runs processQueue soon (calls within 200 ms are one run); failures are logged, the queue keeps its entries. */
  kick(): void {
    if (this.kickTimer) return;
    this.kickTimer = setTimeout(() => {
      this.kickTimer = undefined;
      this.processQueue().catch((err: unknown) => this.deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'credit evaluation of changed subjects failed, will retry'));
    }, 200);
    this.kickTimer.unref();
  }

  /** Waits for a queue run in flight and cancels a pending kick (for a clean stop). */
  async idle(): Promise<void> {
    if (this.kickTimer) clearTimeout(this.kickTimer);
    this.kickTimer = undefined;
    await this.queueRun?.catch(() => undefined);
  }

  /** Subjects waiting in the queue. */
  queueSize(): Promise<number> {
    return evaluationsRepo.queueSize(this.deps.db);
  }

  /** The stored result of a subject under the model in use (or `model`); undefined when there is none. */
  async resultFor(ref: SubjectRefInput, opts: { model?: string } = {}): Promise<EvaluationView | undefined> {
    const model = this.model(opts.model);
    const id = typeof ref === 'number' ? ref : (await evaluationsRepo.subjectByKey(this.deps.db, ref))?.id;
    if (id === undefined) return undefined;
    const row = await evaluationsRepo.result(this.deps.db, model.version, Number(id));
    if (!row) return undefined;
    const view = toView(row);
    return { ...view, gradeText: this.gradeText(model, row.subject_type, row.grade) };
  }

  /** A subject's stored results under every model version, and its recent grade changes (newest first). */
  async explain(ref: SubjectRefInput, limit = 20): Promise<{ subjectKey: string; subjectType: string; results: EvaluationView[]; history: Array<Omit<HistoryRow, 'subject_id'>> } | undefined> {
    const subject = await findSubject(this.deps.db, ref);
    if (!subject) return undefined;
    const rows = await evaluationsRepo.results(this.deps.db, Number(subject.id));
    const results = rows.map((r) => {
      const m = this.deps.models.models.get(r.model_version);
      return { ...toView(r), gradeText: m ? this.gradeText(m, r.subject_type, r.grade) : '' };
    });
    const history = (await evaluationsRepo.history(this.deps.db, Number(subject.id), limit)).map(({ subject_id: _s, id: _i, ...h }) => ({ ...h, score: Number(h.score), previous_score: h.previous_score === null ? null : Number(h.previous_score) }));
    return { subjectKey: subject.key, subjectType: subject.type, results, history };
  }

  /** Counts of results per grade under a model (the one in use by default), and its last full run. */
  async stats(version?: string): Promise<{ modelVersion: string; grades: Record<string, number>; lastRun: { asOf: string; finishedAt: string | null; subjects: number } | null; queued: number }> {
    const model = this.model(version);
    const grades: Record<string, number> = {};
    for (const g of await evaluationsRepo.gradeCounts(this.deps.db, model.version)) grades[g.grade] = Number(g.n);
    const run = await evaluationsRepo.lastRun(this.deps.db, model.version);
    return { modelVersion: model.version, grades, lastRun: run ? { asOf: run.as_of, finishedAt: run.finished_at, subjects: Number(run.subjects) } : null, queued: await this.queueSize() };
  }

  /** Whether a full run under the model in use has finished for today (the scheduled run skips then). */
  async ranToday(): Promise<boolean> {
    const run = await evaluationsRepo.lastRun(this.deps.db, this.deps.models.current.version);
    return run?.as_of === this.day();
  }

  private gradeText(model: EvaluationModel, type: string, grade: string): string {
    const t = model.subjectTypes[type as SubjectType];
    return t?.evaluated ? (t.grades.find((g) => g.grade === grade)?.text ?? '') : '';
  }
}

/**
 * Queues subjects for re-evaluation, in the caller's transaction: call it in every path that writes records
 * (local ingest and import, records received from other nodes, status changes) so the queue commits with them.
 */
export function queueSubjects(trx: Knex | Knex.Transaction, subjectIds: readonly number[], at: string = new Date().toISOString()): Promise<void> {
  return evaluationsRepo.queue(trx, subjectIds, at);
}

/** queueSubjects by subject key (USCC, or the keyed hash of an ID number), for paths that know keys, not ids. */
export function queueSubjectKeys(trx: Knex | Knex.Transaction, keys: readonly string[], at: string = new Date().toISOString()): Promise<void> {
  return evaluationsRepo.queueKeys(trx, keys, at);
}
