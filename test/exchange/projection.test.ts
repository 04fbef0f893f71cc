import { expect } from 'chai';
import type { Knex } from 'knex';
import { backends } from '../helpers/node.ts';
import { restartableFederation, type RestartableFederation } from '../helpers/in-process.ts';
import { penalty } from '../helpers/records.ts';
import type { RunningNode } from '../../node/app.ts';

// Received batches above `exchange.inlineProjectionEvents` are stored at log speed and projected into records by
// the projector afterwards, from a cursor kept in the store; small batches are projected in their own transaction
// when nothing waits. Here the city projects inline only batches of one event.
for (const backend of backends()) {
  describe(`received events are projected after them on ${backend}`, function () {
    this.timeout(60_000);
    let fed: RestartableFederation;
    const city = () => fed.node('city-jinan');
    const market = () => fed.node('jinan-market');
    const db = (n: RunningNode): Knex => n.ctx.store.knex;
    const cityRecords = async () => (await db(city())('records').where({ origin: 'jinan-market' }).select('id', 'version').orderBy('id')) as Array<{ id: string; version: number }>;

    before(async () => {
      fed = await restartableFederation(backend, 'credit-node-projection-', (cfg, spec) => {
        if (spec.id === 'city-jinan') cfg['exchange'] = { inlineProjectionEvents: 1 };
      });
    });
    after(async () => { await fed?.close(); });

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
      await fed.start('city-jinan');
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
