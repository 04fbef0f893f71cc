import { SYSTEM_PRINCIPAL } from '../../node/access/roles.ts';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { backends, tempNode, fixedClock, type TempNode } from '../helpers/node.ts';
import { penalty, personCode, companyCode, JINAN_MARKET } from '../helpers/records.ts';
import { migrateRollbackAll, migrateLatest } from '../../node/store/migrate.ts';
import { GENESIS_HASH } from '../../node/exchange/event-log.ts';

for (const backend of backends()) {
  describe(`store on ${backend}`, () => {
    let node: TempNode;
    const clock = fixedClock('2026-06-01T02:00:00Z');
    beforeEach(async () => { node = await tempNode({ backend, clock }); });
    afterEach(async () => { await node.cleanup(); });

    it('migrates down to nothing and up again', async () => {
      const db = node.ctx.store.knex;
      expect(await db.schema.hasTable('records')).to.equal(true);
      await migrateRollbackAll(node.ctx.store);
      for (const t of ['subjects', 'legal_persons', 'non_enterprises', 'natural_persons', 'records', 'record_versions', 'events', 'heads', 'users']) {
        expect(await db.schema.hasTable(t), t).to.equal(false);
      }
      await migrateLatest(node.ctx.store);
      expect(await db.schema.hasTable('events')).to.equal(true);
    });

    it('creates, updates with history, and reports unchanged', async () => {
      const { records } = node.ctx;
      const [created] = await records.ingest([penalty(1)]);
      expect(created?.status).to.equal('created');
      expect(created?.version).to.equal(1);
      const [same] = await records.ingest([penalty(1)]);
      expect(same?.status).to.equal('unchanged');
      expect(same?.id).to.equal(created?.id);
      const changed = penalty(1);
      (changed['data'] as Record<string, unknown>)['fineAmount'] = 3.5;
      clock.set('2026-06-02T02:00:00Z');
      const [updated] = await records.ingest([changed]);
      expect(updated?.status).to.equal('updated');
      expect(updated?.version).to.equal(2);
      const view = await records.get(String(created?.id), SYSTEM_PRINCIPAL);
      expect(view.version).to.equal(2);
      expect(view.history.map((h) => [h.version, h.op])).to.deep.equal([[1, 'create'], [2, 'update']]);
      expect(view.history[0]?.at).to.equal('2026-06-01T02:00:00.000Z');
      expect(view.history[1]?.at).to.equal('2026-06-02T02:00:00.000Z');
      // Each version's body stays readable from the event that produced it.
      const old = (await node.ctx.store.knex('record_versions').where({ record_id: created?.id, version: 1 }).first()) as { origin: string; seq: number | string };
      const ev = (await node.ctx.store.knex('events').where({ origin: old.origin, seq: old.seq }).first()) as { body: string };
      expect(JSON.parse(ev.body).version).to.equal(1);
      const count = (await node.ctx.store.knex('records').count({ n: '*' }).first()) as { n: number | string };
      expect(Number(count.n)).to.equal(1);
    });

    it('appends one event per change in the same transaction, as one unbroken chain', async () => {
      const { records, eventLog, store } = node.ctx;
      await records.ingest([penalty(1), penalty(2), penalty(3)]);
      const changed = penalty(2, { decisionDate: '2026-03-05' });
      await records.ingest([changed, penalty(1)]);
      const events = await eventLog.eventsOf(store.knex, 'test-node');
      expect(events.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4]);
      expect(events[0]?.prevHash).to.equal(GENESIS_HASH);
      for (let i = 1; i < events.length; i++) expect(events[i]?.prevHash).to.equal(events[i - 1]?.hash);
      expect(events[3]?.op).to.equal('update');
      const head = await eventLog.head(store.knex);
      expect(head?.seq).to.equal(4);
      expect(head?.hash).to.equal(events[3]?.hash);
      expect(head?.signature).to.be.a('string');
      expect((await eventLog.verify(store.knex)).ok).to.equal(true);
    });

    it('verify names an edited event', async () => {
      const { records, eventLog, store } = node.ctx;
      await records.ingest([penalty(1), penalty(2)]);
      const ev = (await store.knex('events').where({ seq: 1 }).first()) as { body: string };
      await store.knex('events').where({ seq: 1 }).update({ body: ev.body.replace('济南测试食品有限公司1', '济南篡改食品有限公司1') });
      const result = await eventLog.verify(store.knex);
      expect(result.ok).to.equal(false);
      expect(result.broken?.seq).to.equal(1);
    });

    it('verify names a deleted event', async () => {
      const { records, eventLog, store } = node.ctx;
      await records.ingest([penalty(1), penalty(2), penalty(3)]);
      await store.knex('events').where({ seq: 2 }).delete();
      const result = await eventLog.verify(store.knex);
      expect(result.ok).to.equal(false);
      expect(result.broken?.seq).to.equal(2);
    });

    it('writes nothing when a batch fails midway', async () => {
      const { records, store } = node.ctx;
      await records.ingest([penalty(1)]);
      const before = await store.knex('events').count({ n: '*' }).first();
      // Force a failure inside the transaction after records were written: a duplicate event seq.
      await store.knex('heads').update({ seq: 0 });
      let failed = false;
      try { await records.ingest([penalty(2)]); } catch { failed = true; }
      expect(failed).to.equal(true);
      expect(Number(((await store.knex('events').count({ n: '*' }).first()) as { n: number | string }).n)).to.equal(Number((before as { n: number | string }).n));
      const rows = (await store.knex('records').count({ n: '*' }).first()) as { n: number | string };
      expect(Number(rows.n)).to.equal(1);
    });

    it('keeps the three subject databases apart and never stores an ID number in the clear', async () => {
      const { records, store } = node.ctx;
      const id = personCode(7);
      const rep = personCode(8);
      const withRep = penalty(1);
      (withRep['data'] as Record<string, unknown>)['legalRepresentativeIdNumber'] = rep;
      const results = await records.ingest([
        withRep,
        penalty(2, { subject: { type: 'natural_person', code: id, name: '张三明' } }),
        penalty(3, { subject: { type: 'non_enterprise', code: '121200004013590816', name: '天津某事业单位' } }),
      ]);
      expect(results.map((r) => r.status)).to.deep.equal(['created', 'created', 'created']);
      const count = async (t: string) => Number(((await store.knex(t).count({ n: '*' }).first()) as { n: number | string }).n);
      expect(await count('legal_persons')).to.equal(1);
      expect(await count('natural_persons')).to.equal(1);
      expect(await count('non_enterprises')).to.equal(1);
      for (const table of ['subjects', 'natural_persons', 'records', 'record_versions', 'events']) {
        const dump = JSON.stringify(await store.knex(table).select('*'));
        expect(dump, table).not.to.include(id);
        expect(dump, table).not.to.include(rep);
      }
      if (backend === 'sqlite') {
        const file = (node.ctx.config.store as { file: string }).file;
        await store.knex.raw('PRAGMA wal_checkpoint(TRUNCATE)');
        expect(readFileSync(file).includes(Buffer.from(id))).to.equal(false);
        expect(readFileSync(file).includes(Buffer.from(rep))).to.equal(false);
      }
      const report = await import('../../node/query/subject-report.ts');
      const principal = { userId: 1, username: 'o', role: 'officer' as const, regions: [], sectors: [], sourceUnit: null };
      const deps = { records: node.ctx.records, vault: node.ctx.vault, nodeNames: async () => new Map<string, string>() };
      const r = await report.subjectReport(deps, id, principal, { purpose: '行政执法核查' });
      expect(r.subject.code).to.equal(`${id.slice(0, 6)}********${id.slice(14)}`);
      expect(r.records).to.have.length(1);
      expect(JSON.stringify(r)).not.to.include(id);
    });

    it('rejects a record whose declared subject type contradicts its code', async () => {
      const [r] = await node.ctx.records.ingest([penalty(1, { subject: { type: 'natural_person', code: companyCode(1), name: '某公司' } })]);
      expect(r?.status).to.equal('rejected');
      expect(r?.errors?.some((e) => e.path === 'subject.type')).to.equal(true);
    });

    it('treats the same record twice in one batch as create then update', async () => {
      const a = penalty(1);
      const b = penalty(1, { decisionDate: '2026-03-03' });
      const results = await node.ctx.records.ingest([a, b]);
      expect(results.map((r) => r.status)).to.deep.equal(['created', 'updated']);
      const row = (await node.ctx.store.knex('records').first()) as { id: string; version: number; decision_date: string; source_unit_code: string; seq: number | string };
      expect(row.version).to.equal(2);
      expect(Number(row.seq)).to.equal(2);
      const history = (await node.ctx.records.get(row.id, SYSTEM_PRINCIPAL)).history;
      expect(history.map((h) => h.version)).to.deep.equal([1, 2]);
      const v1 = (await node.ctx.store.knex('record_versions').where({ record_id: row.id }).first()) as { seq: number | string };
      expect(Number(v1.seq)).to.equal(1);
      expect(row.decision_date).to.equal('2026-03-03');
      expect(row.source_unit_code).to.equal(JINAN_MARKET.code);
    });
  });
}
