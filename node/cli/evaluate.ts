import { UsageError } from '../errors.ts';

/** Placeholder until the command is built. */
export async function run(_argv: string[]): Promise<number> {
  throw new UsageError('该命令尚未提供');
}
