import { parse, printResult } from './common.ts';
import { loadConfig } from '../config/load.ts';
import { loadNodeKeys } from '../exchange/keys.ts';
import { UsageError } from '../errors.ts';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {}, true);
  if (positionals[0] !== 'show') throw new UsageError('用法：credit-node keys show [--config <file>]');
  const config = loadConfig(String(values.config));
  const keys = loadNodeKeys(config.keys.privateKey, config.keys.publicKey);
  printResult({ id: config.id, publicKey: keys.publicKeyPem, fingerprint: keys.fingerprint });
  return 0;
}
