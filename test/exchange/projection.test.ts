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

// Received batches above `exchange.inlineProjectionEvents` are stored at log speed and projected into records by
// the projector afterwards, from a cursor kept in the store; small batches are projected in their own transaction
// when nothing waits. Here the city projects inline only batches of one event.
const SPECS = demoFederation(0).filter((s) => s.id === 'sd-hub' || s.id === 'city-jinan' || s.id === 'jinan-market');

for (const backend of backends()) {
  describe(`received events are projected after them on ${backend}`, function () {
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
    const city = () => nodes['city-jinan'] as RunningNode;
    const market = () => nodes['jinan-market'] as RunningNode;
    const db = (n: RunningNode): Knex => n.ctx.store.knex;
    const cityRecords = async () => (await db(city())('records').where({ origin: 'jinan-market' }).select('id', 'version').orderBy('id')) as Array<{ id: string; version: number }>;

    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'credit-node-projection-'));
      schemas = backend === 'pg' ? await createPgSchemas(SPECS.map((s) => s.id)) : new Map<string, string>();
      const ports = await freePorts(SPECS.length);
      made = await initFederation(dir, SPECS.map((s, i) => ({ ...s, port: ports[i] as number })), (cfg, spec) => {
        cfg['log'] = { level: 'silent' };
        const schema = schemas.get(spec.id);
        if (schema) cfg['store'] = { client: 'pg', connection: PG_URL, schema };
        if (spec.id === 'city-jinan') cfg['exchange'] = { inlineProjectionEvents: 1 };
      });
      for (const s of SPECS) await start(s.id);
    });
    after(async () => {
      await Promise.all(Object.values(nodes).map((n) => n.stop()));
      if (schemas.size) {
        const admin = knexFactory({ client: 'pg', connection: PG_URL ?? '' });
        for (const schema of schemas.values()) await admin.raw(`drop schema ${schema} cascade`);
        await admin.destroy();
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps a large batch waiting in the store until the projector runs, in order, also across a restart', async () => {
      // The city's projector is stopped, as by a crash right after the batches were acknowledged.
      await city().ctx.exchange.close();
      await market().ctx.records.ingest([1, 2, 3, 4, 5].map((n) => penalty(n)));
      const first = await market().ctx.sync.round({ up: true, down: false });
      expect(first.up.sent).to.equal(5);
      expect(await city().ctx.eventLog.head(db(city()), 'jinan-market')).to.include({ seq: 5 });
      expect(await cityRecords()).to.deep.equal([]);
      expect(await city().ctx.exchange.projectionPending()).to.equal(5);

      // A one-event batch (the next version of record 1) while earlier ones wait: not projected before them.
      const updated = await market().ctx.records.ingest([penalty(1, { decisionDate: '2026-03-03' })]);
      expect(updated.map((r) => r.status)).to.deep.equal(['updated']);
      await market().ctx.sync.round({ up: true, down: false });
      expect(await cityRecords()).to.deep.equal([]);
      expect(await city().ctx.exchange.projectionPending()).to.equal(6);

      // The restarted city projects what waits, as the events came: record 1 at version 2 with its history.
      await city().stop();
      await start('city-jinan');
      for (let i = 0; i < 200 && (await city().ctx.exchange.projectionPending()) > 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(await city().ctx.exchange.projectionPending()).to.equal(0);
      const rows = await cityRecords();
      expect(rows.length).to.equal(5);
      const id1 = (await db(market())('records').where({ external_id: '济市监罚〔2026〕1号' }).first() as { id: string }).id;
      expect(rows.find((r) => r.id === id1)?.version).to.equal(2);
      expect((await db(city())('record_versions').where({ record_id: id1 })).length).to.equal(1);
      // The city holds what the market holds, row for row.
      const marketRows = (await db(market())('records').select('id', 'version').orderBy('id')) as Array<{ id: string; version: number }>;
      expect(rows.map((r) => [r.id, Number(r.version)])).to.deep.equal(marketRows.map((r) => [r.id, Number(r.version)]));
    });

    it('projects a small batch in its own transaction when nothing waits', async () => {
      await market().ctx.records.ingest([penalty(6)]);
      await market().ctx.sync.round({ up: true, down: false });
      // No waiting: the rows are there when the sender has its answer.
      expect((await cityRecords()).length).to.equal(6);
      expect(await city().ctx.exchange.projectionPending()).to.equal(0);
    });

    it('a batch above the inline size is projected right after it by the running node', async () => {
      await market().ctx.records.ingest([7, 8, 9].map((n) => penalty(n)));
      await market().ctx.sync.round({ up: true, down: false });
      await city().ctx.exchange.drainProjection();
      expect((await cityRecords()).length).to.equal(9);
      expect(await city().ctx.exchange.projectionPending()).to.equal(0);
    });
  });
}
