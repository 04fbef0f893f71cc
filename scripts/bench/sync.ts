// Sync benchmark (issue: exchange protocol v1). N events travel from an industry node (jinan-market) through its
// city (city-jinan) to the hub (sd-hub) over HTTP on loopback, every node a process of the built program with
// default exchange limits. Setup, not timed: a 3-node federation, N administrative_penalty records imported at
// the industry node (N events on its chain), and a copy of the whole federation taken right after the import.
// Timed, in the same run:
//   raw baseline  the industry node's `events` rows inserted into a fresh file with the same table, indexes
//                 and pragmas, one prepared INSERT, a transaction per batch (exchange.maxBatchEvents rows),
//                 checkpointing inside its commits as SQLite does by default (a node does it on a thread of its
//                 own, node/store/checkpointer.ts);
//   hop 1         `credit-node sync --up` at the industry node into the running city (which does not relay:
//                 pushDelayMs is at its maximum), until the city's head of jinan-market reaches N;
//   hop 2         the city stopped, `credit-node sync --up` at the city into the running hub;
//   end to end    on the copy: hub and city running, then the industry node started; its start-up round pushes,
//                 the city relays with its own pushes after each change (pushDelayMs default), until the
//                 hub's head reaches N. Schedules are a yearly cron everywhere, so only pushes move events.
// Heads are followed by reading each node's SQLite file read-only; RSS of every process is sampled from /proc.
//   npm run bench -- sync [--events N] [--keep] [--profile] [--end-to-end-only]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { writeRecordsFile } from '../generate-data.ts';
import { initFederation, type FederationNode, type FederationNodeSpec } from '../../node/cli/federation.ts';
import { DEFAULT_EXCHANGE, loadConfig } from '../../node/config/load.ts';
import { NodeProcess, freePorts, root, sleep, waitHealthy } from './_proc.ts';
import { summarize } from './_cpuprofile.ts';
import { SqliteReader, type StoreReader } from './_store-reader.ts';
import { chinaDay, STANDING_STATUSES } from '../../node/publicity/visibility.ts';

const INDUSTRY = 'jinan-market';
const CITY = 'city-jinan';
const HUB = 'sd-hub';
const YEARLY = '0 0 0 1 1 *';
const QUARTERS = [25, 50, 75, 100] as const;
/** A phase fails when no watched head moved for this long. */
const STALL_MS = 180_000;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (b: number) => Math.round(b / 1024 / 1024);
const say = (s: string) => process.stderr.write(`${s}\n`);

interface PhaseResult {
  seconds: number;
  /** Seconds until each watched node had projected every received event into records (after `done`). */
  projected: Record<string, number>;
  rate: number;
  /** Seconds until the first event reached each watched node, and until it held all of them. */
  first: Record<string, number>;
  done: Record<string, number>;
  peakRss: Record<string, number>;
  rssAt: Record<string, Record<number, number>>;
  sender?: string;
  /** The timed transfer on the monotonic clock (µs): the CPU profiles are summarised over it alone. */
  window: [number, number];
}

/** One origin's head seq at a node, read from the side. */
async function headSeq(reader: StoreReader, origin: string): Promise<number> {
  return (await reader.heads()).get(origin)?.seq ?? 0;
}

function dbFile(node: FederationNode): string {
  const store = loadConfig(node.configFile, {}).store;
  if (store.client !== 'sqlite') throw new Error(`${node.spec.id}: the benchmark needs a SQLite store`);
  return store.file;
}

function editConfig(file: string, fn: (cfg: Record<string, unknown>) => void): void {
  const cfg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  fn(cfg);
  writeFileSync(file, `${JSON.stringify(cfg, null, 2)}\n`);
}

/**
 * Follows `origin`'s head at each watched node (the last one is the destination) from the moment t0 until the
 * destination holds `target`; samples every process's RSS, and the RSS at each quarter of the progress.
 */
