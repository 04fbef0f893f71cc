import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { freePorts, initFederation, type FederationNodeSpec } from '../../node/cli/federation.ts';
import { loadConfig } from '../../node/config/load.ts';
import { startNode, type RunningNode } from '../../node/app.ts';
import { penalty } from '../helpers/records.ts';

/** A province pushes up to a national node with the same protocol, relaying its cities' chains. */
describe('exchange: a province hub reporting to a national node', function () {
  this.timeout(60_000);
  let dir: string;
  const running = new Map<string, RunningNode>();
  const node = (id: string) => running.get(id) as RunningNode;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'credit-node-national-'));
    const [a, b, c] = await freePorts(3);
    const specs: FederationNodeSpec[] = [
      { id: 'cn-national', name: '全国信用信息共享平台', role: 'national', region: '100000', port: a as number },
      { id: 'sd-hub', name: '山东省公共信用信息平台', role: 'province', region: '370000', parent: 'cn-national', port: b as number },
      { id: 'city-jinan', name: '济南市公共信用信息平台', role: 'city', region: '370100', parent: 'sd-hub', port: c as number },
    ];
    const nodes = await initFederation(dir, specs, (cfg) => { cfg['log'] = { level: 'silent' }; });
    for (const n of nodes) running.set(n.spec.id, await startNode(loadConfig(n.configFile, {}), { schedule: false, log: pino({ level: 'silent' }) }));
  });

  after(async () => {
    for (const r of [...running.values()].reverse()) await r.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the hub relays its own and Jinan\'s chains to the national node, which verifies both', async () => {
    const results = await node('city-jinan').ctx.records.ingest([penalty(1), penalty(2)]);
    expect(results.map((r) => r.status)).to.deep.equal(['created', 'created']);
    expect((await node('city-jinan').ctx.sync.round()).up.sent).to.equal(2);
    const up = (await node('sd-hub').ctx.sync.round()).up;
    // The hub's own chain (its enrollment of Jinan) and Jinan's two records.
    expect(up.sent).to.equal(3);
    const national = node('cn-national').ctx;
    const heads = Object.fromEntries((await national.eventLog.heads(national.store.knex)).map((h) => [h.origin, h.seq]));
    expect(heads).to.deep.include({ 'sd-hub': 1, 'city-jinan': 2 });
    const report = await national.eventLog.verify(national.store.knex, (o) => national.directory.publicKeyOf(o));
    expect(report.ok, JSON.stringify(report.broken)).to.equal(true);
    expect((await national.directory.entry('city-jinan'))?.parent).to.equal('sd-hub');
  });
});
