import { programArgs } from './program.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { cli, type CliResult } from './cli.ts';
import { demoFederation, initFederation, type FederationNodeSpec } from '../../node/cli/federation.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENV = { CREDIT_NODE_LOG_LEVEL: 'warn' };

/** Fast schedules and retries, so a federation on loopback converges in seconds. */
export const FAST: { schedules: Record<string, string>; exchange: Record<string, unknown> } = {
  schedules: { syncUp: '*/2 * * * * *', syncDown: '*/2 * * * * *' },
  exchange: { pushDelayMs: 200, requestTimeoutMs: 15_000, retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 2000 } },
};

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value other than undefined; on timeout throws with what `explain` says. */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, opts: { timeoutMs: number; what: string; explain?: () => string | Promise<string>; everyMs?: number }): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      const why = opts.explain ? await opts.explain() : '';
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}\n${why}`);
    }
    await sleep(opts.everyMs ?? 250);
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * Below the kernel's ephemeral range: a node restarting on its fixed port must not find it taken as the local
 * port of some outgoing connection (the federation makes thousands).
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 21_000 ? low : 50_000;
  } catch {
    return 50_000;
  }
}

/** A base port in 20000–50000 (below the ephemeral range) with `n` free ports from it; configs need them up front. */
export async function freePorts(n: number): Promise<number> {
  const top = Math.min(50_000, ephemeralLow()) - n;
  for (let tries = 0; tries < 100; tries++) {
    const base = 20_000 + Math.floor(Math.random() * (top - 20_000));
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = await portFree(base + i);
    if (ok) return base;
  }
  throw new Error(`no ${n} consecutive free ports found`);
}

/** One origin's events as a node holds them. */
export interface ChainView { count: number; minSeq: number; maxSeq: number; digest: string; head: number | null; distinctSeqs: number }

export interface FedNode {
  id: string;
  spec: FederationNodeSpec;
  dir: string;
  configFile: string;
  url: string;
  port: number;
  dbFile: string;
  keyFile: string;
  proc: ChildProcess | undefined;
  /** The last lines the process wrote (for failure messages). */
  output: string[];
  /** The CLI's error line (`错误：…`) if the current process printed one. */
  failure: string | undefined;
  starts: number;
}

const live = new Set<ChildProcess>();
process.once('exit', () => { for (const p of live) p.kill('SIGKILL'); });

export interface FederationOptions {
  /** Changes to each raw config after the fast defaults (schedules, exchange limits). */
  configure?: (cfg: Record<string, unknown>, spec: FederationNodeSpec) => void;
  /** Extra free ports reserved after the nodes' (a test proxy). */
  extraPorts?: number;
}

/**
 * A federation of real `credit-node start` processes on loopback (demoFederation: sd-hub, city-jinan,
 * jinan-market, sd-tax), each in its own directory under one temp dir.
 */
export class Federation {
  readonly nodes = new Map<string, FedNode>();
  private imports = 0;

  private constructor(readonly dir: string, readonly basePort: number, readonly extraPort: number) {}

  static async create(opts: FederationOptions = {}): Promise<Federation> {
    const specs = demoFederation(0);
    const base = await freePorts(specs.length + (opts.extraPorts ?? 0));
    const dir = mkdtempSync(path.join(tmpdir(), 'credit-node-fed-'));
    const fed = new Federation(dir, base, base + specs.length);
    try {
      const made = await initFederation(dir, demoFederation(base), (cfg, spec) => {
        cfg['schedules'] = { ...FAST.schedules };
        cfg['exchange'] = { ...FAST.exchange };
        opts.configure?.(cfg, spec);
      });
      for (const n of made) {
        fed.nodes.set(n.spec.id, {
          id: n.spec.id, spec: n.spec, dir: n.dir, configFile: n.configFile, url: n.url, port: n.spec.port,
          dbFile: path.join(n.dir, 'data', 'credit-node.sqlite'), keyFile: path.join(n.dir, 'keys', 'node.key'),
          proc: undefined, output: [], failure: undefined, starts: 0,
        });
      }
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return fed;
  }

  get ids(): string[] {
    return [...this.nodes.keys()];
  }

  node(id: string): FedNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id} in this federation`);
    return n;
  }

  /** The node and its ancestors: every node that holds the node's whole chain. */
  holdersOf(origin: string): string[] {
    const out: string[] = [];
    for (let id: string | undefined = origin; id; id = this.nodes.get(id)?.spec.parent) out.push(id);
    return out;
  }

  /** Starts `credit-node start` for one node and waits until /healthz answers with its id. */
  async start(id: string, timeoutMs = 60_000): Promise<void> {
    this.spawn(id);
    await this.waitHealthy(id, timeoutMs);
  }

  /** Starts `credit-node start` for one node without waiting for it. */
  spawn(id: string): void {
    const n = this.node(id);
    if (n.proc) throw new Error(`node ${id} is already running`);
    const proc = spawn(process.execPath, [...programArgs(), 'start', '--config', n.configFile], { cwd: root, env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    n.proc = proc;
    n.failure = undefined;
    n.starts += 1;
    live.add(proc);
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        n.output.push(line.slice(0, 2000));
        if (line.startsWith('错误：') && n.proc === proc) n.failure = line;
      }
      if (n.output.length > 200) n.output.splice(0, n.output.length - 200);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.once('exit', () => { live.delete(proc); if (n.proc === proc) n.proc = undefined; });
  }

  /** Waits until the node's process answers /healthz with its id (fails at once if the process exits). */
  async waitHealthy(id: string, timeoutMs = 60_000): Promise<void> {
    const n = this.node(id);
    const proc = n.proc;
    if (!proc) throw new Error(`node ${id} is not running`);
    await waitFor(async () => {
      if (n.proc !== proc || n.failure) throw new Error(`node ${id} failed to start:\n${n.output.slice(-20).join('\n')}`);
      return (await this.healthy(id)) ? true : undefined;
    }, { timeoutMs, what: `${id} /healthz`, everyMs: 100, explain: () => n.output.slice(-20).join('\n') });
  }

  async startAll(): Promise<void> {
    await Promise.all(this.ids.map((id) => this.start(id)));
  }

  running(id: string): boolean {
    return this.node(id).proc !== undefined;
  }

  async healthy(id: string): Promise<boolean> {
    try {
      const res = await fetch(`${this.node(id).url}/healthz`, { signal: AbortSignal.timeout(2000) });
      return res.ok && ((await res.json()) as { id?: string }).id === id;
    } catch {
      return false;
    }
  }

  /** kill -9, and wait until the process is gone. */
  async kill(id: string): Promise<void> {
    const proc = this.node(id).proc;
    if (!proc) return;
    if (proc.exitCode === null && proc.signalCode === null) {
      const gone = once(proc, 'exit');
      proc.kill('SIGKILL');
      await gone;
    }
  }

  async restart(id: string): Promise<void> {
    await this.kill(id);
    await this.start(id);
  }

  /** SIGTERM (a clean stop), SIGKILL after `graceMs`. */
  async stop(id: string, graceMs = 5000): Promise<void> {
    const proc = this.node(id).proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = once(proc, 'exit');
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }

  /** Stops every node and removes the temp dir (kept when CREDIT_NODE_KEEP_FED is set, for debugging). */
  async destroy(): Promise<void> {
    await Promise.all(this.ids.map((id) => this.stop(id)));
    if (process.env['CREDIT_NODE_KEEP_FED']) process.stderr.write(`federation kept in ${this.dir}\n`);
    else rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs a CLI command against the node's config and waits (blocks this process: not while a test server must answer). */
  cli(id: string, args: string[]): CliResult {
    return cli([...args, '--config', this.node(id).configFile], { env: ENV });
  }

  /** Runs a CLI command against the node's config without blocking this process. */
  async cliAsync(id: string, args: string[]): Promise<CliResult> {
    const child = spawn(process.execPath, [...programArgs(), ...args, '--config', this.node(id).configFile], { cwd: root, env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    const [code] = (await once(child, 'close')) as [number | null];
    live.delete(child);
    const lines = stdout.split('\n').filter((l) => l.trim()).map((l) => { try { return JSON.parse(l) as unknown; } catch { return l; } });
    return { status: code, stdout, stderr, json: lines[lines.length - 1], lines };
  }

  /** Imports records at a node with `credit-node import` (JSONL written under the federation dir); returns the summary. */
  async importRecords(id: string, category: string, records: Iterable<Record<string, unknown>>): Promise<ImportResult> {
    const file = writeJsonl(path.join(this.dir, `import-${id}-${category}-${(this.imports += 1)}.jsonl`), records);
    const r = await this.cliAsync(id, ['import', '--category', category, '--file', file, '--no-progress']);
    if (r.status !== 0) throw new Error(`import at ${id} failed (exit ${r.status}): ${r.stderr.trim()}`);
    return r.json as ImportResult;
  }

  /** `credit-node status` of one node, parsed (throws when the command fails). */
  async status(id: string): Promise<NodeStatus> {
    const r = await this.cliAsync(id, ['status']);
    if (r.status !== 0) throw new Error(`status ${id} failed: ${r.stderr}`);
    return r.json as NodeStatus;
  }

  /** `credit-node verify` at every node at once: exit code and result by node. */
  async verifyAll(): Promise<Record<string, { status: number | null; json: unknown; stderr: string }>> {
    const results = await Promise.all(this.ids.map(async (id) => [id, await this.cliAsync(id, ['verify'])] as const));
    return Object.fromEntries(results.map(([id, r]) => [id, { status: r.status, json: r.json, stderr: r.stderr }]));
  }

  /** Reads a node's store through its own read-only connection (safe while the node runs). */
  read<T>(id: string, fn: (db: Database.Database) => T): T {
    const db = new Database(this.node(id).dbFile, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      return fn(db);
    } finally {
      db.close();
    }
  }

  /** Every origin's events at one node: count, seq range, digest of the hashes in seq order, and head. */
  chains(id: string): Map<string, ChainView> {
    return this.read(id, (db) => {
      const out = new Map<string, ChainView>();
      const heads = new Map((db.prepare('select origin, seq from heads').all() as Array<{ origin: string; seq: number }>).map((h) => [h.origin, Number(h.seq)]));
      const origins = (db.prepare('select distinct origin from events').all() as Array<{ origin: string }>).map((r) => r.origin);
      const q = db.prepare('select seq, hash from events where origin = ? order by seq');
      for (const origin of new Set([...origins, ...heads.keys()])) {
        const rows = q.all(origin) as Array<{ seq: number; hash: string }>;
        const h = createHash('sha256');
        for (const r of rows) h.update(`${r.seq}:${r.hash}\n`);
        out.set(origin, {
          count: rows.length, minSeq: rows.length ? Number(rows[0]?.seq) : 0, maxSeq: rows.length ? Number(rows.at(-1)?.seq) : 0,
          digest: h.digest('hex'), head: heads.get(origin) ?? null, distinctSeqs: new Set(rows.map((r) => r.seq)).size,
        });
      }
      return out;
    });
  }

  /** The events of one origin at one node, in seq order. */
  events(id: string, origin: string): Array<{ seq: number; hash: string; kind: string; entityId: string; op: string; body: string; at: string; prevHash: string }> {
    return this.read(id, (db) => db.prepare('select seq, hash, kind, entity_id as entityId, op, body, at, prev_hash as prevHash from events where origin = ? order by seq').all(origin) as Array<{ seq: number; hash: string; kind: string; entityId: string; op: string; body: string; at: string; prevHash: string }>);
  }

  /** The records rows of one origin at one node (the local subject id replaced by the subject's key), by id. */
  records(id: string, origin?: string): Array<Record<string, unknown>> {
    return this.read(id, (db) => {
      const rows = db.prepare(`select r.*, s.key as subject_key from records r join subjects s on s.id = r.subject_id ${origin ? 'where r.origin = ?' : ''} order by r.id`).all(...(origin ? [origin] : [])) as Array<Record<string, unknown>>;
      // withdrawn_at is each node's own housekeeping (when its nightly job took the record off public view), not
      // part of what travels: nodes agree on the window (publish_until), not on when their jobs ran.
      return rows.map(({ subject_id: _s, withdrawn_at: _w, ...rest }) => rest);
    });
  }

  count(id: string, sql: string, ...params: unknown[]): number {
    return this.read(id, (db) => Number((db.prepare(sql).pluck().get(...params)) ?? 0));
  }

  /**
   * Differences between what every holder of each origin's chain stores and the origin itself (count, seq
   * range, head, hash digest; a chain must run 1..head without gaps). Empty when the federation has converged.
   * `expected` adds the event count each origin must have.
   */
  divergence(expected: Record<string, number> = {}): string[] {
    const views = new Map<string, Map<string, ChainView> | Error>();
    for (const id of this.ids) {
      try { views.set(id, this.chains(id)); } catch (err) { views.set(id, err as Error); }
    }
    const problems: string[] = [];
    for (const origin of this.ids) {
      const own = views.get(origin);
      if (own instanceof Error) { problems.push(`${origin}: store unreadable: ${own.message}`); continue; }
      const ref = own?.get(origin);
      const want = expected[origin];
      if (want !== undefined && (ref?.count ?? 0) !== want) problems.push(`${origin}: ${ref?.count ?? 0} own events, expected ${want}`);
      for (const holder of this.holdersOf(origin)) {
        const v = views.get(holder);
        if (v instanceof Error) { problems.push(`${holder}: store unreadable: ${v.message}`); continue; }
        const c = v?.get(origin);
        const show = (x: ChainView | undefined) => (x ? `count ${x.count}, seq ${x.minSeq}..${x.maxSeq}, head ${x.head}, digest ${x.digest.slice(0, 12)}` : 'nothing');
        if (!c && !ref) continue;
        if (!c || !ref || c.count !== ref.count || c.digest !== ref.digest || c.head !== ref.head) {
          problems.push(`chain ${origin} at ${holder}: ${show(c)}; at the origin: ${show(ref)}`);
        } else if (c.count !== c.maxSeq || c.head !== c.count || c.distinctSeqs !== c.count || (c.count > 0 && c.minSeq !== 1)) {
          problems.push(`chain ${origin} at ${holder} is not 1..head without gaps: ${show(c)}`);
        }
      }
    }
    // Events a node holds as its parent's selection must be the origin's, hash for hash.
    for (const id of this.ids) {
      const v = views.get(id);
      if (!v || v instanceof Error) continue;
      for (const origin of v.keys()) {
        if (this.holdersOf(origin).includes(id) || !this.nodes.has(origin)) continue;
        try {
          const mine = this.read(id, (db) => db.prepare('select seq, hash from events where origin = ?').all(origin) as Array<{ seq: number; hash: string }>);
          if (mine.length === 0) continue;
          const theirs = new Map(this.read(origin, (db) => db.prepare(`select seq, hash from events where origin = ? and seq in (${mine.map(() => '?').join(',')})`).all(origin, ...mine.map((e) => e.seq)) as Array<{ seq: number; hash: string }>).map((e) => [e.seq, e.hash]));
          for (const e of mine) if (theirs.get(e.seq) !== e.hash) problems.push(`${id} holds ${origin} seq ${e.seq} with hash ${e.hash.slice(0, 12)}, the origin ${theirs.get(e.seq)?.slice(0, 12) ?? 'has no such event'}`);
        } catch (err) {
          problems.push(`${id} or ${origin}: store unreadable: ${(err as Error).message}`);
        }
      }
    }
    // Converged means projected too: no received record or ticket event waits for its rows.
    for (const id of this.ids) {
      try {
        const pending = this.read(id, (db) => (db.prepare("select count(*) as n from events where pos > (select pos from projection where name = 'received') and origin <> ? and kind in ('record', 'ticket')").get(id) as { n: number }).n);
        if (pending > 0) problems.push(`${id}: ${pending} received events not projected yet`);
      } catch (err) {
        problems.push(`${id}: store unreadable: ${(err as Error).message}`);
      }
    }
    return problems;
  }

  /** Waits until every chain is the same at all its holders (and has the expected counts); the diff on timeout. */
  async waitConverged(opts: { timeoutMs: number; expected?: Record<string, number> }): Promise<Map<string, Map<string, ChainView>>> {
    let last: string[] = [];
    await waitFor(() => {
      last = this.divergence(opts.expected ?? {});
      return last.length === 0 ? true : undefined;
    }, {
      timeoutMs: opts.timeoutMs,
      what: 'the federation to converge',
      everyMs: 500,
      explain: () => [
        'differences:', ...last.map((l) => `  ${l}`),
        ...this.ids.map((id) => `--- ${id} (${this.running(id) ? 'running' : 'stopped'}), last output:\n${this.node(id).output.slice(-8).join('\n')}`),
      ].join('\n'),
    });
    return new Map(this.ids.map((id) => [id, this.chains(id)]));
  }
}

export interface ImportResult { rows: number; accepted: number; updated: number; unchanged: number; rejected: number }

export interface NodeStatus {
  id: string;
  counts: Record<string, number>;
  heads: Record<string, number>;
  peers: Array<{ id: string; direction: string; lag: number | null; lastOk: string | null; lastError: string | null; cursor?: number }>;
  alarms: Array<{ at: string; code: string; peer: string | null; origin: string | null; detail: string }>;
}

/** Writes records as JSONL (without `category`, which the import command takes as an option). */
export function writeJsonl(file: string, records: Iterable<Record<string, unknown>>): string {
  const lines: string[] = [];
  for (const r of records) {
    const { category: _c, ...rest } = r;
    lines.push(JSON.stringify(rest));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