async function follow(opts: {
  phase: string;
  t0: number;
  origin: string;
  target: number;
  watch: Array<{ name: string; file: string }>;
  procs: NodeProcess[];
  sender?: NodeProcess;
}): Promise<PhaseResult> {
  const readers = opts.watch.map((w) => ({ name: w.name, reader: new SqliteReader(w.file) }));
  const dest = readers.at(-1) as { name: string; reader: SqliteReader };
  const start = await headSeq(dest.reader, opts.origin);
  const first: Record<string, number> = {};
  const done: Record<string, number> = {};
  const initial = new Map(await Promise.all(readers.map(async (r) => [r.name, await headSeq(r.reader, opts.origin)] as const)));
  const rssAt: Record<string, Record<number, number>> = Object.fromEntries(opts.procs.map((p) => [p.label, {}]));
  let quarter = 0;
  let lastMove = performance.now();
  let lastSeen = -1;
  let lastReport = performance.now();
  const projected: Record<string, number> = {};
  let window: [number, number] = [0, 0];
  try {
    for (;;) {
      const now = performance.now();
      const elapsed = (now - opts.t0) / 1000;
      let moved = false;
      for (const r of readers) {
        const seq = await headSeq(r.reader, opts.origin);
        if (first[r.name] === undefined && seq > (initial.get(r.name) ?? 0)) first[r.name] = elapsed;
        if (done[r.name] === undefined && seq >= opts.target) done[r.name] = elapsed;
        if (r === dest) {
          if (seq !== lastSeen) { moved = true; lastSeen = seq; }
          const progress = opts.target > start ? (seq - start) / (opts.target - start) : 1;
          while (quarter < QUARTERS.length && progress * 100 >= (QUARTERS[quarter] as number)) {
            for (const p of opts.procs) (rssAt[p.label] as Record<number, number>)[QUARTERS[quarter] as number] = p.sample();
            quarter += 1;
          }
        }
      }
      if (moved) lastMove = now;
      if (done[dest.name] !== undefined) {
        window = [monoUs() - (performance.now() - opts.t0) * 1000, monoUs()];
        break;
      }
      if (now - lastReport > 5000) {
        lastReport = now;
        const heads = (await Promise.all(readers.map(async (r) => `${r.name} ${fmt(await headSeq(r.reader, opts.origin))}`))).join(', ');
        const mem = opts.procs.map((p) => `${p.label} ${mb(p.sample())} MB`).join(', ');
        say(`  ${opts.phase} ${elapsed.toFixed(0)} s: ${heads} / ${fmt(opts.target)}; RSS ${mem}`);
      }
      for (const p of opts.procs) {
        const code = p.child.exitCode;
        if (code !== null && (p !== opts.sender || code !== 0)) throw new Error(`${opts.phase}: ${p.label} exited with ${code} before the end:\n${p.logTail()}`);
      }
      if (opts.sender && opts.sender.child.exitCode === 0 && done[dest.name] === undefined && now - lastMove > 2000) {
        throw new Error(`${opts.phase}: ${opts.sender.label} finished (${opts.sender.output().trim()}) but ${dest.name} holds ${lastSeen} of ${opts.target}`);
      }
      if (now - lastMove > STALL_MS) throw new Error(`${opts.phase}: no progress for ${STALL_MS / 1000} s (${dest.name} at ${lastSeen} of ${opts.target})`);
      await sleep(100);
    }
    // The figure is when the events arrived; the rows follow them (the projector), and that time is reported too.
    for (;;) {
      const elapsed = (performance.now() - opts.t0) / 1000;
      let waiting = 0;
      for (const r of readers) {
        if (projected[r.name] !== undefined) continue;
        const n = await r.reader.pending(r.name);
        if (n === 0) projected[r.name] = elapsed;
        else waiting += n;
      }
      if (waiting === 0) break;
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        say(`  ${opts.phase} ${elapsed.toFixed(0)} s: ${fmt(waiting)} received events still to project`);
      }
      await sleep(500);
    }
  } finally {
    for (const r of readers) await r.reader.close();
  }
  const seconds = done[dest.name] as number;
  for (const p of opts.procs) p.sample();
  return {
    seconds,
    rate: (opts.target - start) / seconds,
    first,
    done,
    projected,
    peakRss: Object.fromEntries(opts.procs.map((p) => [p.label, p.peak])),
    rssAt,
    window,
  };
}

