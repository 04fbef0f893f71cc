// Helpers for benchmarks that run the built program as separate processes: spawn, wait for health, stop, and
// sample each process's resident memory from /proc (VmRSS now, VmHWM the kernel's high-water mark).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built program, as operators run it (`npx credit-node`). */
export const CLI = path.join(root, 'dist', 'node', 'cli.js');

/**
 * The node options of the program's #! line (`#!/usr/bin/env -S node --max-semi-space-size=64`), which
 * `npx credit-node` gets from it: processes started here pass the same, so they run as operators' do.
 */
export function cliNodeFlags(file = CLI): string[] {
  let first = '';
  try {
    first = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  } catch {
    return [];
  }
  const m = /^#!\S*env(?:\s+-S)?\s+node\b(.*)$/.exec(first);
  return m ? (m[1] ?? '').trim().split(/\s+/).filter(Boolean) : [];
}

/** VmRSS and VmHWM of a live process in bytes (0 once it is gone). */
export function memOf(pid: number): { rss: number; hwm: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/**
 * CPU time (user + system) a live process has used so far, in seconds (0 once it is gone): all its threads, or
 * only thread `tid` (the process's own id is its main thread).
 */
export function cpuSecondsOf(pid: number, tid?: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** The machine's busy and total CPU time so far (seconds, all cores), from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const [, ...v] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
  const n = v.map(Number);
  const total = n.reduce((a, b) => a + b, 0);
  // idle and iowait are the 4th and 5th.
  return { busy: (total - (n[3] ?? 0) - (n[4] ?? 0)) / CLOCK_TICKS, total: total / CLOCK_TICKS };
}

/** USER_HZ: what /proc counts CPU time in on Linux. */
const CLOCK_TICKS = 100;

/** A process of the program, its output kept in a log file, its memory sampled until it exits. */
export class NodeProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  peak = 0;
  private stdout = '';
  private readonly timer: NodeJS.Timeout;

  constructor(readonly label: string, args: string[], readonly logFile: string, nodeFlags: string[] = []) {
    const log = createWriteStream(logFile, { flags: 'a' });
    this.child = spawn(process.execPath, [...cliNodeFlags(), ...nodeFlags, CLI, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (c: Buffer) => { this.stdout += c.toString(); log.write(c); });
    // Not ended by stderr's end: stdout may still deliver; the log ends when the process has closed both.
    this.child.stderr?.pipe(log, { end: false });
    log.on('error', () => undefined);
    this.timer = setInterval(() => this.sample(), 100);
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code) => {
        clearInterval(this.timer);
        log.end();
        resolve(code);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** RSS of the last sample taken while the process lived. */
  lastRss = 0;

  /** Current RSS (the last one seen once the process is gone); keeps the peak (the high-water mark counts spikes between samples too). */
  sample(): number {
    const m = memOf(this.pid);
    this.peak = Math.max(this.peak, m.hwm, m.rss);
    if (m.rss > 0) this.lastRss = m.rss;
    return this.lastRss;
  }

  output(): string {
    return this.stdout;
  }

  logTail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-3000);
    } catch {
      return '';
    }
  }

  /** SIGTERM (the node stops cleanly, so --cpu-prof writes its profile), SIGKILL after a while. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.sample();
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(killer);
  }
}

export { freePorts } from '../../node/cli/federation.ts';

/** Waits until the node answers /healthz (or its process ends). */
export async function waitHealthy(url: string, proc: NodeProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.label} exited (${proc.child.exitCode}):\n${proc.logTail()}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${proc.label} did not answer ${url}/healthz within ${timeoutMs} ms:\n${proc.logTail()}`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
