// Query benchmark (issue: access). A province node of the built program holding about S subjects and R records,
// loaded through `credit-node import` from generated files of every category (setup, not timed; kept under
// --store and reused by the next run with the same sizes). Timed, in the same run:
//   raw baseline  the same lookups as bare SQL on the node's SQLite file in this process, one after another:
//                 the subject by code with its records and their bodies; the first page of a name fragment's
//                 FTS5 matches joined to their subjects;
//   over HTTP     the running node, signed in as an officer of the province, audit on (as always): GET
//                 /api/v1/subjects/:code and GET /api/v1/subjects?q=<fragment> at C concurrent connections
//                 (autocannon) for T seconds each, every request a different code or fragment from the store.
//   HTTP floor    a bare node:http server answering every request with a body of a report's size, same load: the
//                 most any lookup over HTTP can reach on this machine.
// Fragments are 3 characters from the middle of organisations' names (what 历下区 or 鲁味 in a name look like);
// the per-user query limit is raised for the run (auth.queryRateLimitPerMinute), everything else is the default.
//   npm run bench -- query [--subjects N] [--records N] [--seconds T] [--connections C] [--store DIR] [--fresh] [--profile]
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { writeRecordsFile } from '../generate-data.ts';
import { CLI, NodeProcess, freePorts, root, waitHealthy } from './_proc.ts';
import { Random } from '../generate/random.ts';
import { summarize } from './_cpuprofile.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const say = (s: string) => process.stderr.write(`${s}\n`);
const PASSWORD = 'Bench-Query-2026!';
const USERNAME = 'bench-officer';

/** Share of the non-registration records per category (registrations are one per organisation). */
const MIX: ReadonlyArray<readonly [string, number]> = [
  ['administrative_penalty', 26], ['administrative_license', 26], ['tax_credit_rating', 10], ['court_enforcement', 6],
  ['abnormal_operation_list', 5], ['honor', 4], ['contract_performance', 4], ['professional_qualification', 4],
  ['annual_assessment', 3], ['bidding', 3], ['construction', 3], ['environmental', 2], ['energy_saving', 2],
  ['serious_dishonesty_list', 2],
];

interface Manifest { subjects: number; records: number; seed: number; counts: Record<string, number>; builtMs: number }

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

const storeFile = (dir: string) => path.join(dir, 'node', 'data', 'credit-node.sqlite');

