import { spawnSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { programArgs } from './program.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult { status: number | null; stdout: string; stderr: string; json: unknown; lines: unknown[] }

/** Runs the real CLI in a child process (the build when it is current, else the sources under tsx: program.ts). */
export function cli(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [...programArgs(), ...args], {
    encoding: 'utf8',
    input: opts.input ?? '',
    cwd: opts.cwd ?? root,
    env: { ...process.env, ...opts.env },
    timeout: 120_000,
  });
  const lines = r.stdout.split('\n').filter((l) => l.trim()).map((l) => { try { return JSON.parse(l) as unknown; } catch { return l; } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: lines[lines.length - 1], lines };
}

export function cliSpawn(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [...programArgs(), ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * The real CLI in a child process, asynchronously: a test's own node keeps serving its store meanwhile (a blocked
 * event loop could hold a PostgreSQL lock the child waits for). `json` is the last stdout line parsed.
 */
export function cliAsync(args: string[], input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...programArgs(), ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (status) => {
      const lines = stdout.split('\n').filter((l) => l.trim()).map((l) => { try { return JSON.parse(l) as unknown; } catch { return l; } });
      resolve({ status, stdout, stderr, json: lines[lines.length - 1], lines });
    });
    child.stdin.end(input);
  });
}
