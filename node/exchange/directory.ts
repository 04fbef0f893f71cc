import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Knex } from 'knex';
import type { EventLog } from './event-log.ts';
import { fingerprintOf } from './keys.ts';
import type { Clock } from '../clock.ts';
import { BadRequest, Conflict, NotFound } from '../errors.ts';

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

export interface Enrollment { id: string; role: string; name?: string; region: string; sector?: string; publicKeyPem: string }

interface Row { id: string; role: string; name: string; region: string; sector: string | null; parent: string | null; public_key: string; fingerprint: string; status: string; updated_at: string }

const toEntry = (r: Row): DirectoryEntry => ({
  id: r.id, role: r.role, name: r.name, region: r.region, sector: r.sector, parent: r.parent,
  publicKey: r.public_key, fingerprint: r.fingerprint, status: r.status as DirectoryStatus, updatedAt: r.updated_at,
});

const CHILD_ROLES: Record<string, string[]> = { national: ['province'], province: ['city', 'industry'], city: ['industry'], industry: [] };

export interface DirectoryDeps { db: Knex; clock: Clock; eventLog: EventLog; self: { id: string; role: string } }

/**
 * Enrollment of children by this node's operator. Every change is a `directory` event of this node, appended in
 * the same transaction, so it travels up with the node's chain.
 */
export class DirectoryService {
  constructor(private readonly deps: DirectoryDeps) {}

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
    return this.deps.db.transaction(async (trx) => {
      const existing = (await trx('directory').where({ id: e.id }).first()) as Row | undefined;
      if (existing?.status === 'active') throw new Conflict(`节点 ${e.id} 已登记`);
      if (existing) await trx('directory').where({ id: e.id }).update(row);
      else await trx('directory').insert(row);
      const entry = toEntry(row);
      await this.deps.eventLog.append(trx, [{ kind: 'directory', entityId: e.id, op: 'enroll', body: entry }]);
      return entry;
    });
  }

  async revoke(id: string): Promise<DirectoryEntry> {
    return this.deps.db.transaction(async (trx) => {
      const existing = (await trx('directory').where({ id }).first()) as Row | undefined;
      if (!existing) throw new NotFound(`目录中没有节点 ${id}`);
      const row = { ...existing, status: 'revoked', updated_at: this.deps.clock().toISOString() };
      await trx('directory').where({ id }).update({ status: row.status, updated_at: row.updated_at });
      const entry = toEntry(row);
      await this.deps.eventLog.append(trx, [{ kind: 'directory', entityId: id, op: 'revoke', body: entry }]);
      return entry;
    });
  }

  async list(): Promise<DirectoryEntry[]> {
    return ((await this.deps.db('directory').select('*').orderBy('id')) as Row[]).map(toEntry);
  }

  /** The key of an active node, for verifying its tokens and signed heads; revoked and unknown nodes have none. */
  async publicKeyOf(id: string): Promise<KeyObject | undefined> {
    const row = (await this.deps.db('directory').where({ id, status: 'active' }).first()) as Row | undefined;
    return row ? createPublicKey(row.public_key) : undefined;
  }
}
