/**
 * Province-scale simulation: the hub, the 16 cities of Shandong and two industry nodes per city (market
 * regulation and environment; optionally vertically managed provincial nodes below the hub), each a process of
 * the built program on loopback, enrolled as operators would (node/cli/federation.ts). Generated records are
 * imported at every loading node while the federation runs (`credit-node import` beside the running server).
 *
 *   phase 1  load: time until every chain is the same at every holder (origin and ancestors: the hub holds all),
 *            everything received is projected and every node has pulled down all its parent holds; the hub's
 *            intake (events/s); peak memory per role.
 *   phase 2  kill: more records while a random share of the nodes (cities and industry nodes; the hub too with
 *            --kill-hub) are killed with SIGKILL at random moments and started again; convergence again.
 *
 * After each phase every holder is checked row by row: for every origin, count = distinct seqs = max(seq) = the
 * origin's head, hash for hash the origin's (zero lost, zero duplicated). Exit 1 when that fails.
 *
 *   npx tsx scripts/simulate-province.ts [--cities 16] [--industry-per-city 2] [--provincial 1] [--records 2000]
 *     [--kill-fraction 0.33] [--kill-hub] [--hub-pg <url>] [--dir <dir>] [--keep] [--json] [--seed 1]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { initFederation, type FederationNode } from '../node/cli/federation.ts';
import { loadConfig } from '../node/config/load.ts';
import { CLI, root } from './bench/_proc.ts';
import { Random } from './generate/random.ts';
import { isMain } from './is-main.ts';
import { HUB_ID, LIMITS, provincePlan, stablePorts, type SimNode } from './simulate/plan.ts';
import { writeLoadFiles } from './simulate/data.ts';
import { Fleet } from './simulate/fleet.ts';
import { runPhase, type Kill, type PhaseContext, type PhaseFigures } from './simulate/phase.ts';
import { createSchema, dropSchema, PgReader, SqliteReader, type StoreReader } from './bench/_store-reader.ts';
import { formatFigures, type Figures } from './simulate/report.ts';

export interface Output { out: (s: string) => void; err: (s: string) => void }
const stdio: Output = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

const USAGE = `用法：npx tsx scripts/simulate-province.ts [--cities N] [--industry-per-city N] [--provincial N] [--records N]
      [--kill-fraction F] [--kill-hub] [--hub-pg <url>] [--dir <dir>] [--keep] [--json] [--seed N]
      [--import-parallel N] [--sync-seconds N] [--timeout <秒>] [--no-build]`;

export interface Options {
  cities: number; industryPerCity: number; provincial: number; records: number; killFraction: number; killHub: boolean;
  hubPg?: string; dir?: string; keep: boolean; json: boolean; seed: number; importParallel: number; syncSeconds: number;
  timeoutSeconds: number; build: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv, strict: true, allowPositionals: false,
    options: {
      cities: { type: 'string', default: String(LIMITS.cities) }, 'industry-per-city': { type: 'string', default: '2' },
      provincial: { type: 'string', default: '1' }, records: { type: 'string', default: '2000' },
      'kill-fraction': { type: 'string', default: '0.33' }, 'kill-hub': { type: 'boolean', default: false },
      'hub-pg': { type: 'string' }, dir: { type: 'string' }, keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false }, seed: { type: 'string', default: '1' },
      'import-parallel': { type: 'string', default: '2' }, 'sync-seconds': { type: 'string' },
      timeout: { type: 'string', default: '600' }, 'no-build': { type: 'boolean', default: false },
    },
  });
  const int = (name: string, min: number, max: number) => {
    const v = Number(values[name as keyof typeof values]);
    if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`--${name} 须为 ${min} 到 ${max} 之间的整数`);
    return v;
  };
  const fraction = Number(values['kill-fraction']);
  const cities = int('cities', 1, LIMITS.cities);
  const industryPerCity = int('industry-per-city', 0, LIMITS.industryPerCity);
  const provincial = int('provincial', 0, LIMITS.provincial);
  // Imports beside a running server reach it at its next scheduled round only. Every idle round costs each node a
  // few requests and signatures: a second per 5 nodes (at least 3) keeps 50 idle nodes from filling 2 cores.
  const nodes = 1 + provincial + cities * (1 + industryPerCity);
  if (values['sync-seconds'] === undefined) values['sync-seconds'] = String(Math.min(30, Math.max(3, Math.round(nodes / 5))));
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError('--kill-fraction 须在 0 到 1 之间');
  return {
    cities, industryPerCity, provincial, records: int('records', 1, 10_000_000), killFraction: fraction,
    killHub: values['kill-hub'], ...(values['hub-pg'] ? { hubPg: values['hub-pg'] } : {}), ...(values.dir ? { dir: values.dir } : {}),
    keep: values.keep, json: values.json, seed: int('seed', 0, 2 ** 31), importParallel: int('import-parallel', 1, 64),
    syncSeconds: int('sync-seconds', 1, 59), timeoutSeconds: int('timeout', 10, 86_400), build: !values['no-build'],
  };
}

/** Newest modification time under `p` (a file or a folder walked recursively). */
function newest(p: string): number {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(p).reduce((m, f) => Math.max(m, newest(path.join(p, f))), s.mtimeMs);
}

