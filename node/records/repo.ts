import type { Knex } from 'knex';
import { insertMany, insertManyReturningIds, selectByKeys } from '../store/bulk.ts';
import { selectRow, selectRows } from '../store/read.ts';
import type { StoredSubjectRef } from './types.ts';


export interface RecordRow {
  id: string;
  source_unit_code: string;
  source_unit_name: string;
  category: string;
  external_id: string;
  subject_id: number;
  subject_type: string;
  severity: string | null;
  decision_date: string;
  version: number;
  status: string;
  publicity: string;
  publish_from: string | null;
  publish_until: string | null;
  /** The publicity rule set version applied (publicity/rules.ts). */
  publicity_rule: string | null;
  /** Set by the withdrawal job once the window has ended (publicity/withdrawal.ts); a new version clears it. */
  withdrawn_at: string | null;
  origin: string;
  /** The event (origin, seq) whose body is this version of the record. */
  seq: number;
  body_hash: string;
  created_at: string;
  updated_at: string;
}

export interface VersionRow { record_id: string; version: number; op: string; status: string; body_hash: string; origin: string; seq: number; at: string }

/** A record row with its body, read from the event that produced it. */
export type RecordWithBody = RecordRow & { body: string };

/** A record row with its body, as one statement (the reads every query makes; store/read.ts). */
const SELECT_WITH_BODY = 'select r.*, e."body" from "records" r join "events" e on e."origin" = r."origin" and e."seq" = r."seq"';
const VERSION_COLUMNS = ['record_id', 'version', 'op', 'status', 'body_hash', 'origin', 'seq', 'at'];

/** What superseding a record needs of its current row. */
export type CurrentRow = Pick<RecordRow, 'id' | 'version' | 'body_hash' | 'status' | 'origin' | 'seq' | 'created_at' | 'updated_at' | 'source_unit_code' | 'category' | 'external_id'>;

export interface SubjectRow { id: number; type: string; key: string; name: string; region: string | null; created_at: string; updated_at: string }

export type RecordKey = [string, string, string];

export const keyString = (k: RecordKey) => `${k[0]}\u0001${k[1]}\u0001${k[2]}`;

