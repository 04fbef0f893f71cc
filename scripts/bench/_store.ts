// The store the query and portal benchmarks read: a province node holding about S subjects and R records of every
// category, loaded with the built program's `credit-node import` from generated files, built once per size and
// seed and reused (a manifest names what it holds). Records stored by an older build are judged by the publicity
// rules before any timing starts, so a run never measures that one-off work.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { writeRecordsFile } from '../generate-data.ts';
import { CLI, root } from './_proc.ts';
import { Random } from '../generate/random.ts';
import { loadConfig } from '../../node/config/load.ts';
import { openNode } from '../../node/app.ts';
import { judgeUnjudged } from '../../node/publicity/backfill.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const say = (s: string) => process.stderr.write(`${s}\n`);

export const PASSWORD = 'Bench-Query-2026!';
export const USERNAME = 'bench-officer';

/** Share of the non-registration records per category (registrations are one per organisation). */
const MIX: ReadonlyArray<readonly [string, number]> = [
  ['administrative_penalty', 26], ['administrative_license', 26], ['tax_credit_rating', 10], ['court_enforcement', 6],
  ['abnormal_operation_list', 5], ['honor', 4], ['contract_performance', 4], ['professional_qualification', 4],
  ['annual_assessment', 3], ['bidding', 3], ['construction', 3], ['environmental', 2], ['energy_saving', 2],
  ['serious_dishonesty_list', 2],
];

export interface Manifest { subjects: number; records: number; seed: number; counts: Record<string, number>; builtMs: number }

function runCli(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err = (err + c.toString()).slice(-20_000); });
    child.stdin.end(input ?? '');
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`credit-node ${args[0]} exited ${code}:\n${err}`))));
  });
}

/** The store: a province node with the generated records of every category, built once per size. */
async function buildStore(dir: string, subjects: number, records: number, seed: number): Promise<Manifest> {
  const start = performance.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const nodeDir = path.join(dir, 'node');
  await runCli(['init', '--role', 'province', '--id', 'bench-hub', '--name', '查询基准节点', '--region', '370000', '--port', '0', '--dir', nodeDir]);
  const config = path.join(nodeDir, 'credit-node.json');
  const registrations = Math.min(records, Math.round(subjects * 0.9));
  const rest = records - registrations;
  const total = MIX.reduce((s, [, w]) => s + w, 0);
  const plan: Array<[string, number]> = [['registration', registrations], ...MIX.map(([c, w]) => [c, Math.round((rest * w) / total)] as [string, number])];
  for (const [category, count] of plan) {
    if (count <= 0) continue;
    const file = path.join(dir, `${category}.jsonl`);
    const t = performance.now();
    await writeRecordsFile({ category, count, seed, format: 'jsonl', out: file });
    await runCli(['import', '--config', config, '--category', category, '--file', file, '--no-progress']);
    rmSync(file, { force: true });
    say(`  ${category}: ${fmt(count)} records in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  await runCli(['users', 'add', '--config', config, '--username', USERNAME, '--role', 'officer', '--regions', '37', '--password-stdin'], `${PASSWORD}\n`);
  const db = new Database(storeFile(dir), { readonly: true });
  const counts: Record<string, number> = {};
  for (const t of ['subjects', 'legal_persons', 'non_enterprises', 'natural_persons', 'records', 'events']) {
    counts[t] = (db.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n;
  }
  db.close();
  const manifest: Manifest = { subjects, records, seed, counts, builtMs: performance.now() - start };
  writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * A subject report's reads as bare SQL on the store file: the subject by code, its records with their bodies from
 * the event log. The raw baseline (query.ts) and the lookup floor (_lookup-floor.ts) both run these.
 */
export const REPORT_SQL = {
  subject: 'select id, type, key, name, region from subjects where key = ?',
  records: 'select r.*, e.body from records r join events e on e.origin = r.origin and e.seq = r.seq where r.subject_id = ? order by r.category, r.decision_date desc',
} as const;

export const storeFile = (dir: string) => path.join(dir, 'node', 'data', 'credit-node.sqlite');

/** Organisation codes and 3-character fragments of their names, drawn at random from the store. */
export function samples(file: string, n: number, seed: number): { codes: string[]; fragments: string[] } {
  const db = new Database(file, { readonly: true });
  const max = (db.prepare('select max(id) as m from subjects').get() as { m: number }).m;
  const pick = db.prepare<[number], { key: string; name: string; type: string }>('select key, name, type from subjects where id >= ? order by id limit 1');
  const rnd = new Random(seed);
  const codes: string[] = [];
  const fragments: string[] = [];
  while (codes.length < n) {
    const s = pick.get(rnd.int(1, max));
    if (!s || s.type === 'natural_person') continue;
    codes.push(s.key);
    const chars = [...s.name];
    if (chars.length < 5) continue;
    const from = rnd.int(1, chars.length - 4);
    fragments.push(chars.slice(from, from + 3).join(''));
  }
  db.close();
  return { codes, fragments };
}

/** The store for these sizes: reused when its manifest matches, else built (not timed); then settled. */
export async function benchStore(dir: string, subjects: number, records: number, seed: number, fresh: boolean): Promise<Manifest> {
  const manifestFile = path.join(dir, 'manifest.json');
  let manifest = existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest) : undefined;
  if (fresh || !manifest || manifest.subjects !== subjects || manifest.records !== records || manifest.seed !== seed) {
    say(`setup: loading about ${fmt(subjects)} subjects and ${fmt(records)} records into ${dir} (not timed)`);
    manifest = await buildStore(dir, subjects, records, seed);
  } else {
    say(`setup: reusing the store in ${dir}`);
  }
  // Migrations of a newer build, and the publicity rules over records an older build stored.
  const ctx = await openNode(loadConfig(path.join(dir, 'node', 'credit-node.json'), {}), { log: pino({ level: 'warn' }) });
  try {
    const judged = await judgeUnjudged({ db: ctx.store.knex, registry: ctx.registry, log: ctx.log, publicity: ctx.config.publicity }, { batchSize: 5000 });
    if (judged) say(`setup: ${fmt(judged)} records judged by the publicity rules (stored by an older build)`);
  } finally {
    await ctx.close();
  }
  return manifest;
}
