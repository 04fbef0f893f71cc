import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { KeyObject } from 'node:crypto';
import type { Config } from '../config/types.ts';
import type { Clock } from '../clock.ts';
import type { EventLog } from '../exchange/event-log.ts';
import { Conflict } from '../errors.ts';
import { signCompact } from '../exchange/jws.ts';
import type { Store } from './connection.ts';
import { BACKUP_FORMAT, BACKUP_VERSION, dataKeyCheckOf, type BackupManifest, type BackupStoreInfo, type StoreSummary } from './backup-manifest.ts';
import { summarizeStore } from './backup-summary.ts';
import { copySqliteOnThread, openSqliteFile } from './backup-sqlite.ts';
import { pgDump, requirePgTool } from './backup-pg.ts';
import { finishArchive, Meter } from './backup-file.ts';
import { BLOCK } from './backup-archive.ts';

/** What a backup reads: the node's config and store, its event log (heads) and keys (signature, key checks). */
export interface BackupSource {
  config: Config;
  store: Store;
  eventLog: EventLog;
  keys: { privateKey: KeyObject; fingerprint: string };
  dataKey: Buffer;
  vault: { currentVersion: number };
  clock: Clock;
}

export interface BackupResult { file: string; bytes: number; manifest: BackupManifest }

const tempName = (file: string, what: string) => `${file}.${randomBytes(4).toString('hex')}.${what}`;

/**
 * Writes a consistent copy of the running node's store to `out` (one tar file: the compressed store copy and its
 * signed manifest) while the node keeps serving and writing. SQLite: the online backup API on a connection of
 * its own; PostgreSQL: pg_dump of the node's schema in a snapshot the manifest is read in too. The file appears
 * under its name only when complete (written beside it, then renamed); an existing file is never overwritten.
 */
export async function createBackup(src: BackupSource, out: string, opts: { say?: (message: string) => void } = {}): Promise<BackupResult> {
  const file = path.resolve(out);
  if (existsSync(file)) throw new Conflict(`备份文件已存在，不会覆盖：${file}`);
  mkdirSync(path.dirname(file), { recursive: true });
  const partial = tempName(file, 'partial');
  const say = opts.say ?? (() => undefined);
  try {
    const createdAt = src.clock();
    const copied = src.config.store.client === 'sqlite' ? await sqliteCopy(src, file, partial, say) : await pgCopy(src, partial, say);
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      node: {
        id: src.config.id, role: src.config.role, name: src.config.name, region: src.config.region,
        keyFingerprint: src.keys.fingerprint, dataKeyCheck: dataKeyCheckOf(src.dataKey), dataKeyVersion: src.vault.currentVersion,
      },
      createdAt: createdAt.toISOString(),
      store: copied.store,
      heads: copied.summary.heads,
      counts: copied.summary.counts,
      audit: copied.summary.audit,
      migration: copied.summary.migration,
    };
    // Signed with the node key, so restore notices a changed byte anywhere in the manifest too.
    const text = `${JSON.stringify({ ...manifest, signature: signCompact(manifest, src.keys.privateKey, src.config.id) }, null, 2)}\n`;
    const bytes = await finishArchive(partial, { name: copied.store.entry, size: copied.store.bytes }, text, createdAt);
    if (existsSync(file)) throw new Conflict(`备份文件已存在，不会覆盖：${file}`);
    await rename(partial, file);
    await syncDir(path.dirname(file));
    say(`备份完成：${file}（${bytes} 字节，事件 ${manifest.counts.events} 条，信用记录 ${manifest.counts.records} 条）`);
    return { file, bytes, manifest };
  } finally {
    await rm(partial, { force: true });
  }
}

interface Copied { store: BackupStoreInfo; summary: StoreSummary }

async function sqliteCopy(src: BackupSource, file: string, partial: string, say: (m: string) => void): Promise<Copied> {
  const cfg = src.config.store;
  if (cfg.client !== 'sqlite') throw new Error('not a SQLite store');
  const copy = tempName(file, 'sqlite');
  try {
    say(`正在复制 SQLite 存储（在线备份，节点可继续读写）：${cfg.file}`);
    const pages = await copySqliteOnThread({ source: cfg.file, dest: copy, busyTimeoutMs: cfg.busyTimeoutMs });
    say(`已复制 ${pages} 页，正在读取副本的链头与数量并压缩`);
    const db = openSqliteFile(copy, { readonly: true });
    let summary: StoreSummary;
    try {
      summary = await summarizeStore(db, src.eventLog);
    } finally {
      await db.destroy();
    }
    const meter = new Meter();
    await pipeline(createReadStream(copy), createGzip(), meter, createWriteStream(partial, { start: BLOCK, mode: 0o600 }));
    return { store: { client: 'sqlite', entry: 'store.sqlite.gz', format: 'sqlite', compression: 'gzip', bytes: meter.bytes, sha256: meter.digest() }, summary };
  } finally {
    await rm(copy, { force: true });
  }
}

/**
 * pg_dump runs in a snapshot exported by a repeatable-read transaction that stays open until it ends; the
 * manifest's heads and counts are read in that same transaction, so they describe exactly what was dumped.
 */
async function pgCopy(src: BackupSource, partial: string, say: (m: string) => void): Promise<Copied> {
  const cfg = src.config.store;
  if (cfg.client !== 'pg') throw new Error('not a PostgreSQL store');
  requirePgTool('pg_dump');
  return src.store.knex.transaction(async (trx) => {
    const first = async <T>(sql: string, bindings: unknown[] = []) => ((await trx.raw(sql, bindings as never[])) as { rows: T[] }).rows[0] as T;
    const { snapshot } = await first<{ snapshot: string }>('select pg_export_snapshot() as snapshot');
    const { schema } = await first<{ schema: string | null }>('select current_schema() as schema');
    if (!schema) throw new Error('the node has no schema on its search path');
    const relations = ((await trx.raw(
      `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = ? and c.relkind in ('r', 'p', 'S', 'v', 'm', 'i', 'I') order by c.relname`,
      [schema],
    )) as { rows: Array<{ relname: string }> }).rows.map((r) => r.relname);
    const summary = await summarizeStore(trx, src.eventLog);
    say(`正在导出 PostgreSQL 模式 ${schema}（pg_dump，一致性快照，节点可继续读写）`);
    const dump = pgDump(cfg.connection, schema, snapshot);
    const meter = new Meter();
    await Promise.all([pipeline(dump.stdout, createGzip(), meter, createWriteStream(partial, { start: BLOCK, mode: 0o600 })), dump.done]);
    return { store: { client: 'pg', entry: 'store.sql.gz', format: 'sql', compression: 'gzip', bytes: meter.bytes, sha256: meter.digest(), schema, relations }, summary } satisfies Copied;
  }, { isolationLevel: 'repeatable read', readOnly: true });
}

/** Makes a rename durable: the directory entry is flushed too. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    // Some file systems cannot sync a directory; the rename itself has happened.
  } finally {
    await fh.close();
  }
}
