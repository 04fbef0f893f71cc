import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { ConfigInvalid } from '../errors.ts';

/**
 * The PostgreSQL side of backup and restore: pg_dump of the node's schema as a plain SQL script (in the
 * snapshot the manifest was read in), and psql replaying it into a staging schema in one transaction. The
 * connection string never goes on a command line (other users see those): it becomes libpq's PG* variables.
 */

export type PgTool = 'pg_dump' | 'psql';

/**
 * Where a client program is: the folder in CREDIT_NODE_PG_BIN, then PATH, then the newest
 * /usr/lib/postgresql/<version>/bin (Debian's packages). pg_dump must be at least the server's version.
 */
export function findPgTool(name: PgTool, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs: string[] = [];
  if (env['CREDIT_NODE_PG_BIN']) dirs.push(env['CREDIT_NODE_PG_BIN']);
  dirs.push(...(env['PATH'] ?? '').split(path.delimiter).filter(Boolean));
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    dirs.push(...versions.map((v) => path.join(base, v, 'bin')));
  }
  return dirs.map((d) => path.join(d, name)).find((f) => existsSync(f));
}

export function requirePgTool(name: PgTool): string {
  const found = findPgTool(name);
  if (!found) throw new ConfigInvalid(`找不到 PostgreSQL 客户端程序 ${name}：请安装 postgresql-client（与服务器同版本或更新），或用环境变量 CREDIT_NODE_PG_BIN 指定其所在目录`);
  return found;
}

const PARAM_ENV: Record<string, string> = {
  host: 'PGHOST', port: 'PGPORT', user: 'PGUSER', password: 'PGPASSWORD', dbname: 'PGDATABASE', sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT', sslcert: 'PGSSLCERT', sslkey: 'PGSSLKEY', application_name: 'PGAPPNAME',
  connect_timeout: 'PGCONNECT_TIMEOUT', options: 'PGOPTIONS',
};

/** libpq's environment for a postgres:// URL, over the process environment without its own PG* variables. */
export function pgEnv(connection: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(base).filter(([k]) => !k.startsWith('PG')));
  const u = new URL(connection);
  if (u.hostname) env['PGHOST'] = decodeURIComponent(u.hostname.replace(/^\[(.*)\]$/, '$1'));
  if (u.port) env['PGPORT'] = u.port;
  if (u.username) env['PGUSER'] = decodeURIComponent(u.username);
  if (u.password) env['PGPASSWORD'] = decodeURIComponent(u.password);
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (db) env['PGDATABASE'] = db;
  for (const [k, v] of u.searchParams) {
    const name = PARAM_ENV[k];
    if (name) env[name] = v;
  }
  return env;
}

/** A client program's run: its stdout, and its end (rejected with its first error lines on a failure). */
interface Run { stdout: Readable; stdin: Writable; done: Promise<void> }

function run(tool: PgTool, args: string[], connection: string): Run {
  const child = spawn(requirePgTool(tool), args, { env: pgEnv(connection), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { if (stderr.length < 8000) stderr += c.toString('utf8'); });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) { resolve(); return; }
      // Only the error lines: psql's CONTEXT lines may quote rows of the store.
      const lines = stderr.split('\n').filter((l) => /(ERROR|FATAL|错误|致命错误|error):?/i.test(l) && !/^\s*(CONTEXT|上下文)/.test(l));
      reject(new Error(`${tool} 退出码 ${code}：${(lines.slice(0, 3).join('；') || stderr.split('\n')[0] || '').slice(0, 500)}`));
    });
  });
  return { stdout: child.stdout, stdin: child.stdin, done };
}

/** pg_dump of one schema as a plain script, in an exported snapshot (the transaction exporting it stays open). */
export function pgDump(connection: string, schema: string, snapshot: string): Run {
  const r = run('pg_dump', ['--format=plain', '--no-owner', '--no-privileges', '--encoding=UTF8', `--snapshot=${snapshot}`, `--schema=${schema}`], connection);
  r.stdin.end();
  return r;
}

/** Replays a script with psql in one transaction, stopping at the first error (nothing of it stays then). */
export async function psqlScript(connection: string, script: Readable): Promise<void> {
  const r = run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '-f', '-'], connection);
  r.stdout.resume();
  const [fed, done] = await Promise.allSettled([pipeline(script, r.stdin), r.done]);
  // psql's own exit says why it stopped reading (a broken pipe is only the consequence).
  if (done.status === 'rejected') throw done.reason;
  if (fed.status === 'rejected') throw fed.reason;
}

/**
 * Rewrites a pg_dump script of schema `from` to create its objects in schema `to`: names of the dumped
 * relations qualified with `from` (`from.records`, `'from.records_id_seq'`) get `to`; the schema's own
 * statements are dropped (the caller creates `to`); COPY data passes untouched. Only the listed relations are
 * renamed, so a reference to another schema (an operator class of pg_trgm in public) stays as it is.
 */
export function schemaRewriter(from: string, to: string, relations: readonly string[]): (line: string) => string | null {
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(from) || !/^[a-z_][a-z0-9_]*$/.test(to)) throw new Error(`bad schema name ${from} / ${to}`);
  const names = new Set(relations);
  const qualified = new RegExp(`(^|[^A-Za-z0-9_$"])(?:${from}|"${from}")\\.("?)([A-Za-z_][A-Za-z0-9_$]*)\\2`, 'g');
  let inCopy = false;
  return (line) => {
    if (inCopy) {
      if (line === '\\.') inCopy = false;
      return line;
    }
    if (/^(CREATE|ALTER|COMMENT ON) SCHEMA /.test(line)) return null;
    const out = line.replace(qualified, (m, pre: string, q: string, name: string) => (names.has(name) ? `${pre}${to}.${q}${name}${q}` : m));
    if (/^COPY .* FROM stdin;$/.test(out)) inCopy = true;
    return out;
  };
}

/** The script's lines through `rewrite` (split on \n only: COPY data may hold a carriage return). */
export function rewriteScript(input: AsyncIterable<Buffer | string>, rewrite: (line: string) => string | null, preamble: string): Readable {
  async function* gen(): AsyncGenerator<string> {
    yield preamble;
    const decoder = new StringDecoder('utf8');
    let rest = '';
    const take = (text: string, final: boolean): string => {
      const parts = text.split('\n');
      rest = final ? '' : (parts.pop() as string);
      let out = '';
      for (const p of parts) {
        const r = rewrite(p);
        if (r !== null) out += `${r}\n`;
      }
      return out;
    };
    for await (const chunk of input) {
      const out = take(rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk)), false);
      if (out) yield out;
    }
    const last = rest + decoder.end();
    if (last) yield take(last, true);
  }
  return Readable.from(gen());
}
