import { existsSync } from 'node:fs';
import path from 'node:path';
import { parse, printResult, required, say, withNode } from './common.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/types.ts';
import { loadNodeKeys } from '../exchange/keys.ts';
import { loadOrCreateSecret } from '../access/secrets.ts';
import { PersonalIdVault } from '../access/personal-id.ts';
import { EventLog } from '../exchange/event-log.ts';
import { systemClock } from '../clock.ts';
import { BadRequest } from '../errors.ts';
import { restoreBackup, type RestoreTarget } from '../store/backup-restore.ts';
import { stateRepo } from '../exchange/state-repo.ts';

/** The node a backup goes into, from its config and key files (which the backup does not hold). */
export function restoreTarget(config: Config): RestoreTarget {
  for (const [what, f] of [['节点私钥', config.keys.privateKey], ['数据密钥', config.keys.dataKey]] as const) {
    if (!existsSync(f)) throw new BadRequest(`${what}文件不存在：${f}。备份不含密钥：请先放回原节点的密钥文件再恢复`);
  }
  const keys = loadNodeKeys(config.keys.privateKey, config.keys.publicKey);
  const dataKey = loadOrCreateSecret(config.keys.dataKey);
  return { config, keys, dataKey, vault: PersonalIdVault.load(dataKey, config.keys.dataKey), eventLog: new EventLog({ origin: config.id, clock: systemClock }) };
}

/**
 * Restores a backup into the empty store of a node whose config and keys are in place (CONTRACT.md `restore
 * --from <file>`), checking the file's digest and the restored heads and counts against its manifest first.
 * The node must be stopped; afterwards `credit-node verify` checks every chain and signature.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { from: { type: 'string' } });
  required(values, ['from']);
  const file = path.resolve(String(values.from));
  const { manifest } = await restoreBackup(restoreTarget(loadConfig(String(values.config))), file, { say });
  // Opened once: the store is brought to this program's schema, and the restore enters the audit trail.
  await withNode(String(values.config), async (ctx) => {
    // Its parent may hold events of this node written after the backup: no new ones until an up round compared.
    if (ctx.config.parentUrl) await stateRepo.setChainUnconfirmed(ctx.store.knex, manifest.createdAt, ctx.clock().toISOString());
    await ctx.access({
      principal: null, action: 'import', target: path.basename(file), count: manifest.counts.records,
      detail: { restore: { createdAt: manifest.createdAt, sha256: manifest.store.sha256, events: manifest.counts.events } },
    });
  });
  say('请运行 credit-node verify 校验全部哈希链和签名，然后启动节点');
  printResult({ restored: true, manifest });
  return 0;
}
