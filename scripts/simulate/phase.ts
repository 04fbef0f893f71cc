// One phase of the simulation: the load files imported at their nodes while the federation runs (and, in the
// second phase, chosen nodes killed and started again at random moments), then polled until every chain is the
// same at every holder, then verified row by row.
import { sleep } from '../bench/_proc.ts';
import { probe, verify, type Verification } from './check.ts';
import { pool, type Fleet, type ImportSummary } from './fleet.ts';
import type { LoadFile } from './data.ts';
import type { SimNode } from './plan.ts';
import type { StoreReader } from '../bench/_store-reader.ts';

export interface Kill { node: string; atSeconds: number; downSeconds: number }

export interface PhaseFigures {
  name: string;
  /** Records imported (accepted or updated) and how long the imports took, from the phase's start. */
  records: number;
  rejected: number;
  importSeconds: number;
  importRate: number;
  converged: boolean;
  /** From the phase's start (the first import) until every chain was the same everywhere and projected. */
  convergenceSeconds: number | null;
  /** Events of other origins that reached the hub in this phase, and their rate from the first to the last. */
  hubIntake: { events: number; seconds: number; rate: number; peakRate: number };
  kills: Kill[];
  lost: number;
  duplicated: number;
  diverged: number;
  /** Records imported at a node that are missing from its own chain. */
  recordsMissing: number;
  problems: string[];
}

export interface PhaseContext {
  nodes: readonly SimNode[];
  readers: ReadonlyMap<string, StoreReader>;
  fleet: Fleet;
  hubId: string;
  importParallel: number;
  timeoutSeconds: number;
  pollMs: number;
  say: (s: string) => void;
  /** Records imported at each node so far (all phases), updated here. */
  imported: Map<string, number>;
}

/** Polls until converged (after `loadDone` resolves) or the timeout; samples the hub's intake on the way. */
async function watch(ctx: PhaseContext, t0: number, loadDone: () => boolean, name: string): Promise<{ convergedAt: number | null; samples: Array<[number, number]>; problems: string[] }> {
  const samples: Array<[number, number]> = [];
  let doneAt: number | undefined;
  let lastReport = 0;
  for (;;) {
    ctx.fleet.assertAlive();
    const p = await probe(ctx.nodes, ctx.readers, ctx.hubId);
    const t = (performance.now() - t0) / 1000;
    samples.push([t, p.hubReceived]);
    if (loadDone()) {
      doneAt ??= t;
      if (p.converged) return { convergedAt: t, samples, problems: [] };
      if (t - doneAt > ctx.timeoutSeconds) return { convergedAt: null, samples, problems: p.problems };
    }
    if (t - lastReport >= 10) {
      lastReport = t;
      ctx.say(`  ${name} ${t.toFixed(0)} s: hub holds ${p.hubReceived} events of other nodes; ${p.problems.length} differences${p.problems[0] ? ` (${p.problems[0]}${p.problems.length > 1 ? ', …' : ''})` : ''}`);
    }
    await sleep(ctx.pollMs);
  }
}

/** Events per second from the first arrival to the last, and the best rate over any 5 s of the samples. */
function intake(samples: ReadonlyArray<[number, number]>): PhaseFigures['hubIntake'] {
  const start = samples[0]?.[1] ?? 0;
  const end = samples.at(-1)?.[1] ?? start;
  const firstMove = samples.findIndex(([, n]) => n > start);
  const lastMove = samples.findIndex(([, n]) => n >= end);
  if (firstMove < 1 || end <= start) return { events: end - start, seconds: 0, rate: 0, peakRate: 0 };
  // Arrivals began somewhere after the sample before the first move.
  const from = (samples[firstMove - 1] as [number, number])[0];
  const to = (samples[lastMove] as [number, number])[0];
  let peakRate = 0;
  for (let i = 0, j = 0; j < samples.length; j++) {
    const [tj, nj] = samples[j] as [number, number];
    while (i < j && tj - (samples[i] as [number, number])[0] > 5) i++;
    const [ti, ni] = samples[i] as [number, number];
    if (tj - ti >= 2) peakRate = Math.max(peakRate, (nj - ni) / (tj - ti));
  }
  const seconds = Math.max(to - from, 1e-3);
  return { events: end - start, seconds, rate: (end - start) / seconds, peakRate: Math.max(peakRate, (end - start) / seconds) };
}

export async function runPhase(ctx: PhaseContext, name: string, files: readonly LoadFile[], kills: readonly Kill[]): Promise<PhaseFigures> {
  const t0 = performance.now();
  let importsDone = false;
  let killsDone = kills.length === 0;
  let importEnd = 0;
  const summaries: ImportSummary[] = [];
  const loading = pool(files, ctx.importParallel, async (f) => {
    const s = await ctx.fleet.import(f.node, f.category, f.file);
    summaries.push(s);
    ctx.imported.set(f.node, (ctx.imported.get(f.node) ?? 0) + s.accepted + s.updated);
    return s;
  }).finally(() => { importsDone = true; importEnd = (performance.now() - t0) / 1000; });
  const killing = Promise.all(kills.map(async (k) => {
    await sleep(k.atSeconds * 1000);
    await ctx.fleet.kill(k.node);
    ctx.say(`  ${name} ${((performance.now() - t0) / 1000).toFixed(1)} s: ${k.node} killed (SIGKILL), back in ${k.downSeconds.toFixed(1)} s`);
    await sleep(k.downSeconds * 1000);
    await ctx.fleet.start(k.node);
  })).finally(() => { killsDone = true; });
  // A failed import or restart ends the phase at once; the watcher stops at its next poll.
  let failure: unknown;
  void loading.catch((err) => { failure ??= err; });
  void killing.catch((err) => { failure ??= err; });
  const seen = await watch(ctx, t0, () => {
    if (failure !== undefined) throw failure;
    return importsDone && killsDone;
  }, name);
  await loading;
  await killing;
  ctx.say(`  ${name}: ${seen.convergedAt === null ? 'NOT converged' : `converged after ${seen.convergedAt.toFixed(1)} s`}; verifying every chain at every holder...`);
  const v: Verification = await verify(ctx.nodes, ctx.readers);
  let recordsMissing = 0;
  for (const [id, n] of ctx.imported) {
    const kinds = await (ctx.readers.get(id) as StoreReader).kinds(id);
    recordsMissing += Math.max(0, n - (kinds['record'] ?? 0));
  }
  const records = summaries.reduce((s, x) => s + x.accepted + x.updated, 0);
  return {
    name,
    records,
    rejected: summaries.reduce((s, x) => s + x.rejected, 0),
    importSeconds: importEnd,
    importRate: records / Math.max(importEnd, 1e-3),
    converged: seen.convergedAt !== null,
    convergenceSeconds: seen.convergedAt,
    hubIntake: intake(seen.samples),
    kills: [...kills],
    lost: v.lost,
    duplicated: v.duplicated,
    diverged: v.diverged,
    recordsMissing,
    problems: [...seen.problems, ...v.problems].slice(0, 50),
  };
}
