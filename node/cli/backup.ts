import { parse, printResult, say, withNode } from './common.ts';
import { backupNode, backupToDir } from '../store/backup-schedule.ts';

/**
 * A consistent copy of the node's store while the node keeps serving (CONTRACT.md `backup --out <file>`): one tar
 * file holding the compressed store copy and its signed manifest. Without --out: into backup.dir as the schedule
 * names them, keeping backup.keep. Keys are not in the backup.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { out: { type: 'string' } });
  return withNode(String(values.config), async (ctx, config) => {
    const result = values.out
      ? await backupNode(ctx, String(values.out), say)
      : await backupToDir(ctx, config.backup.dir, config.backup.keep, say);
    printResult({ file: result.file, bytes: result.bytes, manifest: result.manifest });
    return 0;
  });
}
