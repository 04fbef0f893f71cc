import { createHmac } from 'node:crypto';

/**
 * What a backup says about itself (pure): which node, when, which store, and what the copy holds (heads, counts,
 * audit head), read from the copy; plus the SHA-256 of the store entry. Restore checks the restored store
 * against it before declaring success. The manifest is signed with the node key (backup.ts), so a changed byte
 * anywhere in it is noticed as well.
 */

export const BACKUP_FORMAT = 'credit-node-backup';
export const BACKUP_VERSION = 1;
export const BACKUP_EXT = 'tar';
export const MANIFEST_ENTRY = 'manifest.json';

export interface ChainHead { seq: number; hash: string }

/** What a store holds, read through the owners' repos (backup-summary.ts). */
export interface StoreSummary {
  /** origin → the head of its chain as stored. */
  heads: Record<string, ChainHead>;
  /** auditEntries is the audit chain's length (its seqs run 1..n without gaps; `verify` checks that). */
  counts: { events: number; records: number; subjects: number; auditEntries: number };
  /** The last link of the node's audit chain (null when empty). */
  audit: ChainHead | null;
  /** The latest migration applied to the store. */
  migration: string | null;
}

export interface BackupStoreInfo {
  client: 'sqlite' | 'pg';
  /** The archive entry holding the copy. */
  entry: string;
  /** sqlite: the database file; sql: a plain pg_dump script of the node's schema. */
  format: 'sqlite' | 'sql';
  compression: 'gzip';
  /** Size and SHA-256 (hex) of the entry as stored in the archive (compressed). */
  bytes: number;
  sha256: string;
  /** PostgreSQL: the schema dumped and the relations in it (restore renames exactly these). */
  schema?: string;
  relations?: string[];
}

export interface BackupManifest extends StoreSummary {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  node: {
    id: string;
    role: string;
    name: string;
    region: string;
    /** The node's public key fingerprint: restore needs the same key pair (keys are not in the backup). */
    keyFingerprint: string;
    /** A check value of the data key (not the key): personal ID numbers in the copy open only with it. */
    dataKeyCheck: string;
    /** The personal-ID key version in use: a restoring node needs keys/data-keys up to it. */
    dataKeyVersion: number;
  };
  createdAt: string;
  store: BackupStoreInfo;
}

/** A check value of the data key: an HMAC of a fixed label, so it tells keys apart and reveals nothing of them. */
export function dataKeyCheckOf(dataKey: Buffer): string {
  return createHmac('sha256', dataKey).update('credit-node/backup/data-key-check/v1').digest('hex').slice(0, 16);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isHead = (v: unknown): v is ChainHead => isObject(v) && isCount(v['seq']) && typeof v['hash'] === 'string';

/** Checks a parsed manifest's shape; returns the problems (empty when it is usable). */
export function manifestProblems(m: unknown): string[] {
  if (!isObject(m)) return ['清单不是 JSON 对象'];
  const out: string[] = [];
  if (m['format'] !== BACKUP_FORMAT) out.push(`format 应为 ${BACKUP_FORMAT}`);
  if (m['version'] !== BACKUP_VERSION) out.push(`不支持的备份格式版本 ${String(m['version'])}（本程序支持 ${BACKUP_VERSION}）`);
  const node = m['node'];
  if (!isObject(node) || typeof node['id'] !== 'string' || typeof node['keyFingerprint'] !== 'string' || typeof node['dataKeyCheck'] !== 'string' || !isCount(node['dataKeyVersion'])) out.push('node 缺少节点标识或密钥信息');
  if (typeof m['createdAt'] !== 'string') out.push('缺少 createdAt');
  const store = m['store'];
  if (!isObject(store) || (store['client'] !== 'sqlite' && store['client'] !== 'pg') || typeof store['entry'] !== 'string' || !isCount(store['bytes']) || typeof store['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(store['sha256'])) {
    out.push('store 缺少存储类型、大小或摘要');
  } else if (store['client'] === 'pg' && (typeof store['schema'] !== 'string' || !Array.isArray(store['relations']))) {
    out.push('store 缺少 PostgreSQL 模式名或表清单');
  }
  if (!isObject(m['heads']) || !Object.values(m['heads']).every(isHead)) out.push('heads 格式错误');
  const counts = m['counts'];
  if (!isObject(counts) || !['events', 'records', 'subjects', 'auditEntries'].every((k) => isCount(counts[k]))) out.push('counts 格式错误');
  if (m['audit'] !== null && !isHead(m['audit'])) out.push('audit 格式错误');
  return out;
}

/** How a restored store differs from what the manifest says it held (empty when it matches). */
export function summaryDifferences(expected: StoreSummary, actual: StoreSummary): string[] {
  const out: string[] = [];
  for (const k of ['events', 'records', 'subjects', 'auditEntries'] as const) {
    if (expected.counts[k] !== actual.counts[k]) out.push(`${k} 数量：清单 ${expected.counts[k]}，实际 ${actual.counts[k]}`);
  }
  const origins = new Set([...Object.keys(expected.heads), ...Object.keys(actual.heads)]);
  for (const o of [...origins].sort()) {
    const e = expected.heads[o];
    const a = actual.heads[o];
    if (e?.seq !== a?.seq || e?.hash !== a?.hash) out.push(`来源 ${o} 的链头：清单 ${e ? `${e.seq}/${e.hash.slice(0, 12)}` : '无'}，实际 ${a ? `${a.seq}/${a.hash.slice(0, 12)}` : '无'}`);
  }
  const ea = expected.audit;
  const aa = actual.audit;
  if (ea?.seq !== aa?.seq || ea?.hash !== aa?.hash) out.push(`审计日志链头：清单 ${ea ? ea.seq : '无'}，实际 ${aa ? aa.seq : '无'}`);
  return out;
}

/** True when the store holds nothing a node wrote: no events, records, subjects or audit entries (a fresh `init`). */
export function isEmptyStore(s: StoreSummary): boolean {
  return s.counts.events === 0 && s.counts.records === 0 && s.counts.subjects === 0 && s.counts.auditEntries === 0 && Object.keys(s.heads).length === 0;
}

/** `20260302T013000.123Z`: UTC, sortable as text, safe in file names. */
export function backupStamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '');
}

/** The file name of a scheduled backup: `<node-id>-<timestamp>.tar`. */
export function backupFileName(nodeId: string, d: Date): string {
  return `${nodeId}-${backupStamp(d)}.${BACKUP_EXT}`;
}

/** This node's backup files among `names`, oldest first (the timestamps sort as text). */
export function backupsOf(nodeId: string, names: readonly string[]): string[] {
  const prefix = `${nodeId}-`;
  const suffix = `.${BACKUP_EXT}`;
  return names
    .filter((n) => n.startsWith(prefix) && n.endsWith(suffix) && /^\d{8}T\d{6}\.\d{3}Z$/.test(n.slice(prefix.length, -suffix.length)))
    .sort();
}

/** The backups to delete so that the newest `keep` remain. */
export function expiredBackups(nodeId: string, names: readonly string[], keep: number): string[] {
  const mine = backupsOf(nodeId, names);
  return mine.slice(0, Math.max(0, mine.length - keep));
}
