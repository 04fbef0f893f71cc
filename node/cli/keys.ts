import { parse, printResult, withNode } from './common.ts';
import { loadConfig } from '../config/load.ts';
import { loadNodeKeys } from '../exchange/keys.ts';
import { addKeyVersion, versionOf } from '../access/personal-id.ts';
import { naturalPersonsRepo } from '../records/repo.ts';
import { UsageError } from '../errors.ts';

const PAGE = 1000;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {}, true);
  if (positionals[0] === 'rotate-data') return rotateData(String(values.config));
  if (positionals[0] !== 'show') throw new UsageError('用法：credit-node keys show | keys rotate-data [--config <file>]');
  const config = loadConfig(String(values.config));
  const keys = loadNodeKeys(config.keys.privateKey, config.keys.publicKey);
  printResult({ id: config.id, publicKey: keys.publicKeyPem, fingerprint: keys.fingerprint });
  return 0;
}

/**
 * A new key version for natural persons' numbers at rest, then every stored copy re-sealed under it, a page per
 * transaction. Interrupted, it is simply run again: that adds one more version and re-seals every copy.
 */
async function rotateData(configFile: string): Promise<number> {
  return withNode(configFile, async (ctx) => {
    const db = ctx.store.knex;
    const version = addKeyVersion(ctx.vault, ctx.config.keys.dataKey);
    let after = 0;
    let resealed = 0;
    for (;;) {
      const page = await naturalPersonsRepo.page(db, after, PAGE);
      if (page.length === 0) break;
      await db.transaction(async (trx) => {
        for (const row of page) {
          if (versionOf(row.id_cipher) === version) continue;
          await naturalPersonsRepo.setCipher(trx, row.subject_id, ctx.vault.reseal(row.id_cipher));
          resealed += 1;
        }
      });
      after = (page.at(-1) as { subject_id: number }).subject_id;
    }
    await ctx.access({ principal: null, action: 'key_rotate', count: resealed, detail: { version } });
    printResult({ version, resealed });
    return 0;
  });
}
