import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { open, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Knex } from 'knex';
import type { Config, PgStoreConfig, SqliteStoreConfig } from '../config/types.ts';
import type { EventLog } from '../exchange/event-log.ts';
import { verifyCompact } from '../exchange/jws.ts';
import { canonicalize } from '../exchange/canonical-json.ts';
import { BadRequest, Conflict } from '../errors.ts';
import { openStore } from './connection.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { dataKeyCheckOf, isEmptyStore, manifestProblems, summaryDifferences, type BackupManifest, type StoreSummary } from './backup-manifest.ts';
import { summarizeStore } from './backup-summary.ts';
import { openBackup, storeStream, type OpenedBackup } from './backup-file.ts';
import { integrityCheck, openSqliteFile } from './backup-sqlite.ts';
import { psqlScript, requirePgTool, rewriteScript, schemaRewriter } from './backup-pg.ts';
import { syncDir } from './backup.ts';

/** The node a backup is restored into: its config and keys exist; its store is empty (or a fresh `init`). */
export interface RestoreTarget {
  config: Config;
  keys: { publicKey: KeyObject; fingerprint: string };
  dataKey: Buffer;
  vault: { currentVersion: number };
  eventLog: EventLog;
}

const damaged = (file: string, why: string) => new BadRequest(`备份文件已损坏或不完整，拒绝恢复：${file}（${why}）`);

/**
 * Reads and checks a backup's manifest against the restoring node: its shape, the node it came from, the key
 * pair (the manifest's signature) and the data key, the store kind and the program version.
 */
export async function readBackup(file: string, target: RestoreTarget): Promise<{ opened: OpenedBackup; manifest: BackupManifest }> {
  if (!existsSync(file)) throw new BadRequest(`备份文件不存在：${file}`);
  const opened = await openBackup(file);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(opened.manifestText) as Record<string, unknown>;
  } catch {
    throw damaged(file, '备份清单不是合法的 JSON');
  }
  const { signature, ...unsigned } = raw;
  const problems = manifestProblems(unsigned);
  if (problems.length) throw damaged(file, `备份清单有误：${problems.join('；')}`);
  const m = unsigned as unknown as BackupManifest;
  const cfg = target.config;
  if (m.node.id !== cfg.id) throw new BadRequest(`备份来自节点 ${m.node.id}，与本节点 ${cfg.id} 不符，拒绝恢复`);
  if (m.node.keyFingerprint !== target.keys.fingerprint) {
    throw new BadRequest(`本节点的密钥与备份不符（备份：公钥指纹 ${m.node.keyFingerprint.slice(0, 16)}…，本节点：${target.keys.fingerprint.slice(0, 16)}…）：备份不含密钥，请先放回原节点的密钥文件（${path.dirname(cfg.keys.privateKey)}）`);
  }
  const signed = typeof signature === 'string' ? verifyCompact(signature, target.keys.publicKey) : undefined;
  if (signed === undefined || canonicalize(signed) !== canonicalize(m)) throw damaged(file, '备份清单的签名无效（清单被改动）');
  if (m.node.dataKeyCheck !== dataKeyCheckOf(target.dataKey)) throw new BadRequest(`数据密钥与备份不符：请先放回原节点的数据密钥文件 ${cfg.keys.dataKey}（否则个人证件号码无法解密）`);
  if (target.vault.currentVersion < m.node.dataKeyVersion) {
    throw new BadRequest(`备份使用第 ${m.node.dataKeyVersion} 版个人证件号码密钥，本节点只有到第 ${target.vault.currentVersion} 版：请先放回原节点的 ${path.join(path.dirname(cfg.keys.dataKey), 'data-keys')} 目录`);
  }
  if (m.store.client !== cfg.store.client) throw new BadRequest(`备份是 ${m.store.client === 'pg' ? 'PostgreSQL' : 'SQLite'} 存储的副本，本节点配置的存储是 ${cfg.store.client === 'pg' ? 'PostgreSQL' : 'SQLite'}（store.client），拒绝恢复`);
  if (m.store.entry !== opened.store.name || m.store.bytes !== opened.store.size) throw damaged(file, '存储副本的大小与清单不符');
  if (m.migration && !MIGRATIONS.some(([name]) => name === m.migration)) throw new BadRequest(`备份来自较新版本的程序（数据库版本 ${m.migration}），请先升级本程序再恢复`);
  return { opened, manifest: m };
}

/**
 * Restores a backup into the node's empty store and checks it before declaring success: the file's digest,
 * then the restored copy's heads and counts against the manifest (SQLite also checks every page). The copy is
 * made beside the store and put in place only when it passed (a rename; on PostgreSQL a staging schema whose
 * tables move into the node's schema in one transaction), so a refused or failed restore leaves nothing behind.
 */
