// Import benchmark (issue: foundation). Generates N penalty records as JSONL and CSV, imports each into a fresh
// node with the real CLI in a child process, and in the same run inserts the same rows into a bare SQLite table
// with one prepared INSERT and a transaction per 10k rows (the raw baseline). Reports records/s, the ratio to
// the baseline, and the peak RSS of the import process at N and 2N records.
import { spawn, execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { writeRecordsFile } from '../generate-data.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The built program, as operators run it (`npx credit-node`); main() rebuilds it first so it is current.
const CLI = path.join(root, 'dist', 'node', 'cli.js');

function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function runCli(args: string[]): Promise<{ ms: number; peak: number; stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); if (stderr.length > 100_000) stderr = stderr.slice(-50_000); });
    const timer = setInterval(() => { if (child.pid) peak = Math.max(peak, peakRss(child.pid)); }, 100);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ ms: performance.now() - start, peak, stdout, stderr, code });
    });
  });
}

async function baseline(jsonl: string, dir: string): Promise<number> {
  const db = new Database(path.join(dir, 'baseline.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('create table records (id integer primary key, source_unit_code text, category text, external_id text, subject_code text, subject_name text, decision_date text, severity text, body text, unique(source_unit_code, category, external_id))');
  const insert = db.prepare('insert into records (source_unit_code, category, external_id, subject_code, subject_name, decision_date, severity, body) values (?, ?, ?, ?, ?, ?, ?, ?)');
  const start = performance.now();
  const rl = readline.createInterface({ input: createReadStream(jsonl), crlfDelay: Infinity });
  let n = 0;
  db.exec('begin');
  for await (const line of rl) {
    if (!line) continue;
    const r = JSON.parse(line) as { category: string; externalId: string; subject: { code: string; name: string }; sourceUnit: { code: string }; decisionDate: string; severity?: string; data: unknown };
    insert.run(r.sourceUnit.code, r.category, r.externalId, r.subject.code, r.subject.name, r.decisionDate, r.severity ?? null, JSON.stringify(r.data));
    n += 1;
    if (n % 10_000 === 0) { db.exec('commit'); db.exec('begin'); }
  }
  db.exec('commit');
  const ms = performance.now() - start;
  db.close();
  return (n / ms) * 1000;
}

async function importInto(dir: string, file: string, format: string): Promise<{ rate: number; peak: number; summary: Record<string, unknown> }> {
  const nodeDir = mkdtempSync(path.join(dir, 'node-'));
  const init = await runCli(['init', '--role', 'province', '--id', 'bench-hub', '--name', '基准测试节点', '--region', '370000', '--port', '0', '--dir', nodeDir]);
  if (init.code !== 0) throw new Error(init.stderr);
  const r = await runCli(['import', '--config', path.join(nodeDir, 'credit-node.json'), '--category', 'administrative_penalty', '--file', file, '--format', format, '--no-progress']);
  if (r.code !== 0) throw new Error(r.stderr);
  const summary = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
  const n = Number(summary['accepted']) + Number(summary['updated']) + Number(summary['unchanged']);
  rmSync(nodeDir, { recursive: true, force: true });
  return { rate: (n / r.ms) * 1000, peak: r.peak, summary };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

export async function main(): Promise<void> {
  const n = Number(process.env['BENCH_RECORDS'] ?? 1_000_000);
  const dir = mkdtempSync(path.join(process.env['BENCH_DIR'] ?? tmpdir(), 'credit-node-bench-'));
  try {
    process.stderr.write('building...\n');
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    process.stderr.write(`generating ${fmt(n)} and ${fmt(2 * n)} penalty records...\n`);
    const jsonl = path.join(dir, 'penalties.jsonl');
    const csv = path.join(dir, 'penalties.csv');
    const jsonl2 = path.join(dir, 'penalties-2x.jsonl');
    await writeRecordsFile({ category: 'administrative_penalty', count: n, seed: 1, format: 'jsonl', out: jsonl });
    await writeRecordsFile({ category: 'administrative_penalty', count: n, seed: 1, format: 'csv', out: csv });
    await writeRecordsFile({ category: 'administrative_penalty', count: 2 * n, seed: 1, format: 'jsonl', out: jsonl2 });

    process.stderr.write('raw baseline...\n');
    const base = await baseline(jsonl, dir);
    process.stderr.write('import JSONL...\n');
    const j = await importInto(dir, jsonl, 'jsonl');
    process.stderr.write('import CSV...\n');
    const c = await importInto(dir, csv, 'csv');
    process.stderr.write(`import JSONL x2 (${fmt(2 * n)})...\n`);
    const j2 = await importInto(dir, jsonl2, 'jsonl');

    const lines = [
      `import benchmark, ${fmt(n)} administrative_penalty records`,
      `  raw baseline (prepared INSERT, tx per 10k): ${fmt(base)} records/s`,
      `  import JSONL: ${fmt(j.rate)} records/s  ratio ${(j.rate / base).toFixed(3)}  peak RSS ${mb(j.peak)}`,
      `  import CSV:   ${fmt(c.rate)} records/s  ratio ${(c.rate / base).toFixed(3)}  peak RSS ${mb(c.peak)}`,
      `  import JSONL ${fmt(2 * n)}: ${fmt(j2.rate)} records/s  peak RSS ${mb(j2.peak)} (vs ${mb(j.peak)} at ${fmt(n)})`,
      `  targets: ratio >= 0.25, peak RSS < 300 MB and flat with file size`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    process.stdout.write(`${JSON.stringify({ records: n, baseline: base, jsonl: j.rate, csv: c.rate, jsonlRatio: j.rate / base, csvRatio: c.rate / base, peakRss: { [n]: j.peak, csv: c.peak, [2 * n]: j2.peak } })}\n`);
  } finally {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}
