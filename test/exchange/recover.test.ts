import { expect } from 'chai';
import { rmSync } from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { backends, PG_URL } from '../helpers/node.ts';
import { restartableFederation, type RestartableFederation } from '../helpers/in-process.ts';
import { penalty } from '../helpers/records.ts';
import { cliAsync } from '../helpers/cli.ts';
import { loadConfig } from '../../node/config/load.ts';
import { stateRepo } from '../../node/exchange/state-repo.ts';
import { signNodeToken } from '../../node/exchange/node-auth.ts';

// Disaster recovery from the federation (DESIGN.md §4): the parent holds every chain of a child's subtree with its
// signed heads, so a child that lost its store takes them back, and one restored from an old backup takes back the
// tail it lost instead of forking its own chain.
for (const backend of backends()) {
  describe(`recovery from the parent on ${backend}`, function () {
    this.timeout(60_000);
    let fed: RestartableFederation;
    const node = (id: string) => fed.node(id);
    const start = (id: string) => fed.start(id);
    const db = (id: string): Knex => node(id).ctx.store.knex;
    const heads = async (id: string) => Object.fromEntries((await node(id).ctx.eventLog.heads(db(id))).map((h) => [h.origin, `${h.seq}:${h.hash}`]));
    const rows = async (id: string) => ((await db(id)('records').select('id', 'version', 'origin', 'status', 'publish_until').orderBy('id')) as Array<Record<string, unknown>>).map((r) => ({ ...r, version: Number(r['version']) }));
    const count = async (id: string, origin: string) => Number(((await db(id)('events').where({ origin }).count({ n: '*' }).first()) as { n: number | string }).n);
    /** The store of `id` as if its disk were lost: an empty store, the config and keys back in place. */
    const loseStore = async (id: string) => {
      await node(id).stop();
      const cfg = loadConfig(fed.configFile(id), {});
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
      // Small batches: recovery goes in several runs, each ending at a signed checkpoint.
      fed = await restartableFederation(backend, 'credit-node-recover-', (cfg) => { cfg['exchange'] = { maxBatchEvents: 256, maxBatchBytes: 262144 }; });
      await node('jinan-market').ctx.records.ingest(Array.from({ length: 300 }, (_, i) => penalty(i + 1)));
      await node('city-jinan').ctx.records.ingest([penalty(1001), penalty(1002)]);
      await node('jinan-market').ctx.sync.round({ up: true, down: false });
      await node('city-jinan').ctx.sync.round({ up: true, down: false });
      await node('city-jinan').ctx.exchange.drainProjection();
      await node('sd-hub').ctx.exchange.drainProjection();
    });
    after(async () => { await fed?.close(); });

    it('rebuilds a city whose store was lost from the hub: same heads and rows, verify passes, nothing goes up twice', async () => {
      const beforeHeads = await heads('city-jinan');
      const beforeRows = await rows('city-jinan');
      expect(Object.keys(beforeHeads).sort()).to.deep.equal(['city-jinan', 'jinan-market']);
      const hubEvents = { city: await count('sd-hub', 'city-jinan'), market: await count('sd-hub', 'jinan-market') };

      await loseStore('city-jinan');
      expect(await heads('city-jinan')).to.deep.equal({});
      // The operator's command, while the city is stopped.
      await node('city-jinan').stop();
      const cityConfig = fed.configFile('city-jinan');
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
      const marketConfig = fed.configFile('jinan-market');
      const file = path.join(fed.dir, 'market-backup.tar');
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