/** Organisation codes and 3-character fragments of their names, drawn at random from the store. */
function samples(file: string, n: number, seed: number): { codes: string[]; fragments: string[] } {
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

interface Figures { requests: number; perSecond: number; p50: number; p99: number; max: number; errors: number }

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/** The raw lookups on the node's file in this process: each sample once, after a warm-up pass. */
function baseline(file: string, codes: string[], fragments: string[]): { report: Figures; search: Figures } {
  const db = new Database(file, { readonly: true });
  db.pragma('cache_size = -16384');
  const subject = db.prepare<[string]>('select id, type, key, name, region from subjects where key = ?');
  const records = db.prepare<[number]>('select r.*, e.body from records r join events e on e.origin = r.origin and e.seq = r.seq where r.subject_id = ? order by r.category, r.decision_date desc');
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

/** C connections for T seconds, each request the next path of the list (round robin). */
async function load(url: string, token: string, paths: string[], connections: number, seconds: number): Promise<Figures> {
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
    requests: [{ setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] as string }) }],
  });
  return {
    requests: result.requests.total,
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.non2xx + result.errors + result.timeouts,
  };
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
  const dir = values.store ?? path.join(tmpdir(), `credit-node-query-bench-${subjects}-${records}-${seed}`);
  say('building the program (npm run build)');
  await new Promise<void>((resolve, reject) => {
    spawn('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' }).on('close', (c) => (c === 0 ? resolve() : reject(new Error('build failed'))));
  });

  const manifestFile = path.join(dir, 'manifest.json');
  let manifest = existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest) : undefined;
  if (values.fresh || !manifest || manifest.subjects !== subjects || manifest.records !== records || manifest.seed !== seed) {
    say(`setup: loading about ${fmt(subjects)} subjects and ${fmt(records)} records into ${dir} (not timed)`);
    manifest = await buildStore(dir, subjects, records, seed);
  } else {
    say(`setup: reusing the store in ${dir}`);
  }
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
  writeFileSync(configFile, `${JSON.stringify(cfg, null, 2)}\n`);
  const url = `http://127.0.0.1:${port}`;
  const profiles = path.join(dir, 'profiles');
  rmSync(profiles, { recursive: true, force: true });
  const flags = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`, '--cpu-prof-name=node.cpuprofile'] : [];
  const node = new NodeProcess('node', ['start', '--config', configFile], path.join(dir, 'node.log'), flags);
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
    say(`subject report by code over HTTP: ${connections} connections, ${seconds} s`);
    const report = await load(url, token, reportPaths, connections, seconds);
    say(`name search over HTTP: ${connections} connections, ${seconds} s`);
    const search = await load(url, token, searchPaths, connections, seconds);
    await new Promise((r) => setTimeout(r, 1500));
    const audited = auditCount() - before;
    node.sample();
    say(`HTTP floor: a bare node:http server answering ${fmt(reportBytes)} bytes, ${connections} connections, ${seconds} s`);
    const floor = await httpFloor(reportBytes, connections, seconds);

    const row = (label: string, f: Figures, base?: Figures) =>
      `${label.padEnd(34)} ${fmt(f.requests).padStart(9)} ${f.perSecond.toFixed(0).padStart(8)} ${f.p50.toFixed(2).padStart(8)} ${f.p99.toFixed(2).padStart(8)} ${f.max.toFixed(1).padStart(8)}${base ? `   ${(f.perSecond / base.perSecond).toFixed(3)}` : ''}${f.errors ? `   errors ${f.errors}` : ''}`;
    console.log(`\nQuery benchmark: ${fmt(manifest.counts['subjects'] ?? 0)} subjects, ${fmt(manifest.counts['records'] ?? 0)} records; ${connections} connections, ${seconds} s per lookup, audit on`);
    console.log(`${'lookup'.padEnd(34)} ${'requests'.padStart(9)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}   ratio to raw`);
    console.log(row('raw SQLite: subject by code', raw.report));
    console.log(row('HTTP: subject report by code', report, raw.report));
    console.log(row('raw SQLite: name fragment (FTS5)', raw.search));
    console.log(row('HTTP: name search', search, raw.search));
    console.log(row('HTTP floor: bare node:http, no lookup', floor));
    console.log(`audit entries written during the timed runs: ${fmt(audited)} (requests answered: ${fmt(report.requests + search.requests)}); node peak RSS ${Math.round(node.peak / 1024 / 1024)} MB`);
    console.log(`targets: report p99 < 10 ms: ${report.p99 < 10 ? 'met' : 'NOT met'} (${report.p99.toFixed(2)}); search p99 < 50 ms: ${search.p99 < 50 ? 'met' : 'NOT met'} (${search.p99.toFixed(2)})`);
    console.log(JSON.stringify({ bench: 'query', counts: manifest.counts, connections, seconds, raw, report, search, floor, reportBytes, audited, peakRss: node.peak }));
    if (report.errors || search.errors) process.exitCode = 1;
  } finally {
    audit.close();
    await node.stop();
  }
  if (values.profile && existsSync(path.join(profiles, 'node.cpuprofile'))) {
    const p = summarize(path.join(profiles, 'node.cpuprofile'), 25);
    console.log(`\nnode CPU profile (${(p.totalMs / 1000).toFixed(1)} s sampled), self time:`);
    for (const f of p.self) console.log(`  ${f.ms.toFixed(0).padStart(7)} ms ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}`);
    console.log('inclusive (the program\'s own functions):');
    for (const f of p.inclusive) console.log(`  ${f.ms.toFixed(0).padStart(7)} ms ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}`);
  }
}
