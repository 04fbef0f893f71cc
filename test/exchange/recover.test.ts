import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { pino } from 'pino';
import { backends, createPgSchemas, PG_URL } from '../helpers/node.ts';
import { penalty } from '../helpers/records.ts';
import { demoFederation, freePorts, initFederation, type FederationNode } from '../../node/cli/federation.ts';
import { loadConfig } from '../../node/config/load.ts';
import { startNode, type RunningNode } from '../../node/app.ts';
import { stateRepo } from '../../node/exchange/state-repo.ts';
import { signNodeToken } from '../../node/exchange/node-auth.ts';
import { cliAsync } from '../helpers/cli.ts';

// Disaster recovery from the federation (DESIGN.md §4): the parent holds every chain of a child's subtree with its
// signed heads, so a child that lost its store takes them back, and one restored from an old backup takes back the
// tail it lost instead of forking its own chain.
const SPECS = demoFederation(0).filter((s) => s.id === 'sd-hub' || s.id === 'city-jinan' || s.id === 'jinan-market');

for (const backend of backends()) {
  describe(`recovery from the parent on ${backend}`, function () {
    this.timeout(60_000);
    let dir: string;
    let schemas: Map<string, string>;
    let made: FederationNode[];
    const nodes: Record<string, RunningNode> = {};
    const start = async (id: string) => {
      const n = made.find((m) => m.spec.id === id) as FederationNode;
      nodes[id] = await startNode(loadConfig(n.configFile, {}), { log: pino({ level: 'silent' }), schedule: false });
      return nodes[id] as RunningNode;
    };
    const node = (id: string) => nodes[id] as RunningNode;
    const db = (id: string): Knex => node(id).ctx.store.knex;
    const heads = async (id: string) => Object.fromEntries((await node(id).ctx.eventLog.heads(db(id))).map((h) => [h.origin, `${h.seq}:${h.hash}`]));
    const rows = async (id: string) => ((await db(id)('records').select('id', 'version', 'origin', 'status', 'publish_until').orderBy('id')) as Array<Record<string, unknown>>).map((r) => ({ ...r, version: Number(r['version']) }));
    const count = async (id: string, origin: string) => Number(((await db(id)('events').where({ origin }).count({ n: '*' }).first()) as { n: number | string }).n);
    /** The store of `id` as if its disk were lost: an empty store, the config and keys back in place. */
    const loseStore = async (id: string) => {
      await node(id).stop();
      const cfg = loadConfig((made.find((m) => m.spec.id === id) as FederationNode).configFile, {});
      if (cfg.store.client === 'sqlite') {
        for (const ext of ['', '-wal', '-shm']) rmSync(`${cfg.store.file}${ext}`, { force: true });
      } else {
        const admin = knexFactory({ client: 'pg', connection: PG_URL ?? '' });
        await admin.raw(`drop schema ${cfg.store.schema} cascade`);
        await admin.raw(`create schema ${cfg.store.schema}`);
        await admin.destroy();
      }
      return start(id);
    };

    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'credit-node-recover-'));
      schemas = backend === 'pg' ? await createPgSchemas(SPECS.map((s) => s.id)) : new Map<string, string>();
      const ports = await freePorts(SPECS.length);
      made = await initFederation(dir, SPECS.map((s, i) => ({ ...s, port: ports[i] as number })), (cfg, spec) => {
        cfg['log'] = { level: 'silent' };
        const schema = schemas.get(spec.id);
        if (schema) cfg['store'] = { client: 'pg', connection: PG_URL, schema };
        // Small batches: recovery goes in several runs, each ending at a signed checkpoint.
        cfg['exchange'] = { maxBatchEvents: 256, maxBatchBytes: 262144 };
      });
      for (const s of SPECS) await start(s.id);
      await node('jinan-market').ctx.records.ingest(Array.from({ length: 300 }, (_, i) => penalty(i + 1)));
      await node('city-jinan').ctx.records.ingest([penalty(1001), penalty(1002)]);
      await node('jinan-market').ctx.sync.round({ up: true, down: false });
      await node('city-jinan').ctx.sync.round({ up: true, down: false });
      await node('city-jinan').ctx.exchange.drainProjection();
      await node('sd-hub').ctx.exchange.drainProjection();
    });
    after(async () => {
      await Promise.all(Object.values(nodes).map((n) => n.stop()));
      if (schemas.size) {
        const admin = knexFactory({ client: 'pg', connection: PG_URL ?? '' });
        for (const schema of schemas.values()) await admin.raw(`drop schema if exists ${schema} cascade`);
        await admin.destroy();
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('rebuilds a city whose store was lost from the hub: same heads and rows, verify passes, nothing goes up twice', async () => {
      const beforeHeads = await heads('city-jinan');
      const beforeRows = await rows('city-jinan');
      expect(Object.keys(beforeHeads).sort()).to.deep.equal(['city-jinan', 'jinan-market']);
      const hubEvents = { city: await count('sd-hub', 'city-jinan'), market: await count('sd-hub', 'jinan-market') };

      await loseStore('city-jinan');
      expect(await heads('city-jinan')).to.deep.equal({});
      // The operator's command, while the city is stopped.
      await node('city-jinan').stop();
      const cityConfig = (made.find((m) => m.spec.id === 'city-jinan') as FederationNode).configFile;
      const res = await cliAsync(['recover', '--config', cityConfig]);
      expect(res.status, res.stderr).to.equal(0);
      const result = res.json as { recovered: Record<string, number>; heads: Record<string, number>; down: { received: number } };
      expect(result.recovered).to.deep.equal({ 'city-jinan': Number(beforeHeads['city-jinan']?.split(':')[0]), 'jinan-market': 300 });
      expect(result.heads).to.deep.equal(Object.fromEntries(Object.entries(beforeHeads).map(([o, h]) => [o, Number(h.split(':')[0])])));
      await start('city-jinan');
      expect(await heads('city-jinan')).to.deep.equal(beforeHeads);
      expect(await rows('city-jinan')).to.deep.equal(beforeRows);
      const verified = await node('city-jinan').ctx.eventLog.verify(db('city-jinan'), async (o) => (await node('city-jinan').ctx.directory.lookup(o))?.key);
      expect(verified.ok, JSON.stringify(verified.broken)).to.equal(true);
      // The enrollment of its industry node came back with its own chain: the city takes its batches again.
      expect((await node('city-jinan').ctx.directory.entry('jinan-market'))?.status).to.equal('active');

      await node('jinan-market').ctx.records.ingest([penalty(301)]);
      const up = await node('jinan-market').ctx.sync.round({ up: true, down: false });
      expect(up.up.sent).to.equal(1);
      const relay = await node('city-jinan').ctx.sync.round({ up: true, down: false });
      expect(relay.up.sent).to.equal(1);
      expect({ city: await count('sd-hub', 'city-jinan'), market: await count('sd-hub', 'jinan-market') }).to.deep.equal({ city: hubEvents.city, market: hubEvents.market + 1 });
      // The city's audit entries were lost with its disk: the hub, which holds the evidence of them, says so; no
      // other alarm (no event was refused).
      expect((await stateRepo.alarms(db('sd-hub'))).map((a) => [a.code, a.origin])).to.deep.equal([['AUDIT_REWRITTEN', 'city-jinan']]);
    });

    it('hands a chain only to a child whose subtree it belongs to', async () => {
      const market = node('jinan-market');
      const city = node('city-jinan');
      const ask = async (origin: string) => {
        const token = signNodeToken({ issuer: 'jinan-market', audience: 'city-jinan', privateKey: market.ctx.keys.privateKey, now: new Date() });
        const res = await fetch(`${city.url}/exchange/v1/recover?origin=${origin}&after=0&limit=10`, { headers: { authorization: `Bearer ${token}` } });
        return { status: res.status, body: (await res.json()) as { error?: { code: string }; events?: unknown[] } };
      };
      const own = await ask('jinan-market');
      expect(own.status).to.equal(200);
      expect(own.body.events?.length).to.be.greaterThan(0);
      const other = await ask('city-jinan');
      expect(other.status).to.equal(403);
      expect(other.body.error?.code).to.equal('ORIGIN_NOT_ALLOWED');
      // Nothing to take back when the heads agree.
      expect((await market.ctx.sync.recover()).recovered).to.deep.equal({});
    });

    it('an industry node restored from a stale backup takes back the lost tail instead of forking its chain', async () => {
      const marketConfig = (made.find((m) => m.spec.id === 'jinan-market') as FederationNode).configFile;
      const file = path.join(dir, 'market-backup.tar');
      // An online backup while the node runs, then three more records reach the city.
      const backup = await cliAsync(['backup', '--config', marketConfig, '--out', file]);
      expect(backup.status, backup.stderr).to.equal(0);
      await node('jinan-market').ctx.records.ingest([penalty(302), penalty(303), penalty(304)]);
      await node('jinan-market').ctx.sync.round({ up: true, down: false });
      const ahead = await heads('jinan-market');
      const aheadRows = await rows('jinan-market');

      // The disk is lost; the backup is restored: three records and their events are gone here, not at the city.
      await loseStore('jinan-market');
      await node('jinan-market').stop();
      const restore = await cliAsync(['restore', '--config', marketConfig, '--from', file]);
      expect(restore.status, restore.stderr).to.equal(0);
      await start('jinan-market');
      expect(await heads('jinan-market')).to.not.deep.equal(ahead);
      // Until its chain has been compared with the city's, it writes nothing (a write now would fork the chain).
      const early = await node('jinan-market').ctx.records.ingest([penalty(399)]).catch((e: { code?: string }) => e);
      expect((early as { code?: string }).code).to.equal('CHAIN_UNCONFIRMED');
      const round = await node('jinan-market').ctx.sync.round({ up: true, down: false });
      expect(round.up.sent).to.equal(0);
      expect(await heads('jinan-market')).to.deep.equal(ahead);
      expect(await rows('jinan-market')).to.deep.equal(aheadRows);

      // The next write continues the chain the city holds.
      await node('jinan-market').ctx.records.ingest([penalty(305)]);
      const next = await node('jinan-market').ctx.sync.round({ up: true, down: false });
      expect(next.up.sent).to.equal(1);
      expect(await count('city-jinan', 'jinan-market')).to.equal(305);
      // Its audit entries written after the backup are lost: the city holds their evidence and flags the break.
      expect((await stateRepo.alarms(db('city-jinan'))).map((a) => [a.code, a.origin])).to.deep.equal([['AUDIT_REWRITTEN', 'jinan-market']]);
      expect(await stateRepo.alarms(db('jinan-market'))).to.deep.equal([]);
    });
  });
}