/** The monotonic clock in microseconds, the clock of a V8 CPU profile's sample times. */
const monoUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** The same rows into a fresh file: same DDL, same pragmas as node/store/connection.ts, tx per batch. */
function rawBaseline(sourceFile: string, file: string, batch: number): { rows: number; rate: number } {
  const src = new Database(sourceFile, { readonly: true, fileMustExist: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -16384');
  db.pragma('wal_autocheckpoint = 40000');
  for (const { sql } of src.prepare("select sql from sqlite_master where tbl_name = 'events' and sql is not null order by type desc").all() as Array<{ sql: string }>) db.exec(sql);
  const cols = ['origin', 'seq', 'kind', 'entity_id', 'op', 'body', 'at', 'prev_hash', 'hash', 'stored_at', 'region', 'category', 'target'];
  const page = src.prepare(`select pos, ${cols.join(', ')} from events where pos > ? order by pos limit ?`);
  const insert = db.prepare(`insert into events (${cols.join(', ')}) values (${cols.map((c) => `@${c}`).join(', ')})`);
  const tx = db.transaction((rows: Array<Record<string, unknown>>) => { for (const r of rows) insert.run(r); });
  let after = 0;
  let rows = 0;
  let ms = 0;
  for (;;) {
    // Reading the source is not timed: only what the node would do with rows already in hand.
    const chunk = page.all(after, batch) as Array<Record<string, unknown> & { pos: number }>;
    if (chunk.length === 0) break;
    after = (chunk.at(-1) as { pos: number }).pos;
    for (const r of chunk) delete (r as Partial<typeof r>).pos;
    const t = performance.now();
    tx(chunk);
    ms += performance.now() - t;
    rows += chunk.length;
  }
  src.close();
  db.close();
  return { rows, rate: (rows / ms) * 1000 };
}

function specs(ports: number[]): FederationNodeSpec[] {
  const [hub, city, industry] = ports as [number, number, number];
  return [
    { id: HUB, name: '山东省公共信用信息平台', role: 'province', region: '370000', port: hub },
    { id: CITY, name: '济南市公共信用信息平台', role: 'city', region: '370100', parent: HUB, port: city },
    { id: INDUSTRY, name: '济南市市场监督管理局', role: 'industry', region: '370100', sector: 'market', parent: CITY, port: industry },
  ];
}

export async function main(argv: string[] = []): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { events: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false }, 'end-to-end-only': { type: 'boolean', default: false } }, strict: true });
  const n = Number(values.events);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`--events must be a positive integer, got ${values.events}`);
  const dir = mkdtempSync(path.join(process.env['BENCH_DIR'] ?? tmpdir(), 'credit-node-sync-bench-'));
  const logs = path.join(dir, 'logs');
  const profiles = path.join(dir, 'profiles');
  mkdirSync(logs);
  const procs: NodeProcess[] = [];
  const spawnNode = (phase: string, label: string, args: string[]) => {
    const flags = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`, `--cpu-prof-name=${phase}-${label}.cpuprofile`] : [];
    const p = new NodeProcess(label, args, path.join(logs, `${phase}-${label}.log`), flags);
    procs.push(p);
    return p;
  };
  const startServer = async (phase: string, node: FederationNode) => {
    const p = spawnNode(phase, node.spec.id, ['start', '--config', node.configFile]);
    await waitHealthy(node.url, p);
    return p;
  };
  const began = performance.now();
  const loadStart = os.loadavg()[0] as number;
  try {
    say('building...');
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });

    const batch = DEFAULT_EXCHANGE.maxBatchEvents;
    const fedA = path.join(dir, 'hops');
    const fedB = path.join(dir, 'end-to-end');
    say(`federation: ${HUB} ← ${CITY} ← ${INDUSTRY}...`);
    const nodes = await initFederation(fedA, specs(await freePorts(3)), (cfg) => {
      cfg['schedules'] = { syncUp: YEARLY, syncDown: YEARLY };
      // Hops are measured one at a time: the city must not relay while it receives.
      cfg['exchange'] = { pushDelayMs: 600_000 };
      cfg['log'] = { level: 'warn' };
      // Credit evaluation would score every received subject and compete for the cores; it is timed on its own
      // (bench evaluate).
      cfg['evaluation'] = { enabled: false };
    });
    const [hub, city, industry] = nodes as [FederationNode, FederationNode, FederationNode];

    say(`generating ${fmt(n)} administrative_penalty records...`);
    const jsonl = path.join(dir, 'penalties.jsonl');
    await writeRecordsFile({ category: 'administrative_penalty', count: n, seed: 1, format: 'jsonl', out: jsonl });
    say(`importing them at ${INDUSTRY} (setup, not timed in the figures)...`);
    const t = performance.now();
    const imp = spawnNode('setup', 'import', ['import', '--config', industry.configFile, '--category', 'administrative_penalty', '--file', jsonl, '--no-progress']);
    if ((await imp.exited) !== 0) throw new Error(`import failed:\n${imp.logTail()}`);
    const importSeconds = (performance.now() - t) / 1000;
    rmSync(jsonl);
    const head = new SqliteReader(dbFile(industry));
    const target = await headSeq(head, INDUSTRY);
    await head.close();
    if (target < n) throw new Error(`the import left ${target} events on ${INDUSTRY}'s chain, expected ${n}`);

    // A node's start-up jobs catch up once: here the withdrawal from public view of the imported records whose
    // publicity window has already ended (the generator's decisions go back years). That is done before the copy,
    // so the timed phases find the industry node as it runs day to day.
    say(`settling ${INDUSTRY} (its start-up jobs) before the copy...`);
    const settle = spawnNode('setup', 'settle', ['start', '--config', industry.configFile]);
    await waitHealthy(industry.url, settle);
    {
      const store = new Database(dbFile(industry), { readonly: true, fileMustExist: true });
      store.pragma('busy_timeout = 5000');
      const statuses = STANDING_STATUSES as readonly string[];
      const due = store.prepare(`select count(*) as n from records where publicity = 'public' and withdrawn_at is null and publish_until is not null and publish_until < ? and status in (${statuses.map(() => '?').join(', ')})`);
      const today = chinaDay(new Date());
      while ((due.get(today, ...statuses) as { n: number }).n > 0) await sleep(500);
      store.close();
    }
    await settle.stop();

    // The end-to-end run starts from this very state, the city relaying as in production (default pushDelayMs).
    cpSync(fedA, fedB, { recursive: true });
    const nodesB = nodes.map((x) => ({ ...x, dir: path.join(fedB, x.spec.id), configFile: path.join(fedB, x.spec.id, 'credit-node.json') }));
    for (const x of nodesB) editConfig(x.configFile, (cfg) => { delete cfg['exchange']; });
    const [hubB, cityB, industryB] = nodesB as [FederationNode, FederationNode, FederationNode];

    const baselineOnce = () => {
      const file = path.join(dir, 'baseline.sqlite');
      const r = rawBaseline(dbFile(industry), file, batch);
      for (const ext of ['', '-wal', '-shm']) rmSync(`${file}${ext}`, { force: true });
      return r.rate;
    };
    say(`raw baseline: ${fmt(target)} events rows, transaction per ${batch}...`);
    const baseRates = [baselineOnce()];

    let hop1: PhaseResult | undefined;
    let hop2: PhaseResult | undefined;
    let h: NodeProcess;
    let c: NodeProcess;
    let t0: number;
    if (!values['end-to-end-only']) {
      say('hop 1: sync --up at the industry node into the running city...');
      h = await startServer('hop1', hub);
      c = await startServer('hop1', city);
      await sleep(1500); // the city's start-up round (its own chain to the hub) is over
      t0 = performance.now();
      const s1 = spawnNode('hop1', 'sender', ['sync', '--up', '--config', industry.configFile]);
      hop1 = await follow({ phase: 'hop 1', t0, origin: INDUSTRY, target, watch: [{ name: CITY, file: dbFile(city) }], procs: [c, s1, h], sender: s1 });
      await s1.exited;
      (hop1 as PhaseResult).sender = s1.output().trim();
      await c.stop();
      await h.stop();

      say('hop 2: sync --up at the city into the running hub...');
      h = await startServer('hop2', hub);
      await sleep(500);
      t0 = performance.now();
      const s2 = spawnNode('hop2', 'sender', ['sync', '--up', '--config', city.configFile]);
      hop2 = await follow({ phase: 'hop 2', t0, origin: INDUSTRY, target, watch: [{ name: HUB, file: dbFile(hub) }], procs: [h, s2], sender: s2 });
      await s2.exited;
      (hop2 as PhaseResult).sender = s2.output().trim();
      await h.stop();
    }

    say('end to end: running nodes, the industry node pushes after start, the city relays...');
    h = await startServer('e2e', hubB);
    c = await startServer('e2e', cityB);
    await sleep(1500);
    t0 = performance.now();
    const i = spawnNode('e2e', INDUSTRY, ['start', '--config', industryB.configFile]);
    const e2e = await follow({ phase: 'end to end', t0, origin: INDUSTRY, target, watch: [{ name: CITY, file: dbFile(cityB) }, { name: HUB, file: dbFile(hubB) }], procs: [i, c, h] });
    for (const p of [i, c, h]) await p.stop();
    // Measured again at the end; the better of the two counts (a busy machine slows a short run most).
    say('raw baseline again...');
    baseRates.push(baselineOnce());
    const base = { rate: Math.max(...baseRates) };
    const load = [loadStart, os.loadavg()[0] as number];

    const profileSummaries: Record<string, ReturnType<typeof summarize>> = {};
    if (values.profile && existsSync(profiles)) {
      const windows: Record<string, [number, number] | undefined> = { hop1: hop1?.window, hop2: hop2?.window, e2e: e2e.window };
      for (const f of readdirSync(profiles).filter((x) => x.endsWith('.cpuprofile') && !x.startsWith('setup-')).sort()) {
        profileSummaries[f.replace(/\.cpuprofile$/, '')] = summarize(path.join(profiles, f), 12, windows[f.split('-')[0] as string]);
      }
    }

    const ratio = (r: number) => r / base.rate;
    const peaks = (r: PhaseResult) => Object.entries(r.peakRss).map(([k, v]) => `${k} ${mb(v)}`).join(', ');
    const row = (name: string, r: PhaseResult) => `  ${name.padEnd(34)}${fmt(r.rate).padStart(10)}${ratio(r.rate).toFixed(3).padStart(8)}${r.seconds.toFixed(1).padStart(9)}   ${peaks(r)}`;
    const quarters = (name: string, r: PhaseResult) => Object.entries(r.rssAt).map(([k, v]) => `  ${`${name} ${k}`.padEnd(34)}${QUARTERS.map((q) => String(mb(v[q] ?? 0)).padStart(7)).join('')}   (growth 25→100%: ${mb((v[100] ?? 0) - (v[25] ?? 0))} MB)`);
    const cityDone = e2e.done[CITY] as number;
    const lines = [
      '',
      `sync benchmark: ${fmt(target)} events ${INDUSTRY} → ${CITY} → ${HUB}, HTTP on loopback, ${batch} events per batch`,
      `  setup (not timed below): import of ${fmt(n)} records at ${INDUSTRY} in ${importSeconds.toFixed(1)} s (${fmt(n / importSeconds)} records/s)`,
      `  raw baseline (same events rows, same table and pragmas, prepared INSERT, tx per ${batch}): ${fmt(base.rate)} rows/s (runs: ${baseRates.map(fmt).join(', ')})`,
      '',
      `  ${'stage'.padEnd(34)}${'events/s'.padStart(10)}${'ratio'.padStart(8)}${'seconds'.padStart(9)}   peak RSS (MB)`,
      ...(hop1 ? [row('hop 1 industry → city (alone)', hop1)] : []),
      ...(hop2 ? [row('hop 2 city → hub (alone)', hop2)] : []),
      row('end to end (running nodes)', e2e),
      `    end to end: first event at the city after ${(e2e.first[CITY] ?? 0).toFixed(1)} s, at the hub after ${(e2e.first[HUB] ?? 0).toFixed(1)} s;`,
      `    the city held all after ${cityDone.toFixed(1)} s (${fmt(target / cityDone)} events/s), the hub ${(e2e.seconds - cityDone).toFixed(1)} s later`,
      `    rows (records projected from the received events, exchange.inlineProjectionEvents = ${DEFAULT_EXCHANGE.inlineProjectionEvents}): all projected`,
      ...(hop1 && hop2 ? [`      hop 1 at the city after ${(hop1.projected[CITY] ?? 0).toFixed(1)} s, hop 2 at the hub after ${(hop2.projected[HUB] ?? 0).toFixed(1)} s,`] : []),
      `      end to end at the city after ${(e2e.projected[CITY] ?? 0).toFixed(1)} s and at the hub after ${(e2e.projected[HUB] ?? 0).toFixed(1)} s (${fmt(target / (e2e.projected[HUB] ?? 1))} events/s into rows)`,
      '',
      `  ${'RSS (MB) at progress'.padEnd(34)}${QUARTERS.map((q) => `${q}%`.padStart(7)).join('')}`,
      ...(hop1 ? quarters('hop 1', hop1) : []),
      ...(hop2 ? quarters('hop 2', hop2) : []),
      ...quarters('e2e', e2e),
      '',
      `  target: end to end >= 0.20 of the raw baseline (${ratio(e2e.rate).toFixed(3)}: ${ratio(e2e.rate) >= 0.2 ? 'met' : 'NOT met'}), memory flat`,
      `  whole benchmark took ${((performance.now() - began) / 1000).toFixed(0)} s; load average ${load.map((l) => l.toFixed(1)).join(' → ')} on ${os.availableParallelism()} CPUs${Math.max(...load) > os.availableParallelism() ? ' (machine busy: figures are low and noisy)' : ''}`,
    ];
    for (const [name, s] of Object.entries(profileSummaries)) {
      lines.push('', `  CPU profile ${name}: ${(s.totalMs / 1000).toFixed(1)} s sampled while the events moved; self time:`);
      for (const f of s.self) lines.push(`    ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}`);
      lines.push('   total time (own code and what it calls):');
      for (const f of s.inclusive) lines.push(`    ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    const fig = (r: PhaseResult) => ({ rate: r.rate, ratio: ratio(r.rate), seconds: r.seconds, first: r.first, done: r.done, projected: r.projected, peakRss: r.peakRss, rssAt: r.rssAt, ...(r.sender ? { sender: r.sender } : {}) });
    process.stdout.write(`${JSON.stringify({
      events: target, batch, baseline: base.rate, baselineRuns: baseRates, loadAverage: load, cpus: os.availableParallelism(), import: { seconds: importSeconds, rate: n / importSeconds },
      ...(hop1 ? { hop1: fig(hop1) } : {}), ...(hop2 ? { hop2: fig(hop2) } : {}), endToEnd: { ...fig(e2e), cityRate: target / cityDone },
      targetRatio: 0.2, met: ratio(e2e.rate) >= 0.2,
      ...(values.profile ? { profiles: Object.fromEntries(Object.entries(profileSummaries).map(([k, s]) => [k, s.self.slice(0, 5)])) } : {}),
    })}\n`);
  } finally {
    await Promise.allSettled(procs.map((p) => p.stop()));
    if (values.keep) say(`kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
