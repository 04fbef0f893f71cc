import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { cli, cliSpawn } from '../helpers/cli.ts';
import { demoData, isJinanSubject } from '../../node/cli/demo.ts';

const NODES = ['sd-hub', 'city-jinan', 'jinan-market', 'sd-tax'];

/** Starts `credit-node demo` (what `npm start` runs) and waits until it prints the four URLs. */
async function startDemo(dir: string) {
  const child = cliSpawn(['demo', '--dir', dir, '--base-port', '0']);
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (stderr.includes('按 Ctrl-C 停止')) resolve();
    });
    child.on('close', () => reject(new Error(stderr)));
  });
  const urls: Record<string, string> = {};
  const records: Record<string, number> = {};
  for (const m of stderr.matchAll(/^\s+(\S+)\s+\S+\s+\d{6}\s+(http:\/\/\S+).*记录 (\d+) 条$/gm)) {
    urls[m[1] as string] = m[2] as string;
    records[m[1] as string] = Number(m[3]);
  }
  return { child, urls, records, stderr };
}

async function officerToken(url: string, stderr: string): Promise<string> {
  const m = /officer\s+(\S+) \/ (\S+)/.exec(stderr);
  const res = await fetch(`${url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: m?.[1], password: m?.[2] }) });
  expect(res.status).to.equal(200);
  return ((await res.json()) as { token: string }).token;
}

async function categoriesOf(url: string, token: string, code: string): Promise<string[]> {
  const res = await fetch(`${url}/api/v1/subjects/${code}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status, `${url} ${code}`).to.equal(200);
  return ((await res.json()) as { records: Array<{ category: string }> }).records.map((r) => r.category);
}

describe('demo (npm start)', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(path.join(tmpdir(), 'credit-node-demo-')); });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  it('starts the four-node federation, moves records up to the hub and down to Jinan, and restarts without reseeding', async () => {
    const first = await startDemo(dir);
    expect(first.stderr).to.include('已载入');
    expect(Object.keys(first.urls)).to.have.members(NODES);
    for (const id of NODES) {
      const health = (await (await fetch(`${first.urls[id]}/healthz`)).json()) as Record<string, unknown>;
      expect(health['id']).to.equal(id);
    }
    const data = demoData();
    const hub = first.urls['sd-hub'] as string;
    const jinan = first.urls['city-jinan'] as string;
    // A record imported at Jinan market regulation reached the hub through Jinan.
    const market = data['jinan-market']?.find((r) => r.category === 'administrative_penalty' && r.subject.type === 'legal_person');
    expect(await categoriesOf(hub, await officerToken(hub, first.stderr), market?.subject.code as string)).to.include('administrative_penalty');
    // A tax rating of a Jinan company, recorded by provincial tax, came down from the hub to Jinan.
    const tax = data['sd-tax']?.find(isJinanSubject);
    expect(await categoriesOf(jinan, await officerToken(jinan, first.stderr), tax?.subject.code as string)).to.include('tax_credit_rating');
    // Every record is at the hub; Jinan holds its market bureau's, the province-wide lists and some of tax's.
    const own = (id: string) => data[id]?.length ?? 0;
    expect(first.records['sd-hub']).to.equal(own('sd-hub') + own('jinan-market') + own('sd-tax'));
    expect(first.records['city-jinan']).to.be.greaterThan(own('jinan-market') + own('sd-hub'));
    first.child.kill('SIGINT');
    await once(first.child, 'close');

    const second = await startDemo(dir);
    expect(second.stderr).not.to.include('已载入');
    expect(second.urls).to.deep.equal(first.urls);
    expect(second.records).to.deep.equal(first.records);
    second.child.kill('SIGTERM');
    await once(second.child, 'close');
    const status = cli(['status', '--config', path.join(dir, 'sd-hub', 'credit-node.json')]);
    expect((status.json as { counts: Record<string, number> }).counts['records']).to.equal(first.records['sd-hub']);
  });
});
