/**
 * Realistic, deterministic credit records for demos, tests and benchmarks: any of the 15 categories, as Record
 * JSON (JSONL) or as the CSV a bureau exports (national Chinese headers, UTF-8 with BOM or GB18030).
 *
 *   npx tsx scripts/generate-data.ts --category administrative_penalty --count 10000 --seed 42 \
 *     --format csv --encoding gb18030 --out file.csv [--bad-ratio 0.1] [--start-index 0]
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { SchemaRegistry } from '../node/records/schema-registry.ts';
import { Random, hashString, subSeed, weighted } from './generate/random.ts';
import { sourceUnit } from './generate/subjects.ts';
import { subjectAt, type PoolSubject, type SubjectKind } from './generate/pool.ts';
import { GENERATORS } from './generate/categories/index.ts';
import { csvColumns, csvLine, type RowStyle } from './generate/csv.ts';
import { corrupt, corruptionPlan } from './generate/corrupt.ts';
import { runCli } from './generate/cli.ts';
import type { RecordJson } from './generate/types.ts';
import { isMain } from './is-main.ts';

export type { RecordJson } from './generate/types.ts';

/** 济南市市场监督管理局: the demo clerk's source unit (the same code as the tests' JINAN_MARKET). */
export const DEMO_SOURCE_UNIT: { code: string; name: string } = (({ code, name }) => ({ code, name }))(sourceUnit('370100', '市场监督管理局', 11));

export interface GenerateOptions {
  category: string;
  count: number;
  seed: number;
  /** The running index of the first record (default 0), part of every external ID: parts made with distinct ranges never clash. */
  startIndex?: number;
}

export interface WriteOptions extends GenerateOptions {
  format: 'jsonl' | 'csv';
  encoding?: 'utf8' | 'gb18030';
  out: string;
  /** Share of rows (0..1) spoilt on purpose so an import has something to reject; default 0. */
  badRatio?: number;
}

const CATEGORIES: readonly string[] = Object.keys(GENERATORS);

const BAD_SALT = 0xbad;
const STYLE_SALT = 0x57e1;
const CORRUPT_SALT = 0xc0de;

function checkOptions(opts: GenerateOptions): void {
  if (!Object.hasOwn(GENERATORS, opts.category)) throw new RangeError(`unknown category "${opts.category}" (one of: ${CATEGORIES.join(', ')})`);
  if (!Number.isSafeInteger(opts.count) || opts.count < 0) throw new RangeError(`count must be a non-negative integer, got ${opts.count}`);
  if (!Number.isSafeInteger(opts.seed)) throw new RangeError(`seed must be an integer, got ${opts.seed}`);
  const start = opts.startIndex ?? 0;
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`startIndex must be a non-negative integer, got ${start}`);
}

/** Pool index: mostly uniform, with a core of frequent subjects (a tenth of the pool) that gather more records. */
function poolIndex(rnd: Random, size: number): number {
  return rnd.chance(0.15) ? rnd.int(0, Math.max(1, Math.floor(size / 10)) - 1) : rnd.int(0, size - 1);
}

/**
 * `count` records of a category, made one at a time (nothing accumulates, so 2,000,000 cost no more memory than
 * 10). Record i is a function of (seed, category, count, startIndex + i) alone: the same options give
 * byte-identical output. Subjects are drawn from a pool of about count/3, so most subjects carry several
 * records; subject k of the pool is the same company in every category of a seed. Options are checked at once.
 */
export function generateRecords(opts: GenerateOptions): Generator<RecordJson> {
  checkOptions(opts);
  return records(opts);
}

function* records(opts: GenerateOptions): Generator<RecordJson> {
  const gen = GENERATORS[opts.category];
  if (!gen) return;
  const start = opts.startIndex ?? 0;
  const total = gen.kinds.reduce((sum, [, w]) => sum + w, 0);
  const pools = new Map<SubjectKind, number>(gen.kinds.map(([kind, w]) => [kind, Math.max(1, Math.ceil((opts.count * w) / total / 3))]));
  const salt = hashString(opts.category);
  for (let i = 0; i < opts.count; i++) {
    const index = start + i;
    const rnd = new Random(subSeed(opts.seed, salt, index));
    const kind = weighted(rnd, gen.kinds);
    let subject: PoolSubject;
    if (gen.onePerSubject) {
      subject = subjectAt(opts.seed, kind, index);
    } else {
      const size = pools.get(kind) ?? 1;
      subject = subjectAt(opts.seed, kind, poolIndex(rnd, size));
      for (let tries = 0; tries < 6 && gen.prefer && !gen.prefer(subject); tries++) subject = subjectAt(opts.seed, kind, poolIndex(rnd, size));
    }
    yield gen.make({ rnd, index, seed: opts.seed, subject });
  }
}