export async function restoreBackup(target: RestoreTarget, file: string, opts: { say?: (message: string) => void } = {}): Promise<{ manifest: BackupManifest }> {
  const say = opts.say ?? (() => undefined);
  const { opened, manifest } = await readBackup(file, target);
  if (target.config.store.client === 'sqlite') await restoreSqlite(target, target.config.store, file, opened, manifest, say);
  else await restorePg(target, target.config.store, file, opened, manifest, say);
  say(`恢复完成：事件 ${manifest.counts.events} 条，信用记录 ${manifest.counts.records} 条，审计日志 ${manifest.counts.auditEntries} 条（备份时间 ${manifest.createdAt}）`);
  return { manifest };
}

async function verifyDigest(file: string, opened: OpenedBackup, expected: string, say: (m: string) => void): Promise<void> {
  say(`正在校验备份文件摘要：${file}`);
  const hash = createHash('sha256');
  for await (const chunk of storeStream(file, opened.store)) hash.update(chunk as Buffer);
  if (hash.digest('hex') !== expected) throw damaged(file, '存储副本的 SHA-256 摘要与清单不符');
}

function checkRestored(file: string, manifest: BackupManifest, actual: StoreSummary): void {
  const diff = summaryDifferences(manifest, actual);
  if (diff.length) throw damaged(file, `恢复出的数据与清单不符：${diff.slice(0, 5).join('；')}`);
}

const notEmpty = (where: string, s: StoreSummary) => new Conflict(
  `存储中已有数据，拒绝覆盖：${where}（事件 ${s.counts.events} 条、信用记录 ${s.counts.records} 条、主体 ${s.counts.subjects} 个、审计日志 ${s.counts.auditEntries} 条）。只能恢复到空的数据目录或刚 init 的节点`,
);

/** A SQLite target is empty when its file is absent, empty, or a fresh `init` store, and no process has it open. */
async function ensureSqliteEmpty(cfg: SqliteStoreConfig, eventLog: EventLog): Promise<void> {
  if (!existsSync(cfg.file) || statSync(cfg.file).size === 0) return;
  const store = openStore(cfg);
  let summary: StoreSummary;
  try {
    summary = await summarizeStore(store.knex, eventLog);
  } catch {
    throw new Conflict(`数据目录中已有一个不是本程序空存储的文件，拒绝覆盖：${cfg.file}`);
  } finally {
    await store.close();
  }
  if (!isEmptyStore(summary)) throw notEmpty(cfg.file, summary);
  // The last connection to close removes the -wal file: one still there means another process (a running node).
  if (existsSync(`${cfg.file}-wal`)) throw new Conflict(`存储正被其他进程使用（节点是否仍在运行？），请先停止节点：${cfg.file}`);
}

async function restoreSqlite(target: RestoreTarget, cfg: SqliteStoreConfig, file: string, opened: OpenedBackup, manifest: BackupManifest, say: (m: string) => void): Promise<void> {
  await ensureSqliteEmpty(cfg, target.eventLog);
  await verifyDigest(file, opened, manifest.store.sha256, say);
  const createdDir = mkdirSync(path.dirname(cfg.file), { recursive: true });
  const temp = `${cfg.file}.${randomBytes(4).toString('hex')}.restore`;
  let done = false;
  try {
    say(`正在解压存储副本到 ${temp}`);
    try {
      await pipeline(storeStream(file, opened.store), createGunzip(), createWriteStream(temp, { mode: 0o600 }));
    } catch (err) {
      throw damaged(file, `存储副本无法解压：${(err as Error).message}`);
    }
    const db = openSqliteFile(temp, { readonly: true });
    try {
      const check = await integrityCheck(db).catch((err: unknown) => (err as Error).message.split(' - ').pop() ?? '');
      if (check !== 'ok') throw damaged(file, `存储副本的完整性检查未通过：${check.slice(0, 300)}`);
      checkRestored(file, manifest, await summarizeStore(db, target.eventLog));
    } finally {
      await db.destroy();
    }
    const fh = await open(temp, 'r');
    await fh.sync().finally(() => fh.close());
    // Checked again just before the swap: nothing may have started on the store meanwhile.
    await ensureSqliteEmpty(cfg, target.eventLog);
    await rm(`${cfg.file}-wal`, { force: true });
    await rm(`${cfg.file}-shm`, { force: true });
    await rename(temp, cfg.file);
    await syncDir(path.dirname(cfg.file));
    done = true;
  } finally {
    await rm(temp, { force: true });
    // A data dir made for the restore goes again when the restore failed (rmdir leaves one that is not empty).
    if (!done && createdDir) await rmdir(createdDir).catch(() => undefined);
  }
}

