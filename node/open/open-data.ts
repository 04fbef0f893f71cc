import type { Knex } from 'knex';
import type { Clock } from '../clock.ts';
import type { SchemaRegistry } from '../records/schema-registry.ts';
import type { PersonalIdVault } from '../access/personal-id.ts';
import { recordsRepo } from '../records/repo.ts';
import { checkCode } from '../identity/index.ts';
import { chinaDay, isPubliclyVisible, STANDING_STATUSES } from '../publicity/visibility.ts';
import { AuthorisationRequired, BadRequest, NotFound, OutOfScope } from '../errors.ts';
import { clientsRepo, type AuthorisationRow } from './clients-repo.ts';
import { AUTHORISATION_ID, type Client } from './clients.ts';
import { allowedData, maskText, narrowScope, type Scope } from './grants.ts';

/** A record as a client reads it (subject answers and the changes feed alike). */
export interface OpenRecord {
  id: string;
  category: string;
  externalId: string;
  decisionDate: string;
  severity: string | null;
  sourceUnit: { code: string; name: string };
  status: string;
  publicity: string;
  publishFrom: string | null;
  publishUntil: string | null;
  version: number;
  updatedAt: string;
  data: Record<string, unknown>;
}

export interface OpenSubjectAnswer {
  subject: { type: string; code: string; name: string; region: string | null };
  records: OpenRecord[];
}

/** The subject a client asks about: its lookup key (USCC, or the keyed hash of an ID number). */
export interface SubjectRef { key: string; naturalPerson: boolean; code: string }

/** What decides whether one version of a record may go to a client. */
export interface VersionFacts {
  category: string;
  subjectType: string;
  publicity: string;
  status: string;
  publish_from: string | null;
  publish_until: string | null;
}

/**
 * The rule of the open API (DOMAIN.md §7): a record of a granted dataset is visible when it is 社会公开 and
 * publicly visible today (publicity/visibility.ts), or 授权查询 and standing with the subject's authorisation for
 * its dataset; 政务共享 never. A natural person's records only to a client allowed persons, with the person's
 * authorisation, whatever their publicity.
 */
export function visibleToClient(r: VersionFacts, client: Client, scope: Scope, today: string, authorised: ReadonlySet<string> | undefined): boolean {
  if (!scope.has(r.category)) return false;
  if (r.subjectType === 'natural_person' && (!client.persons || !authorised?.has(r.category))) return false;
  if (r.publicity === 'public') return isPubliclyVisible(r, today);
  if (r.publicity === 'restricted') return STANDING_STATUSES.includes(r.status) && Boolean(authorised?.has(r.category));
  return false;
}

/** The fields of a stored record body the open view is built from: the same as the view, data before narrowing. */
export type RecordSource = OpenRecord;

export function openRecord(registry: SchemaRegistry, scope: Scope, r: RecordSource): OpenRecord {
  return {
    id: r.id, category: r.category, externalId: maskText(r.externalId), decisionDate: r.decisionDate, severity: r.severity,
    sourceUnit: { code: r.sourceUnit.code, name: r.sourceUnit.name }, status: r.status, publicity: r.publicity,
    publishFrom: r.publishFrom, publishUntil: r.publishUntil, version: r.version, updatedAt: r.updatedAt,
    data: allowedData(registry, r.category, scope.get(r.category) ?? null, r.data),
  };
}

export interface SubjectQuery {
  /** The authorisation the client presents (header X-Authorisation). */
  authorisation?: string | undefined;
  /** Narrowing of the client's grants: `a,b` and `a.x,b.y`. */
  datasets?: unknown;
  fields?: unknown;
}

export interface OpenDataDeps { db: Knex; clock: Clock; registry: SchemaRegistry; vault: PersonalIdVault }

/** What a client may read about one subject. */
export class OpenData {
  constructor(private readonly deps: OpenDataDeps) {}

