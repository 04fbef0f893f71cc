import { parseArgs } from 'node:util';
import { GENERATORS } from './categories/index.ts';
import type { WriteOptions } from '../generate-data.ts';

const CATEGORIES = Object.keys(GENERATORS);

const USAGE = `usage: generate-data --category <category> --count <n> --out <file> [--seed <n>] [--format jsonl|csv]
                     [--encoding utf8|gb18030] [--bad-ratio <0..1>] [--start-index <n>]
categories: ${CATEGORIES.join(', ')}`;

class UsageError extends Error {}
class HelpRequested extends Error {}

function integer(name: string, value: string | undefined, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new UsageError(`--${name} must be an integer, got "${value}"`);
  return n;
}

function parseCli(argv: string[]): WriteOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        category: { type: 'string' },
        count: { type: 'string' },
        seed: { type: 'string' },
        'start-index': { type: 'string' },
        format: { type: 'string' },
        encoding: { type: 'string' },
        out: { type: 'string' },
        'bad-ratio': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values['help']) throw new HelpRequested();
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const category = str('category');
  if (category === undefined) throw new UsageError('--category is required');
  if (!CATEGORIES.includes(category)) throw new UsageError(`unknown category "${category}"`);
  const out = str('out');
  if (out === undefined || out === '') throw new UsageError('--out is required');
  const count = integer('count', str('count'));
  if (count < 0) throw new UsageError('--count must not be negative');
  const startIndex = integer('start-index', str('start-index'), 0);
  if (startIndex < 0) throw new UsageError('--start-index must not be negative');
  const format = str('format') ?? (out.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl');
  if (format !== 'jsonl' && format !== 'csv') throw new UsageError('--format must be jsonl or csv');
  const encodingName = (str('encoding') ?? 'utf8').toLowerCase().replace(/[-_]/g, '');
  const encoding = encodingName === 'utf8' ? 'utf8' : ['gb18030', 'gbk', 'gb2312'].includes(encodingName) ? 'gb18030' : undefined;
  if (!encoding) throw new UsageError('--encoding must be utf8 or gb18030');
  const ratioText = str('bad-ratio') ?? '0';
  const badRatio = Number(ratioText);
  if (ratioText.trim() === '' || !(badRatio >= 0 && badRatio <= 1)) throw new UsageError('--bad-ratio must be a number between 0 and 1');
  return { category, count, seed: integer('seed', str('seed'), 1), startIndex, format, encoding, out, badRatio };
}

/** Runs the command line; the exit code is 2 for bad usage, 1 when writing failed. */
export async function runCli(argv: string[], write: (opts: WriteOptions) => Promise<{ count: number; bad: number; file: string }>): Promise<number> {
  let opts: WriteOptions;
  try {
    opts = parseCli(argv);
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    return 2;
  }
  const started = performance.now();
  try {
    const result = await write(opts);
    const summary = { ...result, category: opts.category, format: opts.format, encoding: opts.encoding, seed: opts.seed, ms: Math.round(performance.now() - started) };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`generate-data: ${(err as Error).message}\n`);
    return 1;
  }
}

