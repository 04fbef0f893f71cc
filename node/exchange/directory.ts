import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Knex } from 'knex';
import type { EventLog } from './event-log.ts';
import { fingerprintOf } from './keys.ts';
import type { Clock } from '../clock.ts';
import { BadRequest, Conflict, NotFound, HeadSignatureInvalid } from '../errors.ts';
import { signCompact, verifyCompact } from './jws.ts';

export type DirectoryStatus = 'active' | 'revoked';

export interface DirectoryEntry {
  id: string;
  role: string;
  name: string;
  region: string;
  sector: string | null;
  parent: string | null;
  publicKey: string;
  fingerprint: string;
  status: DirectoryStatus;
  updatedAt: string;
}

/** Every node's name by id, as records' origins are shown: this node's own, then the directory's entries. */
export function originNames(self: { id: string; name: string }, entries: readonly DirectoryEntry[]): Map<string, string> {
  const names = new Map<string, string>([[self.id, self.name]]);
  for (const e of entries) names.set(e.id, e.name);
  return names;
}

/** The sector of each node of the directory (none for city platforms and the hub), for scope decisions. */
export function nodeSectors(entries: readonly DirectoryEntry[]): Map<string, string | null> {
  return new Map(entries.map((e) => [e.id, e.sector ?? null]));
}

export interface Enrollment { id: string; role: string; name?: string; region: string; sector?: string; publicKeyPem: string }

interface Row { id: string; role: string; name: string; region: string; sector: string | null; parent: string | null; public_key: string; fingerprint: string; status: string; updated_at: string }

const toEntry = (r: Row): DirectoryEntry => ({
  id: r.id, role: r.role, name: r.name, region: r.region, sector: r.sector, parent: r.parent,
  publicKey: r.public_key, fingerprint: r.fingerprint, status: r.status as DirectoryStatus, updatedAt: r.updated_at,
});

const CACHE_MS = 3000;

const CHILD_ROLES: Record<string, string[]> = { national: ['province'], province: ['city', 'industry'], city: ['industry'], industry: [] };

export interface DirectorySelf { id: string; role: string; name: string; region: string; sector: string | null; parent: string | null; publicKeyPem: string; privateKey: KeyObject }

export interface DirectoryDeps { db: Knex; clock: Clock; eventLog: EventLog; self: DirectorySelf }

/** The signed list a node serves at GET /exchange/v1/directory. */
export interface DirectoryDocument { issuer: string; issuedAt: string; entries: DirectoryEntry[] }

const fromEntry = (e: DirectoryEntry): Row => ({
  id: e.id, role: e.role, name: e.name, region: e.region, sector: e.sector, parent: e.parent,
  public_key: e.publicKey, fingerprint: e.fingerprint, status: e.status, updated_at: e.updatedAt,
});

function isEntry(v: unknown): v is DirectoryEntry {
  const e = v as Record<string, unknown> | null;
  return !!e && typeof e['id'] === 'string' && typeof e['role'] === 'string' && typeof e['publicKey'] === 'string'
    && (e['status'] === 'active' || e['status'] === 'revoked') && typeof e['updatedAt'] === 'string' && typeof e['region'] === 'string';
}

/**
 * Enrollment of children by this node's operator. Every change is a `directory` event of this node, appended in
 * the same transaction, so it travels up with the node's chain.
 */
export class DirectoryService {
  /** Parsed keys by node, kept briefly: a revocation made by another process (the CLI) counts within seconds. */
  private readonly cache = new Map<string, { value: { key: KeyObject; status: DirectoryStatus } | null; until: number }>();
  /** The whole directory as last read, for the per-query needs (scope sectors, origin names). */
  private listed: { entries: Promise<DirectoryEntry[]>; until: number } | undefined;

  constructor(private readonly deps: DirectoryDeps) {}

  private get db(): Knex {
    return this.deps.db;
  }