  /** The subject a code names; a bad code is refused without echoing it (it may be someone's ID number). */
  ref(raw: unknown): SubjectRef {
    const check = checkCode(String(raw ?? '').slice(0, 40));
    if (!check.valid) throw new BadRequest(`代码不正确：${check.errors.map((e) => e.message).join('；')}`, check.errors.map((e) => ({ path: 'code', message: e.message })));
    return check.kind === 'resident_id' ? { key: this.deps.vault.hash(check.code), naturalPerson: true, code: check.code } : { key: check.code, naturalPerson: false, code: check.code };
  }

  /** The call's scope: the client's grants narrowed by the request (OUT_OF_SCOPE beyond them). */
  scope(client: Client, datasets: unknown, fields: unknown): Scope {
    return narrowScope(this.deps.registry, client.scope, datasets, fields);
  }

  /** A presented authorisation, checked: this client's, from this subject, not expired. AUTHORISATION_REQUIRED otherwise. */
  async authorisation(client: Client, ref: SubjectRef, id: string, today: string): Promise<AuthorisationRow> {
    const a = AUTHORISATION_ID.test(id) ? await clientsRepo.authorisationById(this.deps.db, id) : undefined;
    const refuse = (reason: string) => new AuthorisationRequired(`授权无效：${reason}`, [{ path: 'X-Authorisation', message: reason }]);
    if (!a || a.client_id !== client.id) throw refuse('没有这个授权编号，或该授权不是出具给本机构的');
    if (a.subject_key !== ref.key) throw refuse('该授权不是此信息主体出具的');
    if (a.expires_on < today) throw refuse(`授权已于 ${a.expires_on} 到期`);
    return a;
  }

  /** The subject with the records this client may read now. */
  async subject(client: Client, ref: SubjectRef, q: SubjectQuery): Promise<{ answer: OpenSubjectAnswer; authorisationId: string | null }> {
    const { db, registry, clock } = this.deps;
    const today = chinaDay(clock());
    const scope = this.scope(client, q.datasets, q.fields);
    if (ref.naturalPerson && !client.persons) throw new OutOfScope('该机构未获准查询自然人信息');
    if (ref.naturalPerson && !q.authorisation) {
      throw new AuthorisationRequired('查询自然人信息须出示本人的有效授权（请求头 X-Authorisation: <授权编号>）', [{ path: 'X-Authorisation', message: '缺少本人授权' }]);
    }
    const auth = q.authorisation ? await this.authorisation(client, ref, q.authorisation, today) : undefined;
    const authorised = auth ? new Set(JSON.parse(auth.datasets) as string[]) : undefined;
    const subject = await recordsRepo.subjectByKey(db, ref.key);
    if (!subject) throw new NotFound(ref.naturalPerson ? '未找到该主体' : `未找到统一社会信用代码为 ${ref.code} 的主体`);
    const code = subject.type === 'natural_person' ? (await recordsRepo.naturalPerson(db, subject.id))?.id_masked ?? '' : subject.key;
    const records: OpenRecord[] = [];
    for (const row of await recordsRepo.recordsOfSubject(db, subject.id)) {
      const facts: VersionFacts = { category: row.category, subjectType: row.subject_type, publicity: row.publicity, status: row.status, publish_from: row.publish_from, publish_until: row.publish_until };
      if (!visibleToClient(facts, client, scope, today, authorised)) continue;
      const body = JSON.parse(row.body) as { data?: Record<string, unknown> };
      records.push(openRecord(registry, scope, {
        id: row.id, category: row.category, externalId: row.external_id, decisionDate: row.decision_date, severity: row.severity,
        sourceUnit: { code: row.source_unit_code, name: row.source_unit_name }, status: row.status, publicity: row.publicity,
        publishFrom: row.publish_from, publishUntil: row.publish_until, version: Number(row.version), updatedAt: row.updated_at, data: body.data ?? {},
      }));
    }
    return { answer: { subject: { type: subject.type, code, name: subject.name, region: subject.region }, records }, authorisationId: auth?.id ?? null };
  }
}
