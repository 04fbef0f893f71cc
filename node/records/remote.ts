import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { RecordInvalid } from '../errors.ts';
import type { SubjectType } from '../identity/index.ts';
import { keyString, recordsRepo, type RecordKey, type RecordRow, type VersionRow } from './repo.ts';
import type { StoredSubjectRef } from './types.ts';
import type { PublicityDecision, RecordFacts } from '../publicity/rules.ts';
import { chinaDay } from '../publicity/visibility.ts';

/** A record event of another origin, as the exchange stored it in the event log. */
export interface RemoteRecordEvent { origin: string; seq: number; entityId: string; op: string; body: unknown; at: string }

export interface RemoteApplyResult { applied: number; skipped: number; conflicts: number }

/** The fields of a stored record body (records/service.ts `storedBody`) that the projection reads. */
interface RemoteBody {
  id: string;
  version: number;
  status: string;
  publicity: string;
  category: string;
  externalId: string;
  subject: StoredSubjectRef;
  sourceUnit: { code: string; name: string };
  decisionDate: string;
  severity: string | null;
  contentHash: string;
  data: Record<string, unknown>;
  /** The origin's publicity decision; absent in bodies written before it travelled with the record. */
  window?: { publishFrom: string | null; publishUntil: string | null; rule: string };
}

/** Judges a record whose body carries no publicity decision (publicity/rules.ts); undefined keeps the body's level. */
export type DecidePublicity = (facts: RecordFacts) => PublicityDecision | undefined;

