import { newRecordId } from './record-id.ts';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { canonicalizeWith } from '../exchange/canonical-json.ts';
import type { EventInput, EventLog, NodeEvent } from '../exchange/event-log.ts';
import { BadRequest, Forbidden, NotFound, RecordInvalid } from '../errors.ts';
import type { Principal } from '../access/roles.ts';
import { ScopePolicy, type ScopedRecord } from '../access/scope.ts';
import type { Store } from '../store/connection.ts';
import { prepareRecord, type ValidateDeps } from './validate.ts';
import { applyRecordEvents, type RemoteApplyResult, type RemoteRecordEvent } from './remote.ts';
import { keyString, recordsRepo, type RecordKey, type RecordRow, type VersionRow } from './repo.ts';
import type { IngestResult, PreparedRecord, RecordStatus, RecordView, FieldProblem } from './types.ts';
import { publicityOf, type PublicityConfig, type PublicityDecision, type RecordFacts } from '../publicity/rules.ts';
import { chinaDay } from '../publicity/visibility.ts';

export interface RecordServiceDeps extends ValidateDeps {
  store: Store;
  eventLog: EventLog;
  nodeId: string;
  /** Warnings about events received from other nodes that could not be projected. */
  log?: Logger;
  /** Who may read which record (node/access/scope.ts); every read goes through it. */
  scope: ScopePolicy;
  /** Which publicity rule set applies (config `publicity`); the default judges each record by its decision date. */
  publicity?: PublicityConfig;
  /** Told, in the writing transaction, which subjects' records changed (the credit evaluation re-evaluates them). */
  onSubjectsChanged?: ((trx: Knex.Transaction, subjectIds: number[]) => Promise<void>) | undefined;
}

/** A record with its source, origin and version history, as a reader within scope sees it. */
export type RecordWithHistory = RecordView & { history: Array<{ version: number; op: string; status: string; origin: string; at: string }> };

/** What a record's stored body holds; the same object travels in its events. */
function storedBody(p: PreparedRecord, id: string, version: number, status: RecordStatus, origin: string, decision: PublicityDecision): Record<string, unknown> {
  const { input, subject } = p;
  const subjectOut: Record<string, unknown> = { type: subject.type, name: subject.name };
  if (subject.type === 'natural_person') {
    subjectOut['codeHash'] = subject.key;
    subjectOut['codeCipher'] = subject.codeCipher;
    subjectOut['codeMasked'] = subject.codeMasked;
  } else {
    subjectOut['code'] = subject.code;
  }
  // Parents route record events down by the subject's region (exchange/routing.ts).
  if (subject.region) subjectOut['region'] = subject.region;
  const body: Record<string, unknown> = {
    id,
    version,
    status,
    // The origin decides publicity and its window; they travel with the record (publicity/rules.ts).
    publicity: decision.level,
    publishFrom: decision.publishFrom,
    publishUntil: decision.publishUntil,
    publicityRule: decision.rule,
    origin,
    category: input.category,
    externalId: input.externalId,
    subject: subjectOut,
    sourceUnit: input.sourceUnit,
    decisionDate: input.decisionDate,
    data: p.storedData,
    contentHash: p.contentHash,
  };
  if (Object.keys(p.sealed).length > 0) body['sealed'] = p.sealed;
  if (input.severity) body['severity'] = input.severity;
  return body;
}

export class RecordService {
  constructor(private readonly deps: RecordServiceDeps) {}

  /** Validation only (used by import to report rejects before the write). */
  prepare(raw: unknown, index: number): { record?: PreparedRecord; errors: FieldProblem[] } {
    return prepareRecord(raw, index, this.deps);
  }

  /**
   * Validates and stores records sent by a user: each is created, updated (new version, history kept) or
   * reported unchanged; invalid ones are rejected with every problem named. One transaction for the lot.
   */
  async ingest(raws: unknown[], principal?: Principal): Promise<IngestResult[]> {
    const results: IngestResult[] = [];
    const prepared: PreparedRecord[] = [];
    let forbidden = 0;
    raws.forEach((raw, index) => {
      const { record, errors } = this.prepare(raw, index);
      if (!record) {
        results[index] = { index, status: 'rejected', errors };
        return;
      }
      // A clerk writes only for their own source unit (DESIGN.md §5).
      if (principal?.role === 'clerk' && principal.sourceUnit !== record.input.sourceUnit.code) {
        results[index] = { index, status: 'rejected', errors: [{ path: 'sourceUnit.code', message: `无权以其他数据来源单位（${record.input.sourceUnit.code}）的名义报送`, code: 'FORBIDDEN' }] };
        forbidden += 1;
        return;
      }
      prepared.push(record);
    });
    if (forbidden > 0 && forbidden === raws.length) {
      throw new Forbidden('无权以其他数据来源单位的名义报送信用信息');
    }
    if (prepared.length > 0) {
      const written = await this.deps.store.knex.transaction((trx) => this.write(trx, prepared));
      for (const r of written) results[r.index] = r;
    }
    return results;
  }