  async enroll(e: Enrollment): Promise<DirectoryEntry> {
    const problems: Array<{ path: string; message: string }> = [];
    if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(e.id)) problems.push({ path: 'id', message: '节点标识须为小写字母、数字和 -' });
    if (e.id === this.deps.self.id) problems.push({ path: 'id', message: '不能登记本节点自身' });
    if (!(CHILD_ROLES[this.deps.self.role] ?? []).includes(e.role)) problems.push({ path: 'role', message: `${this.deps.self.role} 节点不能登记角色为 ${e.role} 的下级节点` });
    if (!/^[1-8]\d{5}$/.test(e.region)) problems.push({ path: 'region', message: '行政区划代码须为 6 位数字' });
    if (e.role === 'industry' && !e.sector) problems.push({ path: 'sector', message: '行业节点必须指定行业领域（--sector）' });
    let key: KeyObject | undefined;
    try {
      key = createPublicKey(e.publicKeyPem);
      if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') problems.push({ path: 'publicKey', message: '公钥须为 ECDSA P-256（ES256）' });
    } catch {
      problems.push({ path: 'publicKey', message: '无法解析公钥（应为 PEM 格式）' });
    }
    if (problems.length || !key) throw new BadRequest(problems.map((p) => p.message).join('；'), problems);
    const row: Row = {
      id: e.id, role: e.role, name: e.name ?? e.id, region: e.region, sector: e.sector ?? null, parent: this.deps.self.id,
      public_key: key.export({ type: 'spki', format: 'pem' }).toString(), fingerprint: fingerprintOf(key), status: 'active', updated_at: this.deps.clock().toISOString(),
    };
    this.forget();
    return this.afterwardsForget(this.db.transaction(async (trx) => {
      const existing = (await trx('directory').where({ id: e.id }).first()) as Row | undefined;
      if (existing?.status === 'active') throw new Conflict(`节点 ${e.id} 已登记`);
      if (existing) await trx('directory').where({ id: e.id }).update(row);
      else await trx('directory').insert(row);
      const entry = toEntry(row);
      await this.deps.eventLog.append(trx, [{ kind: 'directory', entityId: e.id, op: 'enroll', body: entry }]);
      return entry;
    }));
  }

  async revoke(id: string): Promise<DirectoryEntry> {
    this.forget();
    return this.afterwardsForget(this.db.transaction(async (trx) => {
      const existing = (await trx('directory').where({ id }).first()) as Row | undefined;
      if (!existing) throw new NotFound(`目录中没有节点 ${id}`);
      if (existing.parent !== this.deps.self.id && this.deps.self.parent !== null) throw new BadRequest(`节点 ${id} 不是本节点登记的下级节点，只能由其上级或省级节点撤销`);
      const row = { ...existing, status: 'revoked', updated_at: this.deps.clock().toISOString() };
      await trx('directory').where({ id }).update({ status: row.status, updated_at: row.updated_at });
      const entry = toEntry(row);
      await this.deps.eventLog.append(trx, [{ kind: 'directory', entityId: id, op: 'revoke', body: entry }]);
      return entry;
    }));
  }

  async list(): Promise<DirectoryEntry[]> {
    return ((await this.db('directory').select('*').orderBy('id')) as Row[]).map(toEntry);
  }

  /**
   * The directory as read at most CACHE_MS ago (changes made through this service show at once): what every
   * query needs of it (sectors for scope decisions, origin names), without reading it on every request.
   */
  snapshot(): Promise<DirectoryEntry[]> {
    if (!this.listed || this.listed.until <= Date.now()) {
      const entries = this.list();
      this.listed = { entries, until: Date.now() + CACHE_MS };
      // A failed read is not kept.
      entries.catch(() => { this.listed = undefined; });
    }
    return this.listed.entries;
  }

  private forget(): void {
    this.cache.clear();
    this.listed = undefined;
  }

  /** Forgets again once a change has committed (or failed): what was read while it ran may be the old state. */
  private async afterwardsForget<T>(change: Promise<T>): Promise<T> {
    try {
      return await change;
    } finally {
      this.forget();
    }
  }

  /** The key and status of a node known here (self included); undefined for unknown nodes. */
  async lookup(id: string, db: Knex | Knex.Transaction = this.db): Promise<{ key: KeyObject; status: DirectoryStatus } | undefined> {
    if (id === this.deps.self.id) return { key: createPublicKey(this.deps.self.publicKeyPem), status: 'active' };
    const hit = this.cache.get(id);
    if (hit && hit.until > Date.now()) return hit.value ?? undefined;
    const row = (await db('directory').where({ id }).first()) as Row | undefined;
    const found = row ? { key: createPublicKey(row.public_key), status: row.status as DirectoryStatus } : null;
    // Only committed state is cached: a transaction's view may still roll back.
    if (db === this.db) this.cache.set(id, { value: found, until: Date.now() + CACHE_MS });
    return found ?? undefined;
  }

  /** The key of an active node, for verifying its tokens and signed heads; revoked and unknown nodes have none. */
  async publicKeyOf(id: string): Promise<KeyObject | undefined> {
    const found = await this.lookup(id);
    return found?.status === 'active' ? found.key : undefined;
  }

  async entry(id: string, db: Knex | Knex.Transaction = this.db): Promise<DirectoryEntry | undefined> {
    const row = (await db('directory').where({ id }).first()) as Row | undefined;
    return row ? toEntry(row) : undefined;
  }

  /** This node's own entry, as it appears in the directory it serves. */
  selfEntry(): DirectoryEntry {
    const s = this.deps.self;
    const key = createPublicKey(s.publicKeyPem);
    return { id: s.id, role: s.role, name: s.name, region: s.region, sector: s.sector, parent: s.parent, publicKey: key.export({ type: 'spki', format: 'pem' }).toString(), fingerprint: fingerprintOf(key), status: 'active', updatedAt: '1970-01-01T00:00:00.000Z' };
  }

  /** The node and every node below it, as far as this directory knows (enrollments travel up, so the hub knows all). */
  async subtreeOf(id: string, db: Knex | Knex.Transaction = this.db): Promise<Set<string>> {
    const rows = (await db('directory').select('id', 'parent')) as Array<{ id: string; parent: string | null }>;
    const children = new Map<string, string[]>();
    for (const r of rows) {
      if (!r.parent) continue;
      let list = children.get(r.parent);
      if (!list) children.set(r.parent, (list = []));
      list.push(r.id);
    }
    const out = new Set<string>([id]);
    const queue = [id];
    while (queue.length) for (const c of children.get(queue.shift() as string) ?? []) if (!out.has(c)) { out.add(c); queue.push(c); }
    return out;
  }

  /** The directory this node knows, with itself, signed with its node key (GET /exchange/v1/directory). */
  async signed(): Promise<string> {
    const entries = [this.selfEntry(), ...(await this.list()).filter((e) => e.id !== this.deps.self.id)];
    const doc: DirectoryDocument = { issuer: this.deps.self.id, issuedAt: this.deps.clock().toISOString(), entries };
    return signCompact(doc, this.deps.self.privateKey, this.deps.self.id);
  }

  /**
   * Merges the directory the parent served, after checking its signature with the parent's pinned key.
   * Newer entries win; nothing is deleted (an enrollment made here that the parent has not seen yet stays).
   */
  async refreshFrom(jws: string, parentId: string, parentKey: KeyObject): Promise<{ updated: number }> {
    const doc = verifyCompact(jws, parentKey) as DirectoryDocument | undefined;
    if (!doc || doc.issuer !== parentId || !Array.isArray(doc.entries)) throw new HeadSignatureInvalid(`上级节点 ${parentId} 的节点目录签名无效`);
    const updated = await this.db.transaction((trx) => this.merge(trx, doc.entries.filter(isEntry).filter((e) => e.id !== this.deps.self.id)));
    if (updated) this.forget();
    return { updated };
  }

  /**
   * Applies `directory` events received from another origin: an origin may only enroll or revoke its own
   * children (entry.parent = origin), except the province hub and national node, whose word is final.
   */
  async applyEvents(trx: Knex.Transaction, events: Array<{ origin: string; seq: number; body: unknown }>): Promise<{ applied: number; refused: Array<{ origin: string; seq: number; id: string }> }> {
    const ok: DirectoryEntry[] = [];
    const refused: Array<{ origin: string; seq: number; id: string }> = [];
    for (const ev of events) {
      if (!isEntry(ev.body)) { refused.push({ origin: ev.origin, seq: ev.seq, id: '?' }); continue; }
      const originEntry = await this.entry(ev.origin, trx);
      const authority = originEntry && (originEntry.role === 'province' || originEntry.role === 'national');
      if (ev.body.parent !== ev.origin && !authority) { refused.push({ origin: ev.origin, seq: ev.seq, id: ev.body.id }); continue; }
      if (ev.body.id === this.deps.self.id) continue;
      ok.push(ev.body);
    }
    const applied = await this.merge(trx, ok);
    if (applied) this.forget();
    return { applied, refused };
  }

  private async merge(trx: Knex.Transaction, entries: DirectoryEntry[]): Promise<number> {
    let n = 0;
    for (const e of entries) {
      const existing = (await trx('directory').where({ id: e.id }).first()) as Row | undefined;
      if (existing && existing.updated_at >= e.updatedAt) continue;
      if (existing) await trx('directory').where({ id: e.id }).update(fromEntry(e));
      else await trx('directory').insert(fromEntry(e));
      n += 1;
    }
    return n;
  }
}