/** The only SQL over `records`, `record_versions` and the subject tables (DESIGN.md §2). */
export const recordsRepo = {
  async findByKeys(db: Knex | Knex.Transaction, keys: RecordKey[]): Promise<Map<string, Pick<RecordRow, 'id' | 'version' | 'body_hash' | 'status' | 'created_at' | 'updated_at' | 'subject_id' | 'origin' | 'seq'>>> {
    const found = new Map<string, Pick<RecordRow, 'id' | 'version' | 'body_hash' | 'status' | 'created_at' | 'updated_at' | 'subject_id' | 'origin' | 'seq'>>();
    // Group by (source unit, category) so each lookup is an index range scan on the unique key
    // (a row-value IN list would not use the index on SQLite).
    const groups = new Map<string, { unit: string; category: string; ids: string[] }>();
    for (const [unit, category, externalId] of keys) {
      const g = `${unit}\u0001${category}`;
      let group = groups.get(g);
      if (!group) groups.set(g, (group = { unit, category, ids: [] }));
      group.ids.push(externalId);
    }
    for (const { unit, category, ids } of groups.values()) {
      const rows = await selectByKeys<RecordRow>(db, 'records', ['id', 'version', 'body_hash', 'status', 'created_at', 'updated_at', 'subject_id', 'origin', 'seq', 'external_id'], 'external_id', [...new Set(ids)], { source_unit_code: unit, category });
      for (const r of rows) found.set(keyString([unit, category, r.external_id]), r);
    }
    return found;
  },

  /** Current rows by record id, with their identity key (for records received from other nodes). */
  async byIds(db: Knex | Knex.Transaction, ids: string[]): Promise<Map<string, CurrentRow>> {
    const found = new Map<string, CurrentRow>();
    const columns = ['id', 'version', 'body_hash', 'status', 'origin', 'seq', 'created_at', 'updated_at', 'source_unit_code', 'category', 'external_id'];
    for (const r of await selectByKeys<CurrentRow>(db, 'records', columns, 'id', [...new Set(ids)])) found.set(r.id, { ...r, seq: Number(r.seq) });
    return found;
  },

  async subjectsByKeys(db: Knex | Knex.Transaction, keys: string[]): Promise<Map<string, SubjectRow>> {
    const found = new Map<string, SubjectRow>();
    for (const r of await selectByKeys<SubjectRow>(db, 'subjects', ['id', 'type', 'key', 'name', 'region', 'created_at', 'updated_at'], 'key', keys)) found.set(r.key, r);
    return found;
  },

  /**
   * Inserts new subjects with their detail rows in the database of their type; returns key → id. `seal` turns a
   * natural person's exchange ciphertext into the copy kept at rest (the node's current key version).
   */
  async insertSubjects(trx: Knex.Transaction, subjects: StoredSubjectRef[], at: string, seal: (cipher: string) => string): Promise<Map<string, number>> {
    const byKey = await insertManyReturningIds(trx, 'subjects', subjects.map((s) => ({ type: s.type, key: s.key, name: s.name, region: s.region ?? null, created_at: at, updated_at: at })), 'key');
    const detail = (type: string) => subjects.filter((s) => s.type === type);
    await insertMany(trx, 'legal_persons', detail('legal_person').map((s) => ({ subject_id: byKey.get(s.key), uscc: s.code, name: s.name, org_category: (s.code ?? '').slice(0, 2), region: s.region ?? null })));
    await insertMany(trx, 'non_enterprises', detail('non_enterprise').map((s) => ({ subject_id: byKey.get(s.key), uscc: s.code, name: s.name, org_category: (s.code ?? '').slice(0, 2), region: s.region ?? null })));
    await insertMany(trx, 'natural_persons', detail('natural_person').map((s) => ({ subject_id: byKey.get(s.key), id_hash: s.key, id_cipher: seal(s.codeCipher ?? ''), id_masked: s.codeMasked, name: s.name, region: s.region ?? null })));
    return byKey;
  },

  async renameSubject(trx: Knex.Transaction, subject: SubjectRow, name: string, at: string): Promise<void> {
    await trx('subjects').where({ id: subject.id }).update({ name, updated_at: at });
    const table = subject.type === 'legal_person' ? 'legal_persons' : subject.type === 'non_enterprise' ? 'non_enterprises' : 'natural_persons';
    await trx(table).where({ subject_id: subject.id }).update({ name });
  },

  insertRecords: (trx: Knex.Transaction, rows: RecordRow[]) => insertMany(trx, 'records', rows as unknown as Array<Record<string, unknown>>),

  async updateRecord(trx: Knex.Transaction, id: string, patch: Partial<RecordRow>): Promise<void> {
    await trx('records').where({ id }).update(patch);
  },

  insertVersions: (trx: Knex.Transaction, rows: VersionRow[]) => insertMany(trx, 'record_versions', rows as unknown as Array<Record<string, unknown>>),

  byId: (db: Knex, id: string) => selectRow<RecordWithBody>(db, `${SELECT_WITH_BODY} where r."id" = ?`, [id]),

  subjectById: (db: Knex, id: number) => selectRow<SubjectRow>(db, 'select * from "subjects" where "id" = ?', [id]),

  /**
   * The version history of every record of a subject, by record id, oldest first: one statement with a fixed text
   * whatever the number of records (a subject report asks for it on every query).
   */
  async versionsOfSubject(db: Knex, subjectId: number): Promise<Map<string, VersionRow[]>> {
    const out = new Map<string, VersionRow[]>();
    const rows = await selectRows<VersionRow>(db, `select ${VERSION_COLUMNS.map((c) => `v."${c}"`).join(', ')} from "records" r join "record_versions" v on v."record_id" = r."id" where r."subject_id" = ? order by v."record_id", v."version"`, [subjectId]);
    for (const v of rows) {
      let list = out.get(v.record_id);
      if (!list) out.set(v.record_id, (list = []));
      list.push(v);
    }
    return out;
  },

  versions: (db: Knex, id: string) =>
    selectRows<VersionRow>(db, `select ${VERSION_COLUMNS.map((c) => `"${c}"`).join(', ')} from "record_versions" where "record_id" = ? order by "version"`, [id]),

  subjectByKey: (db: Knex, key: string) => selectRow<SubjectRow>(db, 'select * from "subjects" where "key" = ?', [key]),

  recordsOfSubject: (db: Knex, subjectId: number) =>
    selectRows<RecordWithBody>(db, `${SELECT_WITH_BODY} where r."subject_id" = ? order by r."category", r."decision_date" desc`, [subjectId]),

  naturalPerson: (db: Knex, subjectId: number) =>
    selectRow<{ id_cipher: string; id_masked: string }>(db, 'select "id_cipher", "id_masked" from "natural_persons" where "subject_id" = ?', [subjectId]),

  /**
   * Records first stored in [from, to) (ISO instants; created_at is the time their origin wrote the first version),
   * counted per UTC hour (the caller turns hours into China days), category and the first four digits of the
   * subject's region; and all records per origin (the dashboard's figures). The window is a plain range on
   * created_at, so an index on that column serves it; subjects are joined by primary key.
   */
  async intake(db: Knex, from: string, to: string): Promise<{ byHour: Array<{ hour: string; category: string; city: string | null; n: number }>; byOrigin: Map<string, number> }> {
    const [hours, origins] = await Promise.all([
      selectRows<{ hour: string; category: string; city: string | null; n: number | string }>(db,
        `select substr(r."created_at", 1, 13) as "hour", r."category" as "category", substr(s."region", 1, 4) as "city", count(*) as "n"
           from "records" r join "subjects" s on s."id" = r."subject_id"
          where r."created_at" >= ? and r."created_at" < ? group by 1, 2, 3`, [from, to]),
      selectRows<{ origin: string; n: number | string }>(db, 'select "origin", count(*) as "n" from "records" group by "origin"'),
    ]);
    return {
      byHour: hours.map((h) => ({ hour: h.hour, category: h.category, city: h.city, n: Number(h.n) })),
      byOrigin: new Map(origins.map((o) => [o.origin, Number(o.n)])),
    };
  },

  async counts(db: Knex): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of ['subjects', 'legal_persons', 'non_enterprises', 'natural_persons', 'records', 'record_versions']) {
      const row = (await db(table).count({ n: '*' }).first()) as { n: number | string } | undefined;
      out[table] = Number(row?.n ?? 0);
    }
    return out;
  },
};

/** Re-sealing natural persons' numbers at rest after a key rotation, page by page. */
export const naturalPersonsRepo = {
  page: (db: Knex, afterId: number, limit: number) =>
    db('natural_persons').select('subject_id', 'id_cipher').where('subject_id', '>', afterId).orderBy('subject_id').limit(limit) as Promise<Array<{ subject_id: number; id_cipher: string }>>,
  setCipher: (trx: Knex.Transaction, subjectId: number, cipher: string) => trx('natural_persons').where({ subject_id: subjectId }).update({ id_cipher: cipher }),
};