  /**
   * Stores prepared records in the caller's transaction with as few statements as possible, and appends one
   * event per change to the event log in the same transaction.
   */
  async write(trx: Knex.Transaction, prepared: PreparedRecord[], opts: { status?: RecordStatus } = {}): Promise<IngestResult[]> {
    const status: RecordStatus = opts.status ?? 'active';
    const at = this.deps.clock().toISOString();
    const writtenOn = chinaDay(new Date(at));
    const origin = this.deps.nodeId;
    const keyOf = (p: PreparedRecord): RecordKey => [p.input.sourceUnit.code, p.input.category, p.input.externalId];
    const existing = await recordsRepo.findByKeys(trx, prepared.map(keyOf));

    // Subjects: create the unknown ones, rename when the source now spells the name differently.
    const subjectKeys = [...new Set(prepared.map((p) => p.subject.key))];
    const subjects = await recordsRepo.subjectsByKeys(trx, subjectKeys);
    const subjectIds = new Map<string, number>();
    for (const [k, s] of subjects) subjectIds.set(k, s.id);
    const fresh = new Map<string, PreparedRecord['subject']>();
    for (const p of prepared) if (!subjects.has(p.subject.key) && !fresh.has(p.subject.key)) fresh.set(p.subject.key, p.subject);
    if (fresh.size > 0) for (const [k, id] of await recordsRepo.insertSubjects(trx, [...fresh.values()], at, (c) => this.deps.vault.reseal(c))) subjectIds.set(k, id);
    const lastName = new Map<string, string>();
    for (const p of prepared) lastName.set(p.subject.key, p.subject.name);
    for (const [k, name] of lastName) {
      const s = subjects.get(k);
      if (s && s.name !== name) await recordsRepo.renameSubject(trx, s, name, at);
    }

    const results: IngestResult[] = [];
    const inserts: RecordRow[] = [];
    const updates = new Map<string, RecordRow>();
    // record_versions keeps the superseded versions; the current one is the records row itself.
    const superseded: Array<{ row: VersionRow; fromEvent?: number }> = [];
    const events: EventInput[] = [];
    const eventRows: RecordRow[] = [];
    // Within one batch the same record may come twice (a file with a repeated row): later wins, in order.
    type Prior = { id: string; version: number; hash: string; createdAt: string; status: string; origin: string; seq: number; updatedAt: string; row?: RecordRow; eventIndex?: number };
    const seen = new Map<string, Prior>();
    for (const p of prepared) {
      const k = keyString(keyOf(p));
      const e = existing.get(k);
      const prior: Prior | undefined = seen.get(k)
        ?? (e ? { id: e.id, version: e.version, hash: e.body_hash, createdAt: e.created_at, status: e.status, origin: e.origin, seq: Number(e.seq), updatedAt: e.updated_at } : undefined);
      // Only the origin may change its records (DESIGN.md §4): one received from another node is corrected there.
      if (prior && prior.origin !== origin) {
        results.push({ index: p.index, status: 'rejected', id: prior.id, errors: [{ path: 'externalId', code: 'NOT_ORIGIN', message: `该记录由节点 ${prior.origin} 报送，只能由其来源节点更正或撤销` }] });
        continue;
      }
      if (prior && prior.hash === p.contentHash) {
        results.push({ index: p.index, status: 'unchanged', id: prior.id, version: prior.version });
        continue;
      }
      const id = prior?.id ?? newRecordId(at);
      const version = (prior?.version ?? 0) + 1;
      const op = prior ? 'update' : 'create';
      const decision = publicityOf(this.deps.registry.meta(p.input.category).publicity, {
        category: p.input.category, subjectType: p.subject.type, severity: p.input.severity ?? null, decisionDate: p.input.decisionDate,
        data: p.input.data, sourceUnit: p.input.sourceUnit, writtenOn,
      }, this.deps.publicity);
      const body = storedBody(p, id, version, status, origin, decision);
      const subjectId = subjectIds.get(p.subject.key);
      if (subjectId === undefined) throw new Error('subject id missing after insert');
      const row: RecordRow = {
        id,
        source_unit_code: p.input.sourceUnit.code,
        source_unit_name: p.input.sourceUnit.name,
        category: p.input.category,
        external_id: p.input.externalId,
        subject_id: subjectId,
        subject_type: p.subject.type,
        severity: p.input.severity ?? null,
        decision_date: p.input.decisionDate,
        version,
        status,
        publicity: decision.level,
        publish_from: decision.publishFrom,
        publish_until: decision.publishUntil,
        publicity_rule: decision.rule,
        // A new version is judged afresh: the withdrawal job marks it again if its window has ended.
        withdrawn_at: null,
        origin,
        seq: 0,
        body_hash: p.contentHash,
        created_at: prior?.createdAt ?? at,
        updated_at: at,
      };
      if (prior?.row) Object.assign(prior.row, row);
      else if (prior) updates.set(id, row);
      else inserts.push(row);
      const target = prior?.row ?? row;
      if (prior) {
        const old: VersionRow = { record_id: id, version: prior.version, op: prior.version === 1 ? 'create' : 'update', status: prior.status, body_hash: prior.hash, origin: prior.origin, seq: prior.seq, at: prior.updatedAt };
        superseded.push(prior.eventIndex === undefined ? { row: old } : { row: old, fromEvent: prior.eventIndex });
      }
      seen.set(k, { id, version, hash: p.contentHash, createdAt: row.created_at, status, origin, seq: 0, updatedAt: at, row: target, eventIndex: events.length });
      eventRows.push(target);
      events.push({ kind: 'record', entityId: id, op, body, bodyCanonical: canonicalizeWith(body, { data: p.storedDataCanonical }) });
      results.push({ index: p.index, status: op === 'create' ? 'created' : 'updated', id, version });
    }
    // The event log assigns the sequence numbers; records and versions point at their events.
    const appended = await this.deps.eventLog.append(trx, events, at);
    appended.forEach((ev, i) => {
      // In order, so a record written twice in this batch ends up pointing at its later event.
      (eventRows[i] as RecordRow).seq = ev.seq;
    });
    for (const v of superseded) if (v.fromEvent !== undefined) v.row.seq = (appended[v.fromEvent] as NodeEvent).seq;
    await recordsRepo.insertRecords(trx, inserts);
    for (const [id, row] of updates) {
      const { id: _id, created_at: _c, ...patch } = row;
      await recordsRepo.updateRecord(trx, id, patch);
    }
    await recordsRepo.insertVersions(trx, superseded.map((v) => v.row));
    if (this.deps.onSubjectsChanged && eventRows.length) await this.deps.onSubjectsChanged(trx, [...new Set(eventRows.map((r) => r.subject_id))]);
    return results;
  }

