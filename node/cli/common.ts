import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig } from '../config/load.ts';
import { openNode, type NodeContext } from '../app.ts';
import { createLogger } from '../log.ts';
import { UsageError } from '../errors.ts';
import type { Config } from '../config/types.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

export const CONFIG_OPTION: Options = { config: { type: 'string', default: './credit-node.json' } };

/** Parses a command's options; unknown or malformed options are a usage error (exit 2). */
export function parse<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...CONFIG_OPTION, ...options }, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function required(values: Record<string, unknown>, names: string[]): void {
  const missing = names.filter((n) => values[n] === undefined || values[n] === '');
  if (missing.length) throw new UsageError(`缺少参数：${missing.map((n) => `--${n}`).join(' ')}`);
}

/** Prints the command's one JSON result on stdout. */
export function printResult(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function say(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Opens the node named by --config for a one-shot command, with quiet logs. */
export async function withNode<T>(configFile: string, fn: (ctx: NodeContext, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(configFile);
  const ctx = await openNode(config, { log: createLogger(config.id, process.env['CREDIT_NODE_LOG_LEVEL'] ?? 'warn') });
  try {
    return await fn(ctx, config);
  } finally {
    await ctx.close();
  }
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
