// Query benchmark (issue: access). A province node of the built program holding about S subjects and R records,
// loaded through `credit-node import` from generated files of every category (setup, not timed; kept under
// --store and reused by the next run with the same sizes). Timed, in the same run:
//   raw baseline  the same lookups as bare SQL on the node's SQLite file in this process, one after another:
//                 the subject by code with its records and their bodies; the first page of a name fragment's
//                 FTS5 matches joined to their subjects;
//   over HTTP     the running node, signed in as an officer of the province, audit on (as always): GET
//                 /api/v1/subjects/:code and GET /api/v1/subjects?q=<fragment> at C concurrent connections
//                 (autocannon) for T seconds each, every request a different code or fragment from the store.
//                 With each, the CPU the node used per request (all its threads, from /proc) and how busy the
//                 machine was: on a small machine the load generator shares the cores with the node.
//   HTTP floor    a bare node:http server answering every request with a body of a report's size, same load: the
//                 most any lookup over HTTP can reach on this machine.
//   lookup floor  the report's work with nothing around it (_lookup-floor.ts): node:http, the same rows read with
//                 prepared statements on a thread, JSON, an audit entry committed before the answer leaves; no
//                 framework, token or scope. What an audited report over HTTP costs on this machine at the least.
// Fragments are 3 characters from the middle of organisations' names (what 历下区 or 鲁味 in a name look like);
// the per-user query limit is raised for the run (auth.queryRateLimitPerMinute), everything else is the default.
//   npm run bench -- query [--subjects N] [--records N] [--seconds T] [--connections C] [--store DIR] [--fresh] [--profile]
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { NodeProcess, cpuSecondsOf, freePorts, machineCpu, root, waitHealthy } from './_proc.ts';
import { PASSWORD, REPORT_SQL, USERNAME, benchStore, samples, storeFile } from './_store.ts';
import { HEADER, load, row, type Figures } from './_load.ts';
import { summarize } from './_cpuprofile.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const say = (s: string) => process.stderr.write(`${s}\n`);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/** CPU of a timed run over HTTP. */
interface Cpu { nodeMicrosPerRequest: number; nodeCores: number; mainMicrosPerRequest: number; mainBusy: number; machineBusy: number }

/** The raw lookups on the node's file in this process: each sample once, after a warm-up pass. */
function baseline(file: string, codes: string[], fragments: string[]): { report: Figures; search: Figures } {
  const db = new Database(file, { readonly: true });
  db.pragma('cache_size = -16384');
  const subject = db.prepare<[string]>(REPORT_SQL.subject);
  const records = db.prepare<[number]>(REPORT_SQL.records);
  const search = db.prepare<[string]>('select s.id, s.type, s.key, s.name, s.region from subjects_fts f join subjects s on s.id = f.rowid where subjects_fts match ? and s.type <> \'natural_person\' order by f.rowid limit 20');
  const report = (code: string) => {
    const s = subject.get(code) as { id: number } | undefined;
    if (!s) throw new Error(`no subject ${code}`);
    for (const r of records.all(s.id) as Array<{ body: string }>) JSON.parse(r.body);
  };
  const find = (q: string) => search.all(`"${q.replace(/"/g, '""')}"`);
  const time = (items: string[], fn: (x: string) => void): Figures => {
    for (const x of items.slice(0, 200)) fn(x);
    const times: number[] = [];
    const t0 = performance.now();
    for (const x of items) {
      const t = performance.now();
      fn(x);
      times.push(performance.now() - t);
    }
    const ms = performance.now() - t0;
    times.sort((a, b) => a - b);
    return { requests: items.length, perSecond: (items.length / ms) * 1000, p50: pct(times, 0.5), p99: pct(times, 0.99), max: times[times.length - 1] ?? 0, errors: 0 };
  };
  const out = { report: time(codes, report), search: time(fragments, find) };
  db.close();
  return out;
}

/**
 * What HTTP alone costs on this machine: a bare node:http server in its own process answering every request with
 * the same JSON body (a subject report's size), under the same load. No lookup can answer faster than this.
 */
async function httpFloor(bodyBytes: number, connections: number, seconds: number): Promise<Figures> {
  const [port] = await freePorts(1);
  const script = `const body = JSON.stringify({ pad: 'x'.repeat(${Math.max(0, bodyBytes - 10)}) });
require('node:http').createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }); res.end(body); }).listen(${port}, '127.0.0.1', () => console.log('ready'));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`HTTP floor server exited ${code}`)));
    });
    return await load(`http://127.0.0.1:${port}`, '', ['/'], connections, seconds);
  } finally {
    child.kill();
  }
}