const SUBJECT_TYPES: ReadonlySet<string> = new Set<SubjectType>(['legal_person', 'non_enterprise', 'natural_person']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a record body, naming the first missing or malformed field; nothing is written before all are read. */
function parseBody(ev: RemoteRecordEvent): RemoteBody {
  const fail = (path: string, problem = '缺失或格式错误') =>
    new RecordInvalid(`来源节点 ${ev.origin} 的事件 ${ev.seq} 不是有效的信用记录：字段 ${path} ${problem}`, { origin: ev.origin, seq: ev.seq, path });
  const b = ev.body;
  if (!isObject(b)) throw fail('body');
  const text = (o: Record<string, unknown>, key: string, path = key): string => {
    const v = o[key];
    if (typeof v !== 'string' || v === '') throw fail(path);
    return v;
  };
  const id = text(b, 'id');
  if (id !== ev.entityId) throw fail('id', `与事件的 entityId（${ev.entityId}）不一致`);
  const version = b['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw fail('version');
  const s = b['subject'];
  if (!isObject(s)) throw fail('subject');
  const type = text(s, 'type', 'subject.type');
  if (!SUBJECT_TYPES.has(type)) throw fail('subject.type');
  const name = text(s, 'name', 'subject.name');
  const region = s['region'];
  if (region !== undefined && (typeof region !== 'string' || !/^\d{6}$/.test(region))) throw fail('subject.region');
  let subject: StoredSubjectRef;
  if (type === 'natural_person') {
    subject = { type, name, key: text(s, 'codeHash', 'subject.codeHash'), codeCipher: text(s, 'codeCipher', 'subject.codeCipher'), codeMasked: text(s, 'codeMasked', 'subject.codeMasked') };
  } else {
    const code = text(s, 'code', 'subject.code');
    subject = { type: type as SubjectType, name, key: code, code };
  }
  // Bodies written before the region travelled in them: an organisation's USCC carries it (GB 32100, digits 3-8).
  const derived = region ?? (subject.code && /^\d{6}$/.test(subject.code.slice(2, 8)) ? subject.code.slice(2, 8) : undefined);
  if (derived !== undefined) subject.region = derived;
  const unit = b['sourceUnit'];
  if (!isObject(unit)) throw fail('sourceUnit');
  const severity = b['severity'];
  if (severity !== undefined && typeof severity !== 'string') throw fail('severity');
  const data = b['data'] === undefined ? {} : b['data'];
  if (!isObject(data)) throw fail('data');
  let window: RemoteBody['window'];
  if ('publicityRule' in b) {
    const day = (key: string): string | null => {
      const v = b[key];
      if (v === null || v === undefined) return null;
      if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw fail(key);
      return v;
    };
    window = { publishFrom: day('publishFrom'), publishUntil: day('publishUntil'), rule: text(b, 'publicityRule') };
  }
  return {
    id,
    version,
    status: text(b, 'status'),
    publicity: text(b, 'publicity'),
    category: text(b, 'category'),
    externalId: text(b, 'externalId'),
    subject,
    sourceUnit: { code: text(unit, 'code', 'sourceUnit.code'), name: text(unit, 'name', 'sourceUnit.name') },
    decisionDate: text(b, 'decisionDate'),
    severity: severity ?? null,
    contentHash: text(b, 'contentHash'),
    data,
    ...(window ? { window } : {}),
  };
}

/** A record's current state while the batch is walked: as stored, or as an earlier event of the batch left it. */
interface Current { version: number; status: string; origin: string; seq: number; bodyHash: string; createdAt: string; updatedAt: string; key: string; row?: RecordRow; stored: boolean }

/**
 * Projects record events received from other nodes into `records`, `record_versions` and the subject tables, in
 * the caller's transaction (the one that stores the events). Events of one origin come in seq order; a record
 * may come several times (its versions). Versions at or below the stored one are skipped, so re-delivery changes
 * nothing. An event whose record key is held by another record, or whose record belongs to another origin, is
 * counted as a conflict and left unprojected: throwing would refuse the batch, and the exchange would stall on
 * it forever. A body that is not a record body throws (the batch is refused).
 */
export async function applyRecordEvents(trx: Knex.Transaction, events: RemoteRecordEvent[], seal: (cipher: string) => string, log?: Logger, decide?: DecidePublicity, onSubjectsChanged?: (trx: Knex.Transaction, subjectIds: number[]) => Promise<void>): Promise<RemoteApplyResult> {
  const result: RemoteApplyResult = { applied: 0, skipped: 0, conflicts: 0 };
  const parsed = events.map((ev) => ({ ev, body: parseBody(ev) }));
  if (parsed.length === 0) return result;
  const keyOf = (b: RemoteBody): RecordKey => [b.sourceUnit.code, b.category, b.externalId];

  const stored = await recordsRepo.byIds(trx, parsed.map((p) => p.body.id));
  // Which record holds each identity key: as stored, then as the batch moves along.
  const holders = new Map<string, string>();
  for (const [k, r] of await recordsRepo.findByKeys(trx, parsed.map((p) => keyOf(p.body)))) holders.set(k, r.id);
  const current = new Map<string, Current>();
  for (const r of stored.values()) {
    current.set(r.id, { version: r.version, status: r.status, origin: r.origin, seq: r.seq, bodyHash: r.body_hash, createdAt: r.created_at, updatedAt: r.updated_at, key: keyString([r.source_unit_code, r.category, r.external_id]), stored: true });
  }

  const superseded: VersionRow[] = [];
  const subjectOf = new Map<RecordRow, string>();
  const lastSubject = new Map<string, StoredSubjectRef>();
  for (const { ev, body } of parsed) {
    const cur = current.get(body.id);
    if (cur && cur.version >= body.version) {
      result.skipped += 1;
      continue;
    }
    const key = keyString(keyOf(body));
    const holder = holders.get(key);
    const conflict = holder !== undefined && holder !== body.id
      ? `record ${body.id} of origin ${ev.origin} not projected: its key is held by record ${holder}`
      // Only the origin changes its records (DESIGN.md §4); another node's later version of one is not applied.
      : cur && cur.origin !== ev.origin ? `record ${body.id} not projected: it belongs to origin ${cur.origin}, the event comes from ${ev.origin}` : undefined;
    if (conflict) {
      result.conflicts += 1;
      log?.warn({ origin: ev.origin, seq: ev.seq, recordId: body.id, heldBy: holder ?? null, recordOrigin: cur?.origin ?? null, sourceUnit: body.sourceUnit.code, category: body.category, externalId: body.externalId }, conflict);
      continue;
    }
    if (cur) {
      superseded.push({ record_id: body.id, version: cur.version, op: cur.version === 1 ? 'create' : 'update', status: cur.status, body_hash: cur.bodyHash, origin: cur.origin, seq: cur.seq, at: cur.updatedAt });
      if (cur.key !== key && holders.get(cur.key) === body.id) holders.delete(cur.key);
    }
    holders.set(key, body.id);
    // The origin's publicity decision travels in the body; an older body is judged here by the same rules.
    const judged = body.window ? undefined : decide?.({
      category: body.category, subjectType: body.subject.type, severity: body.severity, decisionDate: body.decisionDate,
      data: body.data, sourceUnit: body.sourceUnit, writtenOn: chinaDay(new Date(ev.at)),
    });
    const window = body.window ?? (judged ? { publishFrom: judged.publishFrom, publishUntil: judged.publishUntil, rule: judged.rule } : { publishFrom: null, publishUntil: null, rule: null });
    const row: RecordRow = {
      id: body.id,
      source_unit_code: body.sourceUnit.code,
      source_unit_name: body.sourceUnit.name,
      category: body.category,
      external_id: body.externalId,
      subject_id: 0,
      subject_type: body.subject.type,
      severity: body.severity,
      decision_date: body.decisionDate,
      version: body.version,
      status: body.status,
      publicity: judged?.level ?? body.publicity,
      publish_from: window.publishFrom,
      publish_until: window.publishUntil,
      publicity_rule: window.rule,
      withdrawn_at: null,
      origin: ev.origin,
      seq: ev.seq,
      body_hash: body.contentHash,
      created_at: cur?.createdAt ?? ev.at,
      updated_at: ev.at,
    };
    if (cur?.row) subjectOf.delete(cur.row);
    subjectOf.set(row, body.subject.key);
    lastSubject.set(body.subject.key, body.subject);
    current.set(body.id, { version: body.version, status: body.status, origin: ev.origin, seq: ev.seq, bodyHash: body.contentHash, createdAt: row.created_at, updatedAt: ev.at, key, row, stored: cur?.stored ?? false });
    result.applied += 1;
  }
  if (result.applied === 0) return result;

  // Subjects of the projected versions: create the unknown ones, rename as the latest version spells the name.
  const at = parsed[parsed.length - 1]?.ev.at ?? '';
  const subjects = await recordsRepo.subjectsByKeys(trx, [...lastSubject.keys()]);
  const subjectIds = new Map<string, number>();
  for (const [k, s] of subjects) subjectIds.set(k, s.id);
  const fresh = [...lastSubject.values()].filter((s) => !subjects.has(s.key));
  if (fresh.length > 0) for (const [k, id] of await recordsRepo.insertSubjects(trx, fresh, at, seal)) subjectIds.set(k, id);
  for (const [k, s] of subjects) {
    const name = (lastSubject.get(k) as StoredSubjectRef).name;
    if (s.name !== name) await recordsRepo.renameSubject(trx, s, name, at);
  }

  // Updates before inserts: a record that moved to another key frees its old one before an insert may take it.
  const inserts: RecordRow[] = [];
  for (const [row, subjectKey] of subjectOf) {
    const subjectId = subjectIds.get(subjectKey);
    if (subjectId === undefined) throw new Error(`subject id missing after insert for record ${row.id}`);
    row.subject_id = subjectId;
    if (!(current.get(row.id) as Current).stored) {
      inserts.push(row);
      continue;
    }
    const { id, created_at: _c, ...patch } = row;
    await recordsRepo.updateRecord(trx, id, patch);
  }
  await recordsRepo.insertRecords(trx, inserts);
  // After the inserts: versions of a record first seen in this batch refer to its new row.
  await recordsRepo.insertVersions(trx, superseded);
  if (onSubjectsChanged && subjectOf.size) await onSubjectsChanged(trx, [...new Set([...subjectOf.keys()].map((row) => row.subject_id))]);
  return result;
}
