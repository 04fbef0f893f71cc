import { SYSTEM_PRINCIPAL } from '../../node/access/roles.ts';
import { expect } from 'chai';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { backends, tempNode, fixedClock, type TempNode } from '../helpers/node.ts';
import { penalty, personCode, QINGDAO_MARKET } from '../helpers/records.ts';
import { canonicalize } from '../../node/exchange/canonical-json.ts';
import type { StoredEvent } from '../../node/exchange/event-log.ts';
import type { CreditNodeError } from '../../node/errors.ts';
import { applyRecordEvents, type RemoteRecordEvent } from '../../node/records/remote.ts';

const count = async (db: Knex, table: string) => Number(((await db(table).count({ n: '*' }).first()) as { n: number | string }).n);

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

for (const backend of backends()) {
  describe(`records received from other nodes on ${backend}`, () => {
    let city: TempNode;
    let province: TempNode;
    const clock = fixedClock('2026-06-01T02:00:00Z');
    beforeEach(async () => {
      city = await tempNode({ backend, id: 'city-a', clock });
      province = await tempNode({ backend, id: 'province-b', clock: fixedClock('2026-07-01T00:00:00Z') });
    });
    afterEach(async () => {
      await city.cleanup();
      await province.cleanup();
    });

    const eventsOf = (node: TempNode, after = 0) => node.ctx.eventLog.eventsOf(node.ctx.store.knex, node.ctx.config.id, after);

    /**
     * What the exchange does on receipt: stores the events it does not hold yet (raw rows here, the exchange
     * is not under test) and projects them in the same transaction.
     */
    async function receive(events: StoredEvent[], apply?: (trx: Knex.Transaction, events: RemoteRecordEvent[]) => Promise<unknown>) {
      return province.ctx.store.knex.transaction(async (trx) => {
        for (const e of events) {
          if (await trx('events').where({ origin: e.origin, seq: e.seq }).first()) continue;
          await trx('events').insert({ origin: e.origin, seq: e.seq, kind: e.kind, entity_id: e.entityId, op: e.op, body: canonicalize(e.body), at: e.at, prev_hash: e.prevHash, hash: e.hash, stored_at: e.at });
        }
        return apply ? apply(trx, events) : province.ctx.records.applyRemote(trx, events);
      });
    }

    it('creates the records and the subjects of all three types', async () => {
      const person = personCode(7);
      const ingested = await city.ctx.records.ingest([
        penalty(1),
        penalty(2, { subject: { type: 'natural_person', code: person, name: '张三明' } }),
        penalty(3, { subject: { type: 'non_enterprise', code: '121200004013590816', name: '天津某事业单位' } }),
      ]);
      const events = await eventsOf(city);
      const bodies = events.map((e) => e.body as { subject: Record<string, string> });
      expect(bodies.map((b) => b.subject['region'])).to.deep.equal(['370102', '370102', '120000']);

      expect(await receive(events)).to.deep.equal({ applied: 3, skipped: 0, conflicts: 0 });
      const db = province.ctx.store.knex;
      expect(await count(db, 'records')).to.equal(3);
      expect(await count(db, 'legal_persons')).to.equal(1);
      expect(await count(db, 'non_enterprises')).to.equal(1);
      expect(await count(db, 'natural_persons')).to.equal(1);
      const rows = (await db('records').orderBy('seq')) as Array<{ id: string; origin: string; seq: number | string; version: number; created_at: string; body_hash: string }>;
      expect(rows.map((r) => [r.id, r.origin, Number(r.seq), r.version])).to.deep.equal(ingested.map((r, i) => [r.id, 'city-a', i + 1, 1]));
      expect(rows[0]?.created_at).to.equal('2026-06-01T02:00:00.000Z');

      // The natural person is known by the origin's keyed hash, with the masked number only.
      const codeHash = bodies[1]?.subject['codeHash'] as string;
      const np = (await db('natural_persons').first()) as { id_hash: string; id_masked: string; region: string };
      expect(np.id_hash).to.equal(codeHash);
      expect(np.id_masked).to.equal(`${person.slice(0, 6)}********${person.slice(14)}`);
      expect(np.region).to.equal('370102');
      expect(JSON.stringify(await db('subjects').select('*'))).not.to.include(person);
      const report = await province.ctx.records.subjectWithRecords(codeHash, SYSTEM_PRINCIPAL);
      expect(report?.subject.code).to.equal(np.id_masked);
      expect(report?.records.map((r) => r.id)).to.deep.equal([ingested[1]?.id]);

      const view = await province.ctx.records.get(String(ingested[0]?.id), SYSTEM_PRINCIPAL);
      expect(view.origin).to.equal('city-a');
      expect(view.subject.name).to.equal('济南测试食品有限公司1');
    });

    it('changes nothing when the same events are applied again', async () => {
      await city.ctx.records.ingest([penalty(1), penalty(2)]);
      const events = await eventsOf(city);
      await receive(events);
      const db = province.ctx.store.knex;
      const before = await db('records').orderBy('id');
      expect(await receive(events)).to.deep.equal({ applied: 0, skipped: 2, conflicts: 0 });
      expect(await db('records').orderBy('id')).to.deep.equal(before);
      expect(await count(db, 'record_versions')).to.equal(0);
      expect(await count(db, 'subjects')).to.equal(2);
    });

    it('supersedes with newer versions and keeps the history, across calls and within one', async () => {
      const [first] = await city.ctx.records.ingest([penalty(1)]);
      clock.set('2026-06-02T02:00:00Z');
      const renamed = penalty(1, { subject: { type: 'legal_person', code: (penalty(1)['subject'] as { code: string }).code, name: '济南新名食品有限公司1' } });
      const [second] = await city.ctx.records.ingest([renamed, penalty(2), penalty(2, { decisionDate: '2026-03-05' })]);
      expect(second?.version).to.equal(2);
      const events = await eventsOf(city);
      expect(await receive(events.slice(0, 1))).to.deep.equal({ applied: 1, skipped: 0, conflicts: 0 });
      expect(await receive(events.slice(1))).to.deep.equal({ applied: 3, skipped: 0, conflicts: 0 });

      const view = await province.ctx.records.get(String(first?.id), SYSTEM_PRINCIPAL);
      expect(view.version).to.equal(2);
      expect(view.subject.name).to.equal('济南新名食品有限公司1');
      expect(view.createdAt).to.equal('2026-06-01T02:00:00.000Z');
      expect(view.updatedAt).to.equal('2026-06-02T02:00:00.000Z');
      expect(view.history.map((h) => [h.version, h.op, h.origin, h.at])).to.deep.equal([
        [1, 'create', 'city-a', '2026-06-01T02:00:00.000Z'],
        [2, 'update', 'city-a', '2026-06-02T02:00:00.000Z'],
      ]);
      const db = province.ctx.store.knex;
      const subject = (await db('subjects').where({ key: (renamed['subject'] as { code: string }).code }).first()) as { name: string; id: number };
      expect(subject.name).to.equal('济南新名食品有限公司1');
      expect(((await db('legal_persons').where({ subject_id: subject.id }).first()) as { name: string }).name).to.equal('济南新名食品有限公司1');
      // The record created and updated within one call: its first version points at its own event.
      const versions = (await db('record_versions').orderBy('seq')) as Array<{ version: number; seq: number | string; origin: string }>;
      expect(versions.map((v) => [v.version, Number(v.seq), v.origin])).to.deep.equal([[1, 1, 'city-a'], [1, 3, 'city-a']]);
      const p2 = (await db('records').where({ external_id: penalty(2)['externalId'] }).first()) as { version: number; seq: number | string; decision_date: string };
      expect([p2.version, Number(p2.seq), p2.decision_date]).to.deep.equal([2, 4, '2026-03-05']);
    });

    it('skips an older version that arrives after a newer one', async () => {
      const [first] = await city.ctx.records.ingest([penalty(1)]);
      await city.ctx.records.ingest([penalty(1, { decisionDate: '2026-03-05' })]);
      const events = await eventsOf(city);
      expect(await receive(events.slice(1))).to.deep.equal({ applied: 1, skipped: 0, conflicts: 0 });
      expect(await receive(events.slice(0, 1))).to.deep.equal({ applied: 0, skipped: 1, conflicts: 0 });
      const view = await province.ctx.records.get(String(first?.id), SYSTEM_PRINCIPAL);
      expect([view.version, view.decisionDate]).to.deep.equal([2, '2026-03-05']);
      expect(view.history.map((h) => h.version)).to.deep.equal([2]);
    });

    it('counts a record key held by another record as a conflict, warns naming both, and goes on', async () => {
      const [local] = await province.ctx.records.ingest([penalty(1)]);
      const [remote] = await city.ctx.records.ingest([penalty(1), penalty(2)]);
      const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
      const log = { warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }) } as unknown as Logger;
      const result = await receive(await eventsOf(city), (trx, events) => applyRecordEvents(trx, events, (c) => c, log));
      expect(result).to.deep.equal({ applied: 1, skipped: 0, conflicts: 1 });
      expect(warnings).to.have.length(1);
      expect(warnings[0]?.message).to.include(String(local?.id)).and.to.include(String(remote?.id));
      const kept = await province.ctx.records.get(String(local?.id), SYSTEM_PRINCIPAL);
      expect(kept.origin).to.equal('province-b');
      expect(await count(province.ctx.store.knex, 'records')).to.equal(2);
      // Again through the service: still no throw, the conflict counted again.
      const events = await eventsOf(city);
      const again = await province.ctx.store.knex.transaction((trx) => province.ctx.records.applyRemote(trx, events));
      expect(again).to.deep.equal({ applied: 0, skipped: 1, conflicts: 1 });
    });

    it('does not let another origin supersede a record', async () => {
      await city.ctx.records.ingest([penalty(1)]);
      const [event] = await eventsOf(city);
      await receive([event as StoredEvent]);
      const body = { ...(event?.body as Record<string, unknown>), version: 2 };
      const forged = { origin: 'city-x', seq: 1, entityId: String(event?.entityId), op: 'update', body, at: '2026-06-03T00:00:00.000Z' };
      const result = await province.ctx.store.knex.transaction((trx) => province.ctx.records.applyRemote(trx, [forged]));
      expect(result).to.deep.equal({ applied: 0, skipped: 0, conflicts: 1 });
      expect((await province.ctx.records.get(String(event?.entityId), SYSTEM_PRINCIPAL)).version).to.equal(1);
    });

    it('refuses a local write to a record received from another origin: only the origin corrects it', async () => {
      await city.ctx.records.ingest([penalty(1)]);
      const [event] = await eventsOf(city);
      await receive([event as StoredEvent]);
      const [result] = await province.ctx.records.ingest([penalty(1, { decisionDate: '2026-03-09' })]);
      expect(result?.status).to.equal('rejected');
      expect(result?.errors?.[0]).to.include({ path: 'externalId', code: 'NOT_ORIGIN' });
      expect(result?.errors?.[0]?.message).to.contain('city-a');
      const view = await province.ctx.records.get(String(event?.entityId), SYSTEM_PRINCIPAL);
      expect([view.version, view.origin, view.decisionDate]).to.deep.equal([1, 'city-a', penalty(1).decisionDate]);
    });

    it('refuses a body that is not a record body, naming origin, seq and field, and writes nothing', async () => {
      await city.ctx.records.ingest([penalty(1), penalty(2, { subject: { type: 'natural_person', code: personCode(3), name: '李四' } })]);
      const events = await eventsOf(city);
      const apply = (mutate: (body: Record<string, unknown>) => void) => {
        const bad = events.map((e) => ({ ...e, body: structuredClone(e.body) }));
        mutate((bad[1] as { body: Record<string, unknown> }).body);
        return rejection(province.ctx.store.knex.transaction((trx) => province.ctx.records.applyRemote(trx, bad)));
      };
      const noExternalId = await apply((b) => { delete b['externalId']; });
      expect(noExternalId.message).to.include('city-a').and.to.include('externalId');
      expect((noExternalId as CreditNodeError).details).to.deep.equal({ origin: 'city-a', seq: 2, path: 'externalId' });
      const noHash = await apply((b) => { delete (b['subject'] as Record<string, unknown>)['codeHash']; });
      expect(noHash.message).to.include('subject.codeHash');
      const badVersion = await apply((b) => { b['version'] = '2'; });
      expect(badVersion.message).to.include('version');
      expect(await count(province.ctx.store.knex, 'records')).to.equal(0);
      expect(await count(province.ctx.store.knex, 'subjects')).to.equal(0);
    });

    it('projects a large batch of several origins in one call', async () => {
      const other = await tempNode({ backend, id: 'city-c', clock });
      try {
        await city.ctx.records.ingest(Array.from({ length: 300 }, (_, i) => penalty(i + 1)));
        await other.ctx.records.ingest(Array.from({ length: 200 }, (_, i) => penalty(i + 1, { sourceUnit: QINGDAO_MARKET, externalId: `青市监罚〔2026〕${i + 1}号` })));
        const a = await eventsOf(city);
        const c = await eventsOf(other);
        const mixed: StoredEvent[] = [];
        for (let i = 0; i < Math.max(a.length, c.length); i++) {
          if (a[i]) mixed.push(a[i] as StoredEvent);
          if (c[i]) mixed.push(c[i] as StoredEvent);
        }
        expect(await receive(mixed)).to.deep.equal({ applied: 500, skipped: 0, conflicts: 0 });
        const db = province.ctx.store.knex;
        expect(await count(db, 'records')).to.equal(500);
        // Both origins' records about the same companies share their subjects.
        expect(await count(db, 'subjects')).to.equal(300);
        expect(await count(db, 'legal_persons')).to.equal(300);
      } finally {
        await other.cleanup();
      }
    });
  });
}