/** `npm run build` when the built program is missing or older than its sources. */
export function ensureBuilt(say: (s: string) => void): void {
  const built = existsSync(CLI) ? statSync(CLI).mtimeMs : 0;
  const sources = Math.max(...['node', 'scripts/generate', 'scripts/generate-data.ts', 'tsconfig.json', 'tsconfig.build.json'].map((f) => newest(path.join(root, f))));
  if (built >= sources) return;
  say('building (npm run build)...');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The victims of phase 2: a random share of the cities and industry nodes (and the hub), each killed once. */
function chooseKills(nodes: readonly SimNode[], opts: Options, window: number, rnd: Random): Kill[] {
  const candidates = nodes.filter((n) => n.role !== 'hub').map((n) => n.spec.id);
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(rnd.next() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j] as string, candidates[i] as string];
  }
  const victims = candidates.slice(0, Math.round(candidates.length * opts.killFraction));
  if (opts.killHub) victims.push(HUB_ID);
  return victims.map((node) => ({ node, atSeconds: rnd.next() * window, downSeconds: 0.5 + rnd.next() * 2.5 }));
}

export async function simulate(opts: Options, say: (s: string) => void): Promise<Figures> {
  const began = performance.now();
  if (opts.build) ensureBuilt(say);
  if (opts.dir) {
    mkdirSync(opts.dir, { recursive: true });
    if (readdirSync(opts.dir).length) throw new Error(`--dir 须为空目录：${opts.dir}`);
  }
  const dir = opts.dir ? path.resolve(opts.dir) : mkdtempSync(path.join(tmpdir(), 'credit-node-province-'));
  const schema = opts.hubPg ? `sim_${randomBytes(6).toString('hex')}` : undefined;
  const readers = new Map<string, StoreReader>();
  let fleet: Fleet | undefined;
  try {
    for (const sub of ['nodes', 'load', 'logs']) mkdirSync(path.join(dir, sub), { recursive: true });
    if (opts.hubPg && schema) await createSchema(opts.hubPg, schema);
    const count = 1 + opts.provincial + opts.cities * (1 + opts.industryPerCity);
    const nodes = provincePlan(opts, await stablePorts(count));
    say(`federation: ${count} nodes (1 hub${opts.hubPg ? ' on PostgreSQL' : ''}, ${opts.cities} cities, ${opts.cities * opts.industryPerCity} industry, ${opts.provincial} provincial) in ${dir}`);
    const fed = await initFederation(path.join(dir, 'nodes'), nodes.map((n) => n.spec), (cfg, spec) => {
      const every = `*/${opts.syncSeconds} * * * * *`;
      cfg['schedules'] = { ...(cfg['schedules'] as object), syncUp: every, syncDown: every };
      cfg['exchange'] = { pushDelayMs: 500, requestTimeoutMs: 30_000, retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 3000 } };
      cfg['log'] = { level: 'warn' };
      // Credit evaluation would score every received subject and compete for the cores (timed on its own: bench evaluate).
      cfg['evaluation'] = { enabled: false };
      if (spec.id === HUB_ID && opts.hubPg) cfg['store'] = { client: 'pg', connection: opts.hubPg, schema };
    });
    const byId = new Map<string, FederationNode>(fed.map((f) => [f.spec.id, f]));
    for (const f of fed) {
      const store = loadConfig(f.configFile, {}).store;
      readers.set(f.spec.id, store.client === 'sqlite' ? new SqliteReader(store.file) : new PgReader(store.connection, store.schema ?? 'public'));
    }
    fleet = new Fleet(nodes, byId, path.join(dir, 'logs'));
    const parallel = 4;
    say('starting the hub, then the cities and provincial nodes, then the industry nodes...');
    const t = performance.now();
    await fleet.start(HUB_ID);
    await fleet.startMany(nodes.filter((n) => n.role === 'city' || n.role === 'provincial').map((n) => n.spec.id), parallel);
    await fleet.startMany(nodes.filter((n) => n.role === 'industry').map((n) => n.spec.id), parallel);
    const startSeconds = (performance.now() - t) / 1000;
    const ctx: PhaseContext = {
      nodes, readers, fleet, hubId: HUB_ID, importParallel: opts.importParallel, timeoutSeconds: opts.timeoutSeconds,
      pollMs: 1000, say, imported: new Map(),
    };
    // The directory (enrolments) settles first, so the phases measure the records alone.
    const settle = await runPhase({ ...ctx, timeoutSeconds: 120 }, 'settle', [], []);
    if (!settle.converged) throw new Error(`the empty federation did not converge: ${settle.problems.slice(0, 5).join('; ')}`);

    const phases: PhaseFigures[] = [];
    const rnd = new Random(opts.seed);
    for (const phase of [1, 2]) {
      say(`phase ${phase}: generating ${opts.records} records for each of ${nodes.filter((n) => n.load).length} loading nodes...`);
      const files = await writeLoadFiles(nodes, { records: opts.records, phase, seed: opts.seed, ownShare: 0.9, dir: path.join(dir, 'load') });
      const window = Math.max(3, phases[0]?.importSeconds ?? 0);
      const kills = phase === 2 ? chooseKills(nodes, opts, window, rnd) : [];
      say(phase === 1 ? 'phase 1: loading while the federation runs...' : `phase 2: loading while ${kills.length} nodes are killed and started again within ${window.toFixed(0)} s...`);
      const figures = await runPhase(ctx, phase === 1 ? 'load' : 'kill', files, kills);
      phases.push(figures);
      for (const f of files) rmSync(f.file, { force: true });
      if (!figures.converged) break;
    }
    await fleet.stopAll();
    const ok = phases.length === 2 && phases.every((p) => p.converged && p.lost === 0 && p.duplicated === 0 && p.diverged === 0 && p.recordsMissing === 0 && p.rejected === 0 && p.problems.length === 0);
    const peaks = fleet.peaks();
    return {
      ok,
      converged: phases.length === 2 && phases.every((p) => p.converged),
      nodes: Object.fromEntries(['hub', 'city', 'industry', 'provincial'].map((r) => [r, nodes.filter((n) => n.role === r).length])),
      hubStore: opts.hubPg ? 'pg' : 'sqlite',
      recordsPerNode: opts.records,
      seed: opts.seed,
      syncSeconds: opts.syncSeconds,
      startSeconds,
      phases,
      lost: phases.reduce((s, p) => s + p.lost + p.recordsMissing, 0),
      duplicated: phases.reduce((s, p) => s + p.duplicated, 0),
      restarts: fleet.restarts(),
      peakRssMb: Object.fromEntries(Object.entries(peaks).map(([k, v]) => [k, Math.round(v.max / 1048576)])),
      meanPeakRssMb: Object.fromEntries(Object.entries(peaks).map(([k, v]) => [k, Math.round(v.mean / 1048576)])),
      cpus: os.availableParallelism(),
      loadAverage: os.loadavg()[0] as number,
      seconds: (performance.now() - began) / 1000,
      ...(opts.keep ? { dir } : {}),
    };
  } finally {
    await fleet?.stopAll();
    await Promise.allSettled([...readers.values()].map((r) => r.close()));
    if (opts.keep) {
      say(`kept: ${dir}${schema ? ` (hub schema ${schema})` : ''}`);
    } else {
      // A --dir given stays (empty, as it was given); a temp dir goes.
      if (opts.dir) for (const f of readdirSync(dir)) rmSync(path.join(dir, f), { recursive: true, force: true });
      else rmSync(dir, { recursive: true, force: true });
      if (opts.hubPg && schema) await dropSchema(opts.hubPg, schema).catch((err: Error) => say(`could not drop schema ${schema}: ${err.message}`));
    }
  }
}

export async function main(argv: string[], io: Output = stdio): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(argv);
  } catch (err) {
    io.err(`错误：${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const say = (s: string) => io.err(`${s}\n`);
  try {
    const figures = await simulate(opts, say);
    if (opts.json) io.out(`${JSON.stringify(figures)}\n`);
    else io.err(`${formatFigures(figures)}\n`);
    return figures.ok ? 0 : 1;
  } catch (err) {
    io.err(`错误：${(err as Error).stack ?? (err as Error).message}\n`);
    return 1;
  }
}

if (isMain(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
