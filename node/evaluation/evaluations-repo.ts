import type { Knex } from 'knex';
import { insertMany, isSqlite, onConnection } from '../store/bulk.ts';
import { selectRow, selectRows } from '../store/read.ts';
import { STANDING_STATUSES } from '../publicity/visibility.ts';
import type { FactRecordRow, FactTicketRow, SubjectRef } from './facts.ts';

type Db = Knex | Knex.Transaction;

export interface EvaluationRow {
  model_version: string;
  subject_id: number;
  subject_type: string;
  grade: string;
  score: number;
  as_of: string;
  computed_at: string;
  inputs_digest: string;
  factors: string;
}

export interface HistoryRow {
  subject_id: number;
  model_version: string;
  grade: string;
  previous_grade: string | null;
  score: number;
  previous_score: number | null;
  as_of: string;
  computed_at: string;
  inputs_digest: string;
}

export interface QueueEntry { subject_id: number; gen: number }
export interface RunRow { id: number; model_version: string; as_of: string; started_at: string; finished_at: string | null; subjects: number }

/** Ids per statement: well under both dialects' limits on bound variables. */
const CHUNK = 5000;

const marks = (n: number) => new Array<string>(n).fill('?').join(', ');

function chunks<T>(list: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

const UPSERT_QUEUE = 'on conflict ("subject_id") do update set "gen" = "evaluation_queue"."gen" + 1, "queued_at" = excluded."queued_at"';

/**
 * The only SQL over `evaluations`, `evaluation_history`, `evaluation_queue` and `evaluation_runs`, and the
 * evaluation's read-only look at other features' tables: subjects in id order, the standing records of a batch of
 * subjects (set-based, a few statements per batch) and the decided tickets about them. The records feature offers
 * reads per subject only; a full evaluation of a million subjects needs them per batch.
 */
export const evaluationsRepo = {
  /** The next `limit` subjects of the given types after `afterId`, in id order. */
  subjectsAfter: (db: Db, afterId: number, limit: number, types: readonly string[]) =>
    selectRows<SubjectRef>(db, `select "id", "type", "key" from "subjects" where "id" > ? and "type" in (${marks(types.length)}) order by "id" limit ?`, [afterId, ...types, limit]),

  async subjectsByIds(db: Db, ids: readonly number[]): Promise<SubjectRef[]> {
    const out: SubjectRef[] = [];
    for (const part of chunks(ids)) out.push(...(await selectRows<SubjectRef>(db, `select "id", "type", "key" from "subjects" where "id" in (${marks(part.length)})`, part)));
    return out;
  },

  subjectByKey: (db: Db, key: string) => selectRow<SubjectRef>(db, 'select "id", "type", "key" from "subjects" where "key" = ?', [key]),

  subjectById: (db: Db, id: number) => selectRow<SubjectRef>(db, 'select "id", "type", "key" from "subjects" where "id" = ?', [id]),

  /**
   * The standing records (active, disputed, corrected) of `categories` of these subjects; the body (from the
   * record's event) only for `bodyCategories`. Two statements per chunk of subjects.
   */
  async recordsOf(db: Db, subjectIds: readonly number[], categories: ReadonlySet<string>, bodyCategories: ReadonlySet<string>): Promise<FactRecordRow[]> {
    const out: FactRecordRow[] = [];
    const withBody = [...categories].filter((c) => bodyCategories.has(c));
    const without = [...categories].filter((c) => !bodyCategories.has(c));
    const standing = STANDING_STATUSES as string[];
    const cols = 'r."id", r."subject_id", r."version", r."category", r."severity", r."decision_date"';
    for (const part of chunks(subjectIds)) {
      const where = `r."subject_id" in (${marks(part.length)}) and r."status" in (${marks(standing.length)})`;
      if (withBody.length) {
        out.push(...(await selectRows<FactRecordRow>(db,
          `select ${cols}, e."body" from "records" r join "events" e on e."origin" = r."origin" and e."seq" = r."seq" where ${where} and r."category" in (${marks(withBody.length)})`,
          [...part, ...standing, ...withBody])));
      }
      if (without.length) {
        out.push(...(await selectRows<FactRecordRow>(db,
          `select ${cols}, null as "body" from "records" r where ${where} and r."category" in (${marks(without.length)})`,
          [...part, ...standing, ...without])));
      }
    }
    return out;
  },

  /** Decided tickets of `types` about these subjects (by subject key), read-only. */
  async ticketsOf(db: Db, keys: readonly string[], types: ReadonlySet<string>): Promise<FactTicketRow[]> {
    if (types.size === 0) return [];
    const out: FactTicketRow[] = [];
    for (const part of chunks(keys)) {
      out.push(...(await selectRows<FactTicketRow>(db,
        `select "number", "subject_key", "version", "type", "outcome", "updated_at" from "tickets" where "status" = 'resolved' and "type" in (${marks(types.size)}) and "subject_key" in (${marks(part.length)})`,
        [...types, ...part])));
    }
    return out;
  },

  /** The stored result's grade, score and digest of these subjects under a model. */
  async current(db: Db, modelVersion: string, subjectIds: readonly number[]): Promise<Map<number, { grade: string; score: number; inputs_digest: string }>> {
    const out = new Map<number, { grade: string; score: number; inputs_digest: string }>();
    for (const part of chunks(subjectIds)) {
      const rows = await selectRows<{ subject_id: number; grade: string; score: number; inputs_digest: string }>(db,
        `select "subject_id", "grade", "score", "inputs_digest" from "evaluations" where "model_version" = ? and "subject_id" in (${marks(part.length)})`, [modelVersion, ...part]);
      for (const r of rows) out.set(Number(r.subject_id), { grade: r.grade, score: Number(r.score), inputs_digest: r.inputs_digest });
    }
    return out;
  },

  /** Replaces the results of these subjects under their model, and appends their grade changes. */
  async save(trx: Knex.Transaction, rows: readonly EvaluationRow[], history: readonly HistoryRow[]): Promise<void> {
    const byModel = new Map<string, number[]>();
    for (const r of rows) {
      let ids = byModel.get(r.model_version);
      if (!ids) byModel.set(r.model_version, (ids = []));
      ids.push(r.subject_id);
    }
    for (const [model, ids] of byModel) {
      for (const part of chunks(ids)) await trx.raw(`delete from "evaluations" where "model_version" = ? and "subject_id" in (${marks(part.length)})`, [model, ...part]);
    }
    await insertMany(trx, 'evaluations', rows as unknown as Array<Record<string, unknown>>);
    await insertMany(trx, 'evaluation_history', history as unknown as Array<Record<string, unknown>>);
  },

  result: (db: Db, modelVersion: string, subjectId: number) =>
    selectRow<EvaluationRow>(db, 'select * from "evaluations" where "model_version" = ? and "subject_id" = ?', [modelVersion, subjectId]),

  /** The subject's results under every model version. */
  results: (db: Db, subjectId: number) =>
    selectRows<EvaluationRow>(db, 'select * from "evaluations" where "subject_id" = ? order by "model_version"', [subjectId]),

  /** Grade changes of a subject, newest first. */
  history: (db: Db, subjectId: number, limit: number) =>
    selectRows<HistoryRow & { id: number }>(db, 'select * from "evaluation_history" where "subject_id" = ? order by "id" desc limit ?', [subjectId, limit]),

  /** Counts of results per grade under a model. */
  gradeCounts: (db: Db, modelVersion: string) =>
    selectRows<{ grade: string; n: number }>(db, 'select "grade", count(*) as "n" from "evaluations" where "model_version" = ? group by "grade" order by "grade"', [modelVersion]),

  /** Queues subjects for re-evaluation; one queued again while waiting or being evaluated gets a new generation. */
  async queue(trx: Db, subjectIds: readonly number[], at: string): Promise<void> {
    const ids = [...new Set(subjectIds)];
    if (ids.length === 0) return;
    if (isSqlite(trx)) {
      await onConnection(trx, (conn) => {
        const stmt = conn.prepare(`insert into "evaluation_queue" ("subject_id", "gen", "queued_at") values (?, 0, ?) ${UPSERT_QUEUE}`);
        for (const id of ids) stmt.run(id, at);
      });
      return;
    }
    for (const part of chunks(ids)) {
      await trx.raw(`insert into "evaluation_queue" ("subject_id", "gen", "queued_at") values ${part.map(() => '(?, 0, ?)').join(', ')} ${UPSERT_QUEUE}`, part.flatMap((id) => [id, at]));
    }
  },

  /** Queues the subjects with these keys (USCC, or the keyed hash of an ID number); unknown keys are ignored. */
  async queueKeys(trx: Db, keys: readonly string[], at: string): Promise<void> {
    for (const part of chunks([...new Set(keys)])) {
      // The WHERE keeps SQLite from reading ON CONFLICT as part of the SELECT.
      await trx.raw(`insert into "evaluation_queue" ("subject_id", "gen", "queued_at") select "id", 0, ? from "subjects" where "key" in (${marks(part.length)}) ${UPSERT_QUEUE}`, [at, ...part]);
    }
  },

  peekQueue: (db: Db, limit: number) =>
    selectRows<QueueEntry>(db, 'select "subject_id", "gen" from "evaluation_queue" order by "subject_id" limit ?', [limit]),

  /** Removes queue entries still at the generation read (a subject queued again meanwhile stays queued). */
  async unqueue(trx: Knex.Transaction, entries: readonly QueueEntry[]): Promise<void> {
    const byGen = new Map<number, number[]>();
    for (const e of entries) {
      const g = Number(e.gen);
      let ids = byGen.get(g);
      if (!ids) byGen.set(g, (ids = []));
      ids.push(Number(e.subject_id));
    }
    for (const [gen, ids] of byGen) {
      for (const part of chunks(ids)) await trx.raw(`delete from "evaluation_queue" where "gen" = ? and "subject_id" in (${marks(part.length)})`, [gen, ...part]);
    }
  },

  async queueSize(db: Db): Promise<number> {
    const row = await selectRow<{ n: number | string }>(db, 'select count(*) as "n" from "evaluation_queue"');
    return Number(row?.n ?? 0);
  },

  async startRun(db: Db, modelVersion: string, asOf: string, at: string): Promise<number> {
    const [row] = (await db('evaluation_runs').insert({ model_version: modelVersion, as_of: asOf, started_at: at, subjects: 0 }).returning('id')) as Array<{ id: number } | number>;
    return typeof row === 'object' ? Number(row.id) : Number(row);
  },

  finishRun: (db: Db, id: number, at: string, subjects: number) => db('evaluation_runs').where({ id }).update({ finished_at: at, subjects }),

  /** The last completed full run under a model. */
  lastRun: (db: Db, modelVersion: string) =>
    selectRow<RunRow>(db, 'select * from "evaluation_runs" where "model_version" = ? and "finished_at" is not null order by "id" desc limit 1', [modelVersion]),
};
