import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { cli, cliSpawn } from '../helpers/cli.ts';

/** Starts `credit-node demo` (what `npm start` runs) and waits for its URL. */
async function startDemo(dir: string) {
  const child = cliSpawn(['demo', '--dir', dir, '--base-port', '0']);
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /演示节点已启动：(http:\/\/\S+)/.exec(stderr);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('close', () => reject(new Error(stderr)));
  });
  return { child, url, stderr: () => stderr };
}

describe('demo (npm start)', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(path.join(tmpdir(), 'credit-node-demo-')); });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  it('initialises once, loads generated data, serves the API with the printed accounts, and restarts without reseeding', async () => {
    const first = await startDemo(dir);
    expect(first.stderr()).to.include('已载入');
    const health = (await (await fetch(`${first.url}/healthz`)).json()) as Record<string, unknown>;
    expect(health).to.deep.equal({ status: 'ok', id: 'sd-hub', role: 'province' });
    const m = /officer\s+(\S+) \/ (\S+)/.exec(first.stderr());
    const res = await fetch(`${first.url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: m?.[1], password: m?.[2] }) });
    expect(res.status).to.equal(200);
    first.child.kill('SIGINT');
    await once(first.child, 'close');

    const status = cli(['status', '--config', path.join(dir, 'credit-node.json')]);
    const counts = (status.json as { counts: Record<string, number> }).counts;
    expect(counts['records']).to.be.greaterThan(1000);
    expect(counts['natural_persons']).to.be.greaterThan(0);
    expect(counts['non_enterprises']).to.be.greaterThan(0);

    const second = await startDemo(dir);
    expect(second.stderr()).not.to.include('已载入');
    second.child.kill('SIGTERM');
    await once(second.child, 'close');
    const again = cli(['status', '--config', path.join(dir, 'credit-node.json')]);
    expect((again.json as { counts: Record<string, number> }).counts['records']).to.equal(counts['records']);
  });
});