/** Text collected into ~64 KB chunks, encoded and written; the caller awaits `flush` only when a chunk is due. */
class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;
  private failure: Error | undefined;
  private readonly stream;

  constructor(file: string, private readonly encoding: 'utf8' | 'gb18030') {
    // A 1 MB buffer lets the disk write one chunk while the next is generated; beyond it, `drain` is awaited.
    this.stream = createWriteStream(file, { highWaterMark: 1 << 20 });
    this.stream.on('error', (err) => { this.failure = err; });
  }

  /** Adds text; true when a chunk is full and `flush` should be awaited. */
  add(text: string): boolean {
    this.parts.push(text);
    this.size += text.length;
    return this.size >= 65536;
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.size === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    const chunk = this.encoding === 'gb18030' ? iconv.encode(text, 'gb18030') : Buffer.from(text, 'utf8');
    // Backpressure: wait for the disk to drain before producing more (memory stays flat however many rows).
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
    if (this.failure) throw this.failure;
  }

  destroy(): void {
    this.stream.destroy();
  }
}

/**
 * Streams generated records to `out` as JSONL or CSV. With `badRatio`, that share of rows (chosen per row from
 * the seed) is spoilt in one of four ways, each of which an import must reject; `bad` says how many.
 */
export async function writeRecordsFile(opts: WriteOptions): Promise<{ count: number; bad: number; file: string }> {
  checkOptions(opts);
  const badRatio = opts.badRatio ?? 0;
  if (!(badRatio >= 0 && badRatio <= 1)) throw new RangeError(`badRatio must be between 0 and 1, got ${badRatio}`);
  if (opts.format !== 'jsonl' && opts.format !== 'csv') throw new RangeError(`format must be jsonl or csv, got ${String(opts.format)}`);
  const encoding = opts.encoding ?? 'utf8';
  if (encoding !== 'utf8' && encoding !== 'gb18030') throw new RangeError(`encoding must be utf8 or gb18030, got ${String(encoding)}`);

  const csv = opts.format === 'csv';
  const registry = csv || badRatio > 0 ? SchemaRegistry.load() : undefined;
  const columns = csv && registry ? csvColumns(registry, opts.category) : [];
  const plan = badRatio > 0 && registry ? corruptionPlan(registry, opts.category) : undefined;
  const file = path.resolve(opts.out);
  const out = new ChunkedWriter(file, encoding);
  const start = opts.startIndex ?? 0;
  let bad = 0;
  let count = 0;
  try {
    if (csv) out.add(`${encoding === 'utf8' ? '\uFEFF' : ''}${csvLine(columns.map((c) => c.header))}\r\n`);
    for (const generated of generateRecords(opts)) {
      const index = start + count;
      let rec = generated;
      if (plan && subSeed(opts.seed, BAD_SALT, index) / 4294967296 < badRatio) {
        rec = corrupt(rec, new Random(subSeed(opts.seed, CORRUPT_SALT, index)), plan).record;
        bad += 1;
      }
      let line: string;
      if (csv) {
        const bits = subSeed(opts.seed, STYLE_SALT, index);
        const style: RowStyle = { slashDates: (bits & 1) === 1, nationalValues: (bits & 6) === 0 };
        line = `${csvLine(columns.map((c) => c.cell(rec, style)))}\r\n`;
      } else {
        line = `${JSON.stringify(rec)}\n`;
      }
      count += 1;
      if (out.add(line)) await out.flush();
    }
    await out.close();
  } catch (err) {
    out.destroy();
    throw err;
  }
  return { count, bad, file };
}


if (isMain(import.meta.url)) {
  process.exitCode = await runCli(process.argv.slice(2), writeRecordsFile);
}