  /**
   * Projects record events of other origins, already stored in the event log by the exchange, into `records`
   * and the subject tables, in the caller's transaction. Throws on a body that is not a record body.
   */
  async applyRemote(trx: Knex.Transaction, events: RemoteRecordEvent[]): Promise<RemoteApplyResult> {
    // Bodies written before publicity travelled in them are judged here, as their origin would have.
    const { registry, publicity } = this.deps;
    const decide = (facts: RecordFacts) => (registry.has(facts.category) ? publicityOf(registry.meta(facts.category).publicity, facts, publicity) : undefined);
    return applyRecordEvents(trx, events, (c) => this.deps.vault.reseal(c), this.deps.log, decide, this.deps.onSubjectsChanged);
  }

  /**
   * A subject by its lookup key (USCC, or the keyed hash of an ID number) with the records the principal may
   * read (scope.ts), each with its history; natural persons' numbers only masked. The query feature builds
   * reports on this instead of reading these tables itself.
   */
  async subjectWithRecords(key: string, principal: Principal): Promise<SubjectWithRecords | undefined> {
    return readSubjectWithRecords(this.deps.store.knex, this.deps.scope, key, principal);
  }

  /** The natural person's ciphertext, for a reveal the caller has already authorised and audited. */
  async naturalPersonCipher(subjectId: number): Promise<string | undefined> {
    return (await recordsRepo.naturalPerson(this.deps.store.knex, subjectId))?.id_cipher;
  }

