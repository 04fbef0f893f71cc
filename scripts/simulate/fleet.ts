// The simulated federation's processes: one `credit-node start` per node (scripts/bench/_proc.ts NodeProcess,
// memory sampled from /proc), killed with SIGKILL and started again on demand, plus the `import` processes.
import path from 'node:path';
import type { FederationNode } from '../../node/cli/federation.ts';
import { NodeProcess, waitHealthy } from '../bench/_proc.ts';
import type { SimNode, SimRole } from './plan.ts';

export interface ImportSummary { rows: number; accepted: number; updated: number; unchanged: number; rejected: number }

type ProcRole = SimRole | 'import';

export class Fleet {
  private readonly current = new Map<string, NodeProcess>();
  /** Every process started, with the role it played (a node killed and started again counts twice). */
  private readonly all: Array<{ role: ProcRole; proc: NodeProcess }> = [];
  /** Processes this fleet killed on purpose: their end is no failure. */
  private readonly killed = new Set<NodeProcess>();
  private readonly starts = new Map<string, number>();
  private readonly importing = new Set<NodeProcess>();

  constructor(readonly nodes: readonly SimNode[], private readonly fed: ReadonlyMap<string, FederationNode>, private readonly logs: string) {}

  private node(id: string): { sim: SimNode; fed: FederationNode } {
    const sim = this.nodes.find((n) => n.spec.id === id);
    const fed = this.fed.get(id);
    if (!sim || !fed) throw new Error(`no node ${id}`);
    return { sim, fed };
  }

  /** Starts the node's server and waits until it answers /healthz. */
  async start(id: string): Promise<void> {
    const { sim, fed } = this.node(id);
    const n = (this.starts.get(id) ?? 0) + 1;
    this.starts.set(id, n);
    const proc = new NodeProcess(id, ['start', '--config', fed.configFile], path.join(this.logs, `${id}.${n}.log`));
    this.current.set(id, proc);
    this.all.push({ role: sim.role, proc });
    await waitHealthy(fed.url, proc, 120_000);
  }

  /** Starts the given nodes, `parallel` at a time. */
  async startMany(ids: readonly string[], parallel: number): Promise<void> {
    await pool(ids, parallel, (id) => this.start(id));
  }

  /** kill -9, and wait until the process is gone. */
  async kill(id: string): Promise<void> {
    const proc = this.current.get(id);
    if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    this.killed.add(proc);
    proc.sample();
    proc.child.kill('SIGKILL');
    await proc.exited;
  }

  /** Throws when a node's server ended without being killed on purpose. */
  assertAlive(): void {
    for (const [id, proc] of this.current) {
      const gone = proc.child.exitCode !== null || proc.child.signalCode !== null;
      if (gone && !this.killed.has(proc)) throw new Error(`${id} ended by itself (${proc.child.exitCode ?? proc.child.signalCode}):\n${proc.logTail()}`);
    }
  }

  /** `credit-node import` of one file at a node (beside its running server, into the same store). */
  async import(id: string, category: string, file: string): Promise<ImportSummary> {
    const { fed } = this.node(id);
    const proc = new NodeProcess(`import-${id}`, ['import', '--config', fed.configFile, '--category', category, '--file', file, '--no-progress'], path.join(this.logs, `import-${path.basename(file, '.jsonl')}.log`));
    this.all.push({ role: 'import', proc });
    this.importing.add(proc);
    const code = await proc.exited;
    this.importing.delete(proc);
    if (code !== 0) throw new Error(`import at ${id} failed (exit ${code}):\n${proc.logTail()}`);
    const last = proc.output().trim().split('\n').at(-1) ?? '';
    return JSON.parse(last) as ImportSummary;
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.current.values(), ...this.importing].map((p) => p.stop()));
  }

  restarts(): number {
    return [...this.starts.values()].reduce((s, n) => s + n - 1, 0);
  }

  /** Peak resident memory by role: the largest process's and the mean over the role's processes, in bytes. */
  peaks(): Record<string, { max: number; mean: number; processes: number }> {
    const by = new Map<string, number[]>();
    for (const { role, proc } of this.all) {
      proc.sample();
      by.set(role, [...(by.get(role) ?? []), proc.peak]);
    }
    return Object.fromEntries([...by].map(([role, v]) => [role, { max: Math.max(...v), mean: v.reduce((a, b) => a + b, 0) / v.length, processes: v.length }]));
  }
}

/** Runs `fn` over `items`, at most `parallel` at once; the first failure is thrown once all have settled. */
export async function pool<T, R>(items: readonly T[], parallel: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const i = next++;
      try { out[i] = await fn(items[i] as T); } catch (err) { failure ??= err; }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, items.length)) }, worker));
  if (failure !== undefined) throw failure;
  return out;
}
