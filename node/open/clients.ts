import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../clock.ts';
import type { OpenConfig } from '../config/types.ts';
import type { SchemaRegistry } from '../records/schema-registry.ts';
import type { PersonalIdVault } from '../access/personal-id.ts';
import type { Principal } from '../access/roles.ts';
import type { AccessHook } from '../access/access-hook.ts';
import { hashPassword } from '../access/passwords.ts';
import { looksLikeResidentId } from '../audit/audit-entry.ts';
import { checkCode, maskResidentId, validateUscc } from '../identity/index.ts';
import { chinaDay } from '../publicity/visibility.ts';
import { BadRequest, Conflict, NotFound, isCreditNodeError, type ErrorDetail } from '../errors.ts';
import { clientsRepo, type AuthorisationRow, type ClientRow, type ClientStatus } from './clients-repo.ts';
import { parseGrants, scopeOf, type DatasetGrant, type Scope } from './grants.ts';

/** A registered client organisation (机构), as the services work with it. */
export interface Client {
  id: string;
  code: string;
  name: string;
  contact: { name: string | null; phone: string | null };
  datasets: DatasetGrant[];
  scope: Scope;
  persons: boolean;
  purpose: string | null;
  expires: string | null;
  rateLimitPerMinute: number;
  monthlyQuota: number;
  status: ClientStatus;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** What the admin API and the command show of a client: never its secret, not even hashed. */
export type ClientView = Omit<Client, 'id' | 'scope'> & { clientId: string };

export interface AuthorisationView {
  authorisationId: string;
  clientId: string;
  /** The subject: its USCC, or a natural person's masked ID number. */
  subject: { type: string; code: string };
  datasets: string[];
  expires: string;
  reference: string | null;
  createdBy: string;
  createdAt: string;
}

export function clientOf(row: ClientRow): Client {
  const datasets = JSON.parse(row.datasets) as DatasetGrant[];
  return {
    id: row.id, code: row.uscc, name: row.name, contact: { name: row.contact_name, phone: row.contact_phone },
    datasets, scope: scopeOf(datasets), persons: Boolean(row.persons), purpose: row.purpose, expires: row.expires_on,
    rateLimitPerMinute: Number(row.rate_limit_per_minute), monthlyQuota: Number(row.monthly_quota), status: row.status,
    createdBy: row.created_by, createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

export function clientView(c: Client): ClientView {
  const { id, scope: _scope, ...rest } = c;
  return { clientId: id, ...rest };
}

export function authorisationView(a: AuthorisationRow): AuthorisationView {
  return {
    authorisationId: a.id, clientId: a.client_id, subject: { type: a.subject_type, code: a.subject_display },
    datasets: JSON.parse(a.datasets) as string[], expires: a.expires_on, reference: a.reference, createdBy: a.created_by, createdAt: a.created_at,
  };
}

/** Who makes an admin change (an operator through the API, or the node's own command) and from where. */
export interface Actor { principal: Principal | null; ip?: string | null }

export interface NewClient {
  name?: unknown;
  code?: unknown;
  contact?: { name?: unknown; phone?: unknown } | undefined;
  datasets?: unknown;
  /** `category.field` strings restricting those datasets to the fields named. */
  fields?: unknown;
  persons?: unknown;
  purpose?: unknown;
  /** YYYY-MM-DD, the last day (China time) the client may call. */
  expires?: unknown;
  rateLimitPerMinute?: unknown;
  monthlyQuota?: unknown;
}

export interface NewAuthorisation { subject?: unknown; datasets?: unknown; expires?: unknown; reference?: unknown }

export interface ClientServiceDeps {
  db: Knex;
  clock: Clock;
  registry: SchemaRegistry;
  vault: PersonalIdVault;
  config: OpenConfig;
  access: AccessHook;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (v: string) => DATE.test(v) && new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v;
export const CLIENT_ID = /^cl_[0-9a-f]{16}$/;
export const AUTHORISATION_ID = /^au_[0-9a-f]{20}$/;

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');

function positiveInt(v: unknown, fallback: number, max: number, path: string, label: string, problems: ErrorDetail[]): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'number' ? v : /^\d+$/.test(text(v)) ? Number(text(v)) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    problems.push({ path, message: `${label}须为 1 至 ${max} 之间的整数` });
    return fallback;
  }
  return n;
}

const bool = (v: unknown) => v === true || v === 'true' || v === 1 || v === '1';

/** Registering, suspending, resuming and revoking clients; recording subjects' authorisations. Every change is audited. */
export class ClientService {
  constructor(private readonly deps: ClientServiceDeps) {}

  private today(): string {
    return chinaDay(this.deps.clock());
  }

  async get(id: unknown): Promise<Client> {
    const row = typeof id === 'string' && CLIENT_ID.test(id) ? await clientsRepo.byId(this.deps.db, id) : undefined;
    if (!row) throw new NotFound(`没有这个接入机构：${CLIENT_ID.test(String(id)) ? String(id) : '（编号格式不正确）'}`);
    return clientOf(row);
  }

  async list(): Promise<Client[]> {
    return (await clientsRepo.list(this.deps.db)).map(clientOf);
  }

  /** Registers a client; the secret is answered here once and kept only as a scrypt hash. */
  async add(input: NewClient, by: Actor): Promise<ClientView & { clientSecret: string }> {
    const problems: ErrorDetail[] = [];
    const name = text(input.name);
    if (!name || name.length > 200) problems.push({ path: 'name', message: '机构名称不能为空，最多 200 个字' });
    const uscc = validateUscc(text(input.code));
    if (!uscc.valid) problems.push({ path: 'code', message: `统一社会信用代码不正确：${uscc.errors.map((e) => e.message).join('；')}` });
    let datasets: DatasetGrant[] = [];
    try {
      datasets = parseGrants(this.deps.registry, input.datasets, input.fields);
    } catch (err) {
      if (!isCreditNodeError(err) || err.code !== 'BAD_REQUEST') throw err;
      problems.push(...((err.details ?? []) as ErrorDetail[]));
    }
    const contactName = text(input.contact?.name) || null;
    const contactPhone = text(input.contact?.phone) || null;
    if (contactName && contactName.length > 100) problems.push({ path: 'contact.name', message: '联系人姓名最多 100 个字' });
    if (contactPhone && !/^[0-9+\- ()]{5,30}$/.test(contactPhone)) problems.push({ path: 'contact.phone', message: '联系电话只能包含数字、空格和 + - ( )' });
    const purpose = text(input.purpose) || null;
    if (purpose && purpose.length > 500) problems.push({ path: 'purpose', message: '使用目的最多 500 个字' });
    if (purpose && looksLikeResidentId(purpose)) problems.push({ path: 'purpose', message: '使用目的中不能含有身份证号码' });
    const expires = text(input.expires) || null;
    if (expires && !isDate(expires)) problems.push({ path: 'expires', message: '有效期须为 YYYY-MM-DD 格式的日期' });
    else if (expires && expires < this.today()) problems.push({ path: 'expires', message: `有效期（${expires}）早于今天` });
    const rate = positiveInt(input.rateLimitPerMinute, this.deps.config.defaultRateLimitPerMinute, 100_000, 'rateLimitPerMinute', '每分钟调用上限', problems);
    const quota = positiveInt(input.monthlyQuota, this.deps.config.defaultMonthlyQuota, 1_000_000_000, 'monthlyQuota', '每月调用次数', problems);
    if (problems.length) throw new BadRequest(problems.map((p) => p.message).join('；'), problems);

    const secret = randomBytes(32).toString('base64url');
    const at = this.deps.clock().toISOString();
    const row: ClientRow = {
      id: `cl_${randomBytes(8).toString('hex')}`, uscc: uscc.code, name, contact_name: contactName, contact_phone: contactPhone,
      datasets: JSON.stringify(datasets), persons: bool(input.persons), purpose, expires_on: expires,
      rate_limit_per_minute: rate, monthly_quota: quota, status: 'active', secret_hash: await hashPassword(secret),
      created_by: by.principal?.username ?? 'cli', created_at: at, updated_at: at,
    };
    await clientsRepo.insert(this.deps.db, row);
    const client = clientOf(row);
    await this.deps.access({
      principal: by.principal, action: 'client_add', target: client.id, count: 0, ip: by.ip ?? null,
      detail: { client: client.id, code: client.code, name: client.name, datasets: client.datasets, persons: client.persons, rateLimitPerMinute: rate, monthlyQuota: quota, expires },
    });
    const { clientId, ...view } = clientView(client);
    return { clientId, clientSecret: secret, ...view };
  }

  /** suspend (active → suspended), resume (suspended → active), revoke (for good). Takes effect on the next call. */
  async setStatus(id: unknown, change: 'suspend' | 'resume' | 'revoke', by: Actor): Promise<Client> {
    const client = await this.get(id);
    const from: Record<typeof change, ClientStatus[]> = { suspend: ['active'], resume: ['suspended'], revoke: ['active', 'suspended'] };
    const to: Record<typeof change, ClientStatus> = { suspend: 'suspended', resume: 'active', revoke: 'revoked' };
    const STATUS_TEXT: Record<ClientStatus, string> = { active: '正常', suspended: '已暂停', revoked: '已撤销' };
    if (!from[change].includes(client.status)) throw new Conflict(`该机构当前状态为“${STATUS_TEXT[client.status]}”，不能${change === 'suspend' ? '暂停' : change === 'resume' ? '恢复' : '撤销'}`);
    const at = this.deps.clock().toISOString();
    await clientsRepo.update(this.deps.db, client.id, { status: to[change], updated_at: at });
    await this.deps.access({ principal: by.principal, action: 'client_status', target: client.id, count: 0, ip: by.ip ?? null, detail: { client: client.id, op: change, from: client.status, to: to[change] } });
    return { ...client, status: to[change], updatedAt: at };
  }

  /**
   * Records an authorisation a subject gave the client (the operator has seen the signed letter): the subject's
   * USCC, or a natural person's ID number, which is kept only as its keyed hash and masked form.
   */
  async authorise(id: unknown, input: NewAuthorisation, by: Actor): Promise<AuthorisationView> {
    const client = await this.get(id);
    if (client.status === 'revoked') throw new Conflict('该机构的接入已撤销，不能再登记授权');
    const problems: ErrorDetail[] = [];
    const check = checkCode(text(input.subject).slice(0, 40));
    if (!check.valid) problems.push({ path: 'subject', message: `信息主体的代码不正确：${check.errors.map((e) => e.message).join('；')}` });
    const person = check.valid && check.kind === 'resident_id';
    if (person && !client.persons) problems.push({ path: 'subject', message: '该机构未获准查询自然人信息，不能登记自然人授权' });
    const datasets = [...new Set((Array.isArray(input.datasets) ? input.datasets.map(text) : text(input.datasets).split(',')).map((s) => s.trim()).filter(Boolean))];
    if (datasets.length === 0) problems.push({ path: 'datasets', message: '须指定授权查询的数据集' });
    for (const d of datasets) if (!client.scope.has(d)) problems.push({ path: 'datasets', message: `数据集 ${d} 不在该机构获准使用的范围内` });
    const expires = text(input.expires);
    if (!isDate(expires)) problems.push({ path: 'expires', message: '授权有效期须为 YYYY-MM-DD 格式的日期' });
    else if (expires < this.today()) problems.push({ path: 'expires', message: `授权有效期（${expires}）早于今天` });
    const reference = text(input.reference) || null;
    if (reference && (reference.length > 100 || looksLikeResidentId(reference))) problems.push({ path: 'reference', message: '授权书编号最多 100 个字，且不能含有身份证号码' });
    if (problems.length) throw new BadRequest(problems.map((p) => p.message).join('；'), problems);

    const row: AuthorisationRow = {
      id: `au_${randomBytes(10).toString('hex')}`, client_id: client.id,
      subject_key: person ? this.deps.vault.hash(check.code) : check.code,
      subject_type: check.subjectType ?? (person ? 'natural_person' : 'legal_person'),
      subject_display: person ? maskResidentId(check.code) : check.code,
      datasets: JSON.stringify(datasets), expires_on: expires, reference,
      created_by: by.principal?.username ?? 'cli', created_at: this.deps.clock().toISOString(),
    };
    await clientsRepo.insertAuthorisation(this.deps.db, row);
    await this.deps.access({
      principal: by.principal, action: 'client_authorise', subject: row.subject_key, target: row.id, count: 0, ip: by.ip ?? null,
      detail: { client: client.id, authorisation: row.id, datasets, expires, ...(reference ? { reference } : {}) },
    });
    return authorisationView(row);
  }

  async authorisations(id: unknown): Promise<AuthorisationView[]> {
    const client = await this.get(id);
    return (await clientsRepo.authorisationsOf(this.deps.db, client.id)).map(authorisationView);
  }
}
