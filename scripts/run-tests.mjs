#!/usr/bin/env node
// Runs the whole test suite: starts a throw-away PostgreSQL 15 server for the store tests (unless
// CREDIT_NODE_TEST_PG already names one), runs mocha, stops the server, and prints "N passed, M failed".
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, chmodSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';

function findPgBin() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], 'bin') : undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function startPg() {
  const bin = findPgBin();
  if (!bin) return undefined;
  const isRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'credit-node-pg-'));
  chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  const asPg = (cmd, args) => (isRoot ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' }));
  let r = asPg(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  if (r.status !== 0) { process.stderr.write(`initdb failed: ${r.stderr}\n`); return undefined; }
  const port = await freePort();
  r = asPg(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'pg.log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start']);
  if (r.status !== 0) { process.stderr.write(`pg_ctl start failed: ${r.stderr}\n`); return undefined; }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      asPg(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const env = { ...process.env };
let pg;
if (!env.CREDIT_NODE_TEST_PG) {
  pg = await startPg();
  if (pg) env.CREDIT_NODE_TEST_PG = pg.url;
  else process.stderr.write('PostgreSQL 服务器不可用：PostgreSQL 存储测试将失败（CI 由 .ci/run 安装）\n');
}

const mochaBin = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'node_modules', 'mocha', 'bin', 'mocha.js');
const child = spawn(process.execPath, [mochaBin, ...process.argv.slice(2)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout.on('data', (chunk) => { out += chunk.toString(); process.stdout.write(chunk); if (out.length > 200000) out = out.slice(-100000); });
const code = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)));
pg?.stop();
const passed = Number(/(\d+) passing/.exec(out)?.[1] ?? 0);
const failed = Number(/(\d+) failing/.exec(out)?.[1] ?? 0);
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(code === 0 && failed === 0 ? 0 : 1);
