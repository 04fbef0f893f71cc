// Portal benchmark (issue: the public website). The node of the query benchmark's store (about S subjects and R
// records, built once and shared: scripts/bench/_store.ts) started as the built program, then over HTTP at C
// concurrent connections for T seconds each, in the same run:
//   baseline      the site's stylesheet: a static file served by the same express app (helmet, request log,
//                 rate limit and all), the most any page of this app can reach on this machine;
//   subject page  GET /subjects/:code, every request another organisation of the store (only what the public may
//                 see, inside its window, grouped in the report's sections);
//   search page   GET /search?q=<3 characters from the middle of a name>, every request another fragment.
// The per-address limit of the portal (portal.rateLimitPerMinute) is raised for the run; nothing else changes.
//   npm run bench -- portal [--subjects N] [--records N] [--seconds T] [--connections C] [--store DIR] [--fresh] [--profile]
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { NodeProcess, freePorts, root, waitHealthy } from './_proc.ts';
import { benchStore, samples, storeFile } from './_store.ts';
import { HEADER, load, row } from './_load.ts';
import { summarize } from './_cpuprofile.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const say = (s: string) => process.stderr.write(`${s}\n`);

/** Waits until the node has counted the home page's statistics (GET /public/v1/statistics no longer pending). */
async function statisticsReady(url: string): Promise<void> {
  const started = performance.now();
  for (;;) {
    const res = await fetch(`${url}/public/v1/statistics`);
    if (!res.ok) throw new Error(`statistics: ${res.status} ${await res.text()}`);
    if (!((await res.json()) as { pending?: boolean }).pending) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  say(`statistics counted in ${((performance.now() - started) / 1000).toFixed(0)} s (before timing)`);
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      subjects: { type: 'string', default: '1000000' },
      records: { type: 'string', default: '5000000' },
      seconds: { type: 'string', default: '20' },
      connections: { type: 'string', default: '50' },
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
  const { codes, fragments } = samples(storeFile(dir), 5000, seed + 1);

  const configFile = path.join(dir, 'node', 'credit-node.json');
  const cfg = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  const [port] = await freePorts(1);
  cfg['listen'] = { host: '127.0.0.1', port };
  cfg['portal'] = { ...(cfg['portal'] as object | undefined), rateLimitPerMinute: 1_000_000 };
  // The hub's credit evaluation would start its full run after start and compete for the cores; it is timed on its own (bench evaluate).
  cfg['evaluation'] = { ...(cfg['evaluation'] as object | undefined), enabled: false };
  // A config of its own beside the store's (the same relative paths), so the shared store's config stays as built.
  const runConfig = path.join(dir, 'node', 'portal-node.json');
  writeFileSync(runConfig, `${JSON.stringify(cfg, null, 2)}\n`);
  const url = `http://127.0.0.1:${port}`;
  const profiles = path.join(dir, 'profiles');
  rmSync(profiles, { recursive: true, force: true });
  const flags = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`, '--cpu-prof-name=portal.cpuprofile'] : [];
  const node = new NodeProcess('node', ['start', '--config', runConfig], path.join(dir, 'portal-node.log'), flags);
  try {
    await waitHealthy(url, node);
    const home = await (await fetch(`${url}/`)).text();
    const css = /href="(\/assets\/[^"]+\.css)"/.exec(home)?.[1];
    if (!css) throw new Error('the home page links no stylesheet');
    // The home page's statistics are counted once in a worker thread (about a minute at 5M records) and cached;
    // the timed runs start after that, so they measure the pages and not the one-off count beside them.
    await statisticsReady(url);
    const subjectPaths = codes.map((c) => `/subjects/${c}`);
    const searchPaths = fragments.map((f) => `/search?q=${encodeURIComponent(f)}`);
    say(`warm-up (${Math.min(5, seconds)} s each)`);
    for (const paths of [[css], subjectPaths, searchPaths]) await load(url, '', paths, connections, Math.min(5, seconds));
    say(`static file baseline: ${connections} connections, ${seconds} s`);
    const baseline = await load(url, '', [css], connections, seconds);
    say(`subject page: ${connections} connections, ${seconds} s`);
    const subject = await load(url, '', subjectPaths, connections, seconds);
    say(`search page: ${connections} connections, ${seconds} s`);
    const search = await load(url, '', searchPaths, connections, seconds);
    node.sample();

    console.log(`\nPortal benchmark: ${fmt(manifest.counts['subjects'] ?? 0)} subjects, ${fmt(manifest.counts['records'] ?? 0)} records; ${connections} connections, ${seconds} s each`);
    console.log(HEADER);
    console.log(row('static file (same express app)', baseline));
    console.log(row('subject page /subjects/:code', subject, baseline));
    console.log(row('search page /search?q=', search, baseline));
    console.log(`node peak RSS ${Math.round(node.peak / 1024 / 1024)} MB`);
    // A run where requests failed or none were answered has no figure to compare.
    const met = subject.requests > 0 && subject.errors === 0 && subject.p99 < 50;
    console.log(`target: subject page p99 < 50 ms: ${met ? 'met' : 'NOT met'} (${subject.p99.toFixed(2)}${subject.errors ? `, ${subject.errors} errors` : ''})`);
    console.log(JSON.stringify({ bench: 'portal', counts: manifest.counts, connections, seconds, baseline, subject, search, peakRss: node.peak }));
    if (baseline.errors || subject.errors || search.errors) process.exitCode = 1;
  } finally {
    await node.stop();
  }
  if (values.profile && existsSync(path.join(profiles, 'portal.cpuprofile'))) {
    const p = summarize(path.join(profiles, 'portal.cpuprofile'), 25);
    console.log(`\nnode CPU profile (${(p.totalMs / 1000).toFixed(1)} s sampled), self time:`);
    for (const f of p.self) console.log(`  ${f.ms.toFixed(0).padStart(7)} ms ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}`);
    console.log('inclusive (the program\'s own functions):');
    for (const f of p.inclusive) console.log(`  ${f.ms.toFixed(0).padStart(7)} ms ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}`);
  }
}
