import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { AccessHook } from '../access/access-hook.ts';
import { scheduleJob, type ScheduledJob } from '../jobs/schedule.ts';
import { backupFileName, backupsOf, expiredBackups } from './backup-manifest.ts';
import { createBackup, type BackupResult, type BackupSource } from './backup.ts';

/** A node whose store is backed up: the backup's sources, its audit trail and log. */
export interface BackupNode extends BackupSource {
  access: AccessHook;
  log: Logger;
}

/** A backup of the node's store into `out`, recorded in the audit trail as an export by the node itself. */
export async function backupNode(node: BackupNode, out: string, say?: (message: string) => void): Promise<BackupResult> {
  const result = await createBackup(node, out, say ? { say } : {});
  await node.access({
    principal: null, action: 'export', target: path.basename(result.file), count: result.manifest.counts.records,
    detail: { backup: { bytes: result.bytes, sha256: result.manifest.store.sha256, events: result.manifest.counts.events } },
  });
  return result;
}

/**
 * A backup named `<node-id>-<timestamp>.tar` in `dir`, then the node's oldest backups there beyond `keep` are
 * deleted (only files of this node with that name form; nothing else in the folder is touched).
 */
export async function backupToDir(node: BackupNode, dir: string, keep: number, say?: (message: string) => void): Promise<BackupResult & { deleted: string[] }> {
  const result = await backupNode(node, path.join(dir, backupFileName(node.config.id, node.clock())), say);
  const deleted = expiredBackups(node.config.id, readdirSync(dir), keep);
  for (const name of deleted) await rm(path.join(dir, name), { force: true });
  if (deleted.length) say?.(`已删除超出保留份数（${keep}）的旧备份：${deleted.join('、')}`);
  return { ...result, deleted };
}

/** A start-up backup is skipped when the newest one is younger than this (a restart does not make another). */
const CATCH_UP_AFTER_MS = 24 * 3600_000;

/** The time in a backup's name (`…-20260302T013000.123Z.tar`). */
function stampTime(name: string): number {
  const m = /(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z\.tar$/.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7])) : 0;
}

/**
 * Scheduled backups (config `schedules.backup`, China time, off unless set) into `backup.dir`, keeping
 * `backup.keep`. Shortly after start one is made when the newest is more than a day old, so a node that was down
 * at the scheduled time catches up; a failure is logged and the next run tries again.
 */
export function startBackupSchedule(node: BackupNode, expression: string, opts: { startDelayMs?: number } = {}): ScheduledJob<BackupResult | undefined> {
  const { dir, keep } = node.config.backup;
  let first = true;
  return scheduleJob('store-backup', expression, async () => {
    if (first) {
      first = false;
      let names: string[] = [];
      try {
        names = backupsOf(node.config.id, readdirSync(dir));
      } catch {
        // No folder yet: no backup yet.
      }
      const newest = names.at(-1);
      if (newest && node.clock().getTime() - stampTime(newest) < CATCH_UP_AFTER_MS) return undefined;
    }
    const result = await backupToDir(node, dir, keep);
    node.log.info({ file: result.file, bytes: result.bytes, events: result.manifest.counts.events, deleted: result.deleted.length }, 'store backup written');
    return result;
  }, { log: node.log, failure: 'store backup failed, will retry at the next run', ...(opts.startDelayMs !== undefined ? { startDelayMs: opts.startDelayMs } : {}) });
}