/** The lookup floor's server (_lookup-floor.ts) in its own process, until `run` is done with its URL and pid. */
async function withLookupFloor<T>(file: string, scratch: string, run: (url: string, pid: number) => Promise<T>): Promise<T> {
  const [port] = await freePorts(1);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'bench', '_lookup-floor.ts'), file, scratch, String(port)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`lookup floor server exited ${code}`)));
    });
    return await run(`http://127.0.0.1:${port}`, child.pid as number);
  } finally {
    child.kill();
  }
}


export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      subjects: { type: 'string', default: '1000000' },
      records: { type: 'string', default: '5000000' },
      seconds: { type: 'string', default: '20' },
      connections: { type: 'string', default: '32' },
      store: { type: 'string' },
      fresh: { type: 'boolean', default: false },
      seed: { type: 'string', default: '2026' },
      profile: { type: 'boolean', default: false },
    },
  });
  const subjects = Number(values.subjects);
  const records = Number(values.records);
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const seed = Number(values.seed);
  for (const [k, v] of Object.entries({ subjects, records, seconds, connections, seed })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`--${k} must be a positive integer`);
  }
  const dir = values.store ?? path.join(tmpdir(), `credit-node-bench-store-${subjects}-${records}-${seed}`);
  say('building the program (npm run build)');
  await new Promise<void>((resolve, reject) => {
    spawn('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' }).on('close', (c) => (c === 0 ? resolve() : reject(new Error('build failed'))));
  });

  const manifest = await benchStore(dir, subjects, records, seed, values.fresh);
  say(`store: ${Object.entries(manifest.counts).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);

  const { codes, fragments } = samples(storeFile(dir), 5000, seed);
  say('raw baseline (bare SQL in this process)');
  const raw = baseline(storeFile(dir), codes, fragments);

  // The node as deployed, with the per-user query limit out of the way of the load.
  const configFile = path.join(dir, 'node', 'credit-node.json');
  const cfg = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  const [port] = await freePorts(1);
  cfg['listen'] = { host: '127.0.0.1', port };
  cfg['auth'] = { ...(cfg['auth'] as object | undefined), queryRateLimitPerMinute: 10_000_000 };
  // The hub's credit evaluation would start its full run after start and compete for the cores; it is timed on its own (bench evaluate).
  cfg['evaluation'] = { ...(cfg['evaluation'] as object | undefined), enabled: false };
  // A config of its own beside the store's (the same relative paths), so the shared store's config stays as built.
  const runConfig = path.join(dir, 'node', 'query-node.json');
  writeFileSync(runConfig, `${JSON.stringify(cfg, null, 2)}\n`);
  const url = `http://127.0.0.1:${port}`;
  const profiles = path.join(dir, 'profiles');
  rmSync(profiles, { recursive: true, force: true });
  // One profile per thread (named by node: CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile, thread 0 the node's own).
  const flags = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : [];
  const node = new NodeProcess('node', ['start', '--config', runConfig], path.join(dir, 'node.log'), flags);
  const audit = new Database(storeFile(dir), { readonly: true });
  const auditCount = () => (audit.prepare('select count(*) as n from audit_log').get() as { n: number }).n;
  try {
    await waitHealthy(url, node);
    const signIn = await fetch(`${url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: USERNAME, password: PASSWORD }) });
    if (!signIn.ok) throw new Error(`sign-in failed: ${signIn.status} ${await signIn.text()}`);
    const token = ((await signIn.json()) as { token: string }).token;
    const reportPaths = codes.map((c) => `/api/v1/subjects/${c}`);
    const searchPaths = fragments.map((f) => `/api/v1/subjects?q=${encodeURIComponent(f)}`);
    say(`warm-up (${Math.min(5, seconds)} s)`);
    await load(url, token, reportPaths, connections, Math.min(5, seconds));
    await load(url, token, searchPaths, connections, Math.min(5, seconds));
    const sample = await fetch(`${url}${reportPaths[0]}`, { headers: { authorization: `Bearer ${token}` } });
    const reportBytes = Buffer.byteLength(await sample.text());
    const before = auditCount();
    // Where the CPU went during each timed run: the node's (all its threads) per request, and the whole machine's.
    const timed = async (pid: number, target: string, tok: string, paths: string[]): Promise<Figures & { cpu: Cpu }> => {
      const n0 = cpuSecondsOf(pid);
      const t0 = cpuSecondsOf(pid, pid);
      const m0 = machineCpu();
      const f = await load(target, tok, paths, connections, seconds);
      const m1 = machineCpu();
      const nodeSeconds = cpuSecondsOf(pid) - n0;
      const mainSeconds = cpuSecondsOf(pid, pid) - t0;
      const perRequest = (s: number) => (f.requests > 0 ? (s / f.requests) * 1e6 : 0);
      return { ...f, cpu: { nodeMicrosPerRequest: perRequest(nodeSeconds), nodeCores: nodeSeconds / seconds, mainMicrosPerRequest: perRequest(mainSeconds), mainBusy: mainSeconds / seconds, machineBusy: (m1.busy - m0.busy) / Math.max(1e-9, m1.total - m0.total) } };
    };
    say(`subject report by code over HTTP: ${connections} connections, ${seconds} s`);
    const report = await timed(node.pid, url, token, reportPaths);
    say(`name search over HTTP: ${connections} connections, ${seconds} s`);
    const search = await timed(node.pid, url, token, searchPaths);
    await new Promise((r) => setTimeout(r, 1500));
    const audited = auditCount() - before;
    node.sample();
    say(`HTTP floor: a bare node:http server answering ${fmt(reportBytes)} bytes, ${connections} connections, ${seconds} s`);
    const floor = await httpFloor(reportBytes, connections, seconds);
    say(`lookup floor: the report's work without the framework, audited, ${connections} connections, ${seconds} s`);
    const lookup = await withLookupFloor(storeFile(dir), path.join(dir, 'lookup-floor-audit.sqlite'), async (floorUrl, pid) => {
      await load(floorUrl, '', reportPaths, connections, Math.min(5, seconds));
      return timed(pid, floorUrl, '', reportPaths);
    });

    console.log(`\nQuery benchmark: ${fmt(manifest.counts['subjects'] ?? 0)} subjects, ${fmt(manifest.counts['records'] ?? 0)} records; ${connections} connections, ${seconds} s per lookup, audit on`);
    console.log(HEADER.replace('baseline', 'raw'));
    console.log(row('raw SQLite: subject by code', raw.report));
    console.log(row('HTTP: subject report by code', report, raw.report));
    console.log(row('raw SQLite: name fragment (FTS5)', raw.search));
    console.log(row('HTTP: name search', search, raw.search));
    console.log(row('HTTP floor: bare node:http, no lookup', floor));
    console.log(row('lookup floor: report, no framework', lookup, raw.report));
    const cpuLine = (label: string, c: Cpu) => `${label}: the node used ${c.nodeMicrosPerRequest.toFixed(0)} µs of CPU per request (${c.nodeCores.toFixed(2)} cores, all its threads), its main thread ${c.mainMicrosPerRequest.toFixed(0)} µs (busy ${(c.mainBusy * 100).toFixed(0)} %); the machine was ${(c.machineBusy * 100).toFixed(0)} % busy (${cpus().length} cores, the load generator included)`;
    console.log(cpuLine('report', report.cpu));
    console.log(cpuLine('search', search.cpu));
    console.log(cpuLine('lookup floor', lookup.cpu).replace('the node used', 'its server used').replace('its main thread', 'main thread'));
    console.log(`audit entries written during the timed runs: ${fmt(audited)} (requests answered: ${fmt(report.requests + search.requests)}); node peak RSS ${Math.round(node.peak / 1024 / 1024)} MB`);
    // A run where requests failed or none were answered has no figure to compare.
    const ok = (r: typeof report, limit: number) => r.requests > 0 && r.errors === 0 && r.p99 < limit;
    console.log(`targets: report p99 < 10 ms: ${ok(report, 10) ? 'met' : 'NOT met'} (${report.p99.toFixed(2)}; the lookup floor ${lookup.p99.toFixed(2)}); search p99 < 50 ms: ${ok(search, 50) ? 'met' : 'NOT met'} (${search.p99.toFixed(2)})`);
    console.log(JSON.stringify({ bench: 'query', counts: manifest.counts, connections, seconds, raw, report, search, floor, lookup, reportBytes, audited, peakRss: node.peak }));
    if (report.errors || search.errors) process.exitCode = 1;
  } finally {
    audit.close();
    await node.stop();
  }
  const threadProfiles = values.profile && existsSync(profiles) ? readdirSync(profiles).filter((f) => f.endsWith('.cpuprofile')).sort() : [];
  for (const file of threadProfiles) {
    const p = summarize(path.join(profiles, file), 25);
    const thread = Number(file.split('.')[4]);
    console.log(`\nnode CPU profile, ${thread === 0 ? 'the node\'s own thread' : `thread ${thread}`} (${(p.totalMs / 1000).toFixed(1)} s sampled), self time:`);
    for (const f of p.self) console.log(`  ${f.ms.toFixed(0).padStart(7)} ms ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}`);
    console.log('inclusive (the program\'s own functions):');
    for (const f of p.inclusive) console.log(`  ${f.ms.toFixed(0).padStart(7)} ms ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}`);
  }
}