  /** One record with its version history, if the principal may read it (FORBIDDEN otherwise). */
  /**
   * An objection decided as corrected (异议更正): the corrected record, sent by the unit that decided it, becomes
   * the record's next version with status corrected, at its origin, in the caller's transaction. It must be the
   * same record (source unit, category and external id) and must change something.
   */
  async correct(trx: Knex.Transaction, id: string, raw: unknown): Promise<number> {
    const row = await recordsRepo.byId(trx as unknown as Knex, id);
    if (!row) throw new NotFound(`未找到信用记录：${id}`);
    const { record, errors } = this.prepare(raw, 0);
    if (!record) throw new RecordInvalid('更正后的信用记录校验未通过', errors.map((e) => ({ path: `record.${e.path}`, message: e.message })));
    const same = record.input.category === row.category && record.input.sourceUnit.code === row.source_unit_code && record.input.externalId === row.external_id;
    if (!same) throw new BadRequest('更正后的记录须与原记录的类别、信息来源单位和编号一致', [{ path: 'record.externalId', message: `应为 ${row.category} / ${row.source_unit_code} / ${row.external_id}` }]);
    const [result] = await this.write(trx, [record], { status: 'corrected' });
    if (result?.status === 'unchanged') throw new BadRequest('更正后的记录与原记录相同，请修改有误的内容，或以“维持”办结', [{ path: 'record', message: '内容未变' }]);
    if (result?.status !== 'updated' || result.version === undefined) throw new BadRequest(`更正未能写入：${result?.errors?.map((e) => e.message).join('；') ?? '未知原因'}`, (result?.errors ?? []).map((e) => ({ path: `record.${e.path}`, message: e.message })));
    return result.version;
  }

  async get(id: string, principal: Principal): Promise<RecordWithHistory & { subjectRegion: string | null }> {
    const db = this.deps.store.knex;
    const row = await recordsRepo.byId(db, id);
    if (!row) throw new NotFound(`未找到信用记录：${id}`);
    const region = (await recordsRepo.subjectById(db, row.subject_id))?.region ?? null;
    await this.deps.scope.assertRead(principal, scoped(row, region));
    return { ...withHistory(row, await recordsRepo.versions(db, id)), subjectRegion: region };
  }
}

/** A subject with the records a principal may read, each with its history. */
export interface SubjectWithRecords {
  subject: { id: number; type: string; code: string; name: string; region: string | null };
  records: RecordWithHistory[];
}

/**
 * RecordService.subjectWithRecords on a given connection: the node's, or a query thread's own read-only one
 * (query/query-threads.ts), with the scope policy it is given. Reads only.
 */
export async function readSubjectWithRecords(db: Knex, scope: ScopePolicy, key: string, principal: Principal): Promise<SubjectWithRecords | undefined> {
  if (!ScopePolicy.readsRecords(principal)) throw new Forbidden(`当前角色（${principal.role}）无权查询信用记录`);
  const subject = await recordsRepo.subjectByKey(db, key);
  if (!subject) return undefined;
  const code = subject.type === 'natural_person' ? (await recordsRepo.naturalPerson(db, subject.id))?.id_masked ?? '' : subject.key;
  const readable = await scope.reader(principal);
  const rows = (await recordsRepo.recordsOfSubject(db, subject.id)).filter((r) => readable(scoped(r, subject.region)));
  const versions = rows.length > 0 ? await recordsRepo.versionsOfSubject(db, subject.id) : new Map<string, VersionRow[]>();
  return { subject: { id: subject.id, type: subject.type, code, name: subject.name, region: subject.region }, records: rows.map((r) => withHistory(r, versions.get(r.id) ?? [])) };
}

/** What the scope policy reads of a stored record. */
function scoped(r: RecordRow, region: string | null): ScopedRecord {
  return { region, publicity: r.publicity, category: r.category, origin: r.origin, sourceUnit: r.source_unit_code };
}

function withHistory(row: RecordRow & { body: string }, versions: VersionRow[]): RecordWithHistory {
  const history = versions.map((v) => ({ version: v.version, op: v.op, status: v.status, origin: v.origin, at: v.at }));
  history.push({ version: row.version, op: row.version === 1 ? 'create' : 'update', status: row.status, origin: row.origin, at: row.updated_at });
  return { ...toView(row), history };
}

/** The officer's view of a stored row; natural persons' numbers stay masked (full numbers come with scope rules). */
export function toView(row: RecordRow & { body: string }): RecordView {
  const body = JSON.parse(row.body) as { subject: Record<string, string>; sourceUnit: { code: string; name: string }; data: Record<string, unknown> };
  const s = body.subject;
  return {
    id: row.id,
    category: row.category,
    externalId: row.external_id,
    subject: { type: row.subject_type as RecordView['subject']['type'], name: s['name'] ?? '', code: (row.subject_type === 'natural_person' ? s['codeMasked'] : s['code']) ?? '' },
    sourceUnit: body.sourceUnit,
    decisionDate: row.decision_date,
    severity: (row.severity as RecordView['severity']) ?? null,
    data: body.data,
    version: row.version,
    status: row.status as RecordStatus,
    publicity: row.publicity as RecordView['publicity'],
    publishFrom: row.publish_from,
    publishUntil: row.publish_until,
    publicityRule: row.publicity_rule ?? null,
    withdrawnAt: row.withdrawn_at ?? null,
    origin: row.origin,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