const rowsOf = async <T>(db: Knex | Knex.Transaction, sql: string, bindings: unknown[] = []) => ((await db.raw(sql, bindings as never[])) as { rows: T[] }).rows;

/**
 * The tables in `schema`: none, or a fresh `init` store whose tables are all the node's own (named in the
 * backup), since they are dropped for the restored ones; refused otherwise. Returns the tables.
 */
async function ensurePgEmpty(db: Knex | Knex.Transaction, schema: string, eventLog: EventLog, own: readonly string[]): Promise<string[]> {
  const tables = (await rowsOf<{ tablename: string }>(db, 'select tablename from pg_tables where schemaname = ?', [schema])).map((r) => r.tablename);
  if (tables.length === 0) return tables;
  const foreign = tables.filter((t) => !own.includes(t));
  if (!tables.includes('knex_migrations') || foreign.length) {
    throw new Conflict(`PostgreSQL 模式 ${schema} 中已有其他表（${(foreign.length ? foreign : tables).slice(0, 5).join('、')}），拒绝覆盖（只能恢复到空模式或刚 init 的节点）`);
  }
  const summary = await summarizeStore(db, eventLog);
  if (!isEmptyStore(summary)) throw notEmpty(`PostgreSQL 模式 ${schema}`, summary);
  return tables;
}

async function restorePg(target: RestoreTarget, cfg: PgStoreConfig, file: string, opened: OpenedBackup, manifest: BackupManifest, say: (m: string) => void): Promise<void> {
  requirePgTool('psql');
  const store = openStore(cfg);
  const staging = `credit_restore_${randomBytes(4).toString('hex')}`;
  try {
    const current = (await rowsOf<{ schema: string | null }>(store.knex, 'select current_schema() as schema'))[0]?.schema;
    const schema = cfg.schema ?? current ?? 'public';
    await ensurePgEmpty(store.knex, schema, target.eventLog, manifest.store.relations ?? []);
    await verifyDigest(file, opened, manifest.store.sha256, say);
    // The dump holds the node's schema only; the trigram index needs pg_trgm as the subject-search migration installs it.
    await store.knex.raw('create extension if not exists pg_trgm with schema public');
    const gunzip = createGunzip();
    const source = storeStream(file, opened.store);
    source.once('error', (err) => gunzip.destroy(err));
    const script = rewriteScript(source.pipe(gunzip), schemaRewriter(manifest.store.schema as string, staging, manifest.store.relations ?? []), `SET client_min_messages = warning;\nCREATE SCHEMA ${staging};\n`);
    say(`正在导入到临时模式 ${staging}（psql，单个事务）`);
    try {
      await psqlScript(cfg.connection, script);
    } catch (err) {
      throw damaged(file, `导入失败：${(err as Error).message}`);
    }
    const staged = openStore({ ...cfg, schema: staging, pool: { min: 0, max: 1 } });
    try {
      checkRestored(file, manifest, await summarizeStore(staged.knex, target.eventLog));
    } finally {
      await staged.close();
    }
    say(`校验通过，正在移入模式 ${schema}`);
    await store.knex.transaction(async (trx) => {
      await trx.raw('create schema if not exists ??', [schema]);
      const fresh = await ensurePgEmpty(trx, schema, target.eventLog, manifest.store.relations ?? []);
      for (const t of fresh) await trx.raw('drop table if exists ??.?? cascade', [schema, t]);
      const moving = await rowsOf<{ relname: string; relkind: string }>(trx, `select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = ? and c.relkind in ('r', 'p') order by c.relname`, [staging]);
      for (const r of moving) await trx.raw('alter table ??.?? set schema ??', [staging, r.relname, schema]);
      // Sequences of serial columns moved with their tables; anything else that is left moves on its own.
      const kinds: Record<string, string> = { S: 'sequence', v: 'view', m: 'materialized view' };
      const rest = await rowsOf<{ relname: string; relkind: string }>(trx, `select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = ? and c.relkind in ('S', 'v', 'm')`, [staging]);
      for (const r of rest) await trx.raw(`alter ${kinds[r.relkind] as string} ??.?? set schema ??`, [staging, r.relname, schema]);
      await trx.raw('drop schema ?? restrict', [staging]);
      checkRestored(file, manifest, await summarizeStore(trx, target.eventLog));
    });
  } finally {
    await store.knex.raw('drop schema if exists ?? cascade', [staging]).catch(() => undefined);
    await store.close();
  }
}
