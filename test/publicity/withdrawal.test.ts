import { expect } from 'chai';
import type { Knex } from 'knex';
import { pino } from 'pino';
import type { Principal } from '../../node/access/roles.ts';
import { canonicalize } from '../../node/exchange/canonical-json.ts';
import type { StoredEvent } from '../../node/exchange/event-log.ts';
import { chinaDay, isPubliclyVisible, publicRecordCondition } from '../../node/publicity/visibility.ts';
import { startWithdrawalSchedule, withdrawExpired } from '../../node/publicity/withdrawal.ts';
import { judgeUnjudged } from '../../node/publicity/backfill.ts';
import { selectRows } from '../../node/store/read.ts';
import { backends, fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { companyCode, exampleData, penalty } from '../helpers/records.ts';

/** A Jinan officer reading market records: sees shared and public records of the region. */
const OFFICER: Principal = { userId: 7, username: 'officer', role: 'officer', regions: ['3701'], sectors: ['market'], sourceUnit: null };

interface Row { id: string; publicity: string; status: string; publish_from: string | null; publish_until: string | null; publicity_rule: string | null; withdrawn_at: string | null; version: number }

const rowOf = async (db: Knex, id: string) => (await db('records').where({ id }).first()) as Row;

/** Ids the public may see on `today`, by the SQL condition public pages use. */
async function publicIds(db: Knex, today: string): Promise<string[]> {
  const c = publicRecordCondition('r', today);
  return (await selectRows<{ id: string }>(db, `select r."id" from "records" r where ${c.sql} order by r."id"`, c.bindings)).map((r) => r.id);
}

function licence(n: number, validUntil: string): Record<string, unknown> {
  return {
    category: 'administrative_license',
    externalId: `济历审批许〔2025〕${n}号`,
    subject: { type: 'legal_person', code: companyCode(n), name: `济南测试餐饮有限公司${n}` },
    sourceUnit: { code: '11370102004300318A', name: '济南市历下区行政审批服务局' },
    decisionDate: '2025-12-01',
    data: { ...exampleData('administrative_license'), validFrom: '2025-12-01', validUntil },
  };
}

for (const backend of backends()) {
  describe(`publicity windows and withdrawal on ${backend}`, () => {
    const clock = fixedClock('2026-05-12T02:00:00Z');
    const log = pino({ level: 'silent' });
    let city: TempNode;
    let province: TempNode;
    beforeEach(async () => {
      clock.set('2026-05-12T02:00:00Z');
      city = await tempNode({ backend, id: 'city-a', region: '370100', role: 'city', clock });
      province = await tempNode({ backend, id: 'province-b', clock: fixedClock('2026-05-13T00:00:00Z') });
    });
    afterEach(async () => {
      await city.cleanup();
      await province.cleanup();
    });

    it('stores the window at ingest; the record leaves public view the day after it, and the job marks it while officers still read it', async () => {
      const db = city.ctx.store.knex;
      // A general penalty whose source asks for publicity until 2027-03-02 (inside 3 months .. 1 year), a licence
      // valid until the end of 2026, and a market warning-only penalty.
      const [fine, lic, warning] = await city.ctx.records.ingest([
        penalty(1, { decisionDate: '2026-05-10' }),
        licence(2, '2026-12-31'),
        penalty(3, { decisionDate: '2026-05-10', data: { ...exampleData('administrative_penalty'), penaltyTypes: ['警告'] } }),
      ]);
      const fineId = String(fine?.id);
      const licId = String(lic?.id);
      expect(await rowOf(db, fineId)).to.include({ publicity: 'public', publish_from: '2026-05-10', publish_until: '2027-03-02', publicity_rule: '2026-04', withdrawn_at: null });
      expect(await rowOf(db, licId)).to.include({ publicity: 'public', publish_from: '2025-12-01', publish_until: '2026-12-31', publicity_rule: '2019' });
      expect(await rowOf(db, String(warning?.id))).to.include({ publicity: 'shared', publish_from: null, publish_until: null, publicity_rule: '2026-04' });
      // The decision travels in the stored body.
      const body = (await city.ctx.eventLog.eventsOf(db, 'city-a', 0))[0]?.body as Record<string, unknown>;
      expect(body).to.include({ publicity: 'public', publishFrom: '2026-05-10', publishUntil: '2027-03-02', publicityRule: '2026-04' });

      expect(await publicIds(db, chinaDay(clock()))).to.deep.equal([fineId, licId].sort());

      // 2027-03-02 23:59:59 in China: still the window's last day.
      clock.set('2027-03-02T15:59:59Z');
      expect(await publicIds(db, chinaDay(clock()))).to.deep.equal([fineId]);
      expect(isPubliclyVisible(await rowOf(db, fineId), chinaDay(clock()))).to.equal(true);
      // Midnight in China: the day after the window. The public no longer sees it, before any job has run.
      clock.set('2027-03-02T16:00:00Z');
      expect(chinaDay(clock())).to.equal('2027-03-03');
      expect(await publicIds(db, chinaDay(clock()))).to.deep.equal([]);
      expect(isPubliclyVisible(await rowOf(db, fineId), '2027-03-03')).to.equal(false);
      expect((await rowOf(db, fineId)).withdrawn_at).to.equal(null);

      // The job, in batches of one, one batch per run: the licence (ended first), then the penalty, then nothing.
      const deps = { db, clock, log };
      expect(await withdrawExpired(deps, { batchSize: 1, maxBatches: 1 })).to.deep.equal({ today: '2027-03-03', withdrawn: 1, batches: 1, more: true });
      expect((await rowOf(db, licId)).withdrawn_at).to.equal('2027-03-02T16:00:00.000Z');
      expect((await rowOf(db, fineId)).withdrawn_at).to.equal(null);
      expect(await withdrawExpired(deps, { batchSize: 1 })).to.deep.equal({ today: '2027-03-03', withdrawn: 1, batches: 1, more: false });
      expect(await withdrawExpired(deps)).to.deep.equal({ today: '2027-03-03', withdrawn: 0, batches: 0, more: false });

      // Officers still read the record, standing, with its window and when it left public view.
      const seen = await city.ctx.records.get(fineId, OFFICER);
      expect(seen).to.include({ status: 'active', publicity: 'public', publishFrom: '2026-05-10', publishUntil: '2027-03-02', publicityRule: '2026-04', withdrawnAt: '2027-03-02T16:00:00.000Z' });

      // A new version (now serious: a year at least) is judged afresh: public again, the mark cleared.
      const [again] = await city.ctx.records.ingest([penalty(1, { decisionDate: '2026-05-10', severity: 'serious' })]);
      expect(again).to.include({ status: 'updated', version: 2 });
      expect(await rowOf(db, fineId)).to.include({ publish_until: '2027-05-10', withdrawn_at: null, version: 2 });
      expect(await publicIds(db, chinaDay(clock()))).to.deep.equal([fineId]);
    });

    it('a record received from another node carries the same window; an older body without one is judged by the receiver', async () => {
      await city.ctx.records.ingest([
        penalty(1, { decisionDate: '2026-05-10' }),
        licence(2, '2099-12-31'),
        penalty(3, { decisionDate: '2026-05-10', data: { ...exampleData('administrative_penalty'), penaltyTypes: ['警告'] } }),
      ]);
      const events = await city.ctx.eventLog.eventsOf(city.ctx.store.knex, 'city-a', 0);
      const db = province.ctx.store.knex;
      await receive(province, events);
      const cols = ['id', 'publicity', 'publish_from', 'publish_until', 'publicity_rule'];
      const mine = await city.ctx.store.knex('records').select(cols).orderBy('id');
      expect(await db('records').select(cols).orderBy('id')).to.deep.equal(mine);
      expect(mine.map((r: Row) => [r.publicity, r.publish_until])).to.deep.equal([['public', '2027-03-02'], ['public', null], ['shared', null]]);

      // A body from before publicity travelled: no window, and the category's level as it was then.
      const old = events.map((e) => {
        const b: Record<string, unknown> = { ...(e.body as Record<string, unknown>), publicity: 'public' };
        delete b['publishFrom'];
        delete b['publishUntil'];
        delete b['publicityRule'];
        return { ...e, body: b };
      });
      const third = await tempNode({ backend, id: 'national-c', role: 'national', clock: fixedClock('2026-05-13T00:00:00Z') });
      try {
        await receive(third, old);
        expect(await third.ctx.store.knex('records').select(cols).orderBy('id')).to.deep.equal(mine);
      } finally {
        await third.cleanup();
      }
    });

    it('the job leaves alone records that are not public, not standing, within their window or without an end', async () => {
      const db = city.ctx.store.knex;
      const results = await city.ctx.records.ingest([
        penalty(1, { decisionDate: '2026-05-10', severity: 'minor' }),
        licence(2, '2099-12-31'),
        licence(3, '2026-05-11'),
        licence(4, '2026-05-12'),
      ]);
      const ids = results.map((r) => String(r.id));
      await db('records').where({ id: ids[2] }).update({ status: 'revoked' });
      expect(await withdrawExpired({ db, clock, log })).to.deep.equal({ today: '2026-05-12', withdrawn: 0, batches: 0, more: false });
      clock.set('2026-05-12T16:00:00Z');
      expect(await withdrawExpired({ db, clock, log })).to.deep.equal({ today: '2026-05-13', withdrawn: 1, batches: 1, more: false });
      const marked = (await db('records').whereNotNull('withdrawn_at').select('id')) as Array<{ id: string }>;
      expect(marked.map((r) => r.id)).to.deep.equal([ids[3]]);
    });

    it('judges records stored before the rules once, then withdraws on schedule', async () => {
      const db = city.ctx.store.knex;
      await city.ctx.records.ingest([
        penalty(1, { decisionDate: '2026-05-10' }),
        penalty(2, { decisionDate: '2026-05-10', data: { ...exampleData('administrative_penalty'), penaltyTypes: ['警告'] } }),
        licence(3, '2026-05-11'),
      ]);
      const cols = ['id', 'publicity', 'publish_from', 'publish_until', 'publicity_rule'];
      const judged = await db('records').select(cols).orderBy('id');
      // As the rows were before this feature: the category's level, no window, no rule.
      await db('records').update({ publicity: 'public', publish_from: null, publish_until: null, publicity_rule: null });
      expect(await publicIds(db, '2026-05-12')).to.have.length(3);
      const schedule = startWithdrawalSchedule({ db, clock, log, registry: city.ctx.registry }, '0 30 0 * * *', { startDelayMs: 60_000, batchSize: 2 });
      try {
        expect(await schedule.run()).to.deep.equal({ today: '2026-05-12', withdrawn: 1, batches: 1, more: false });
        expect(await db('records').select(cols).orderBy('id')).to.deep.equal(judged);
        expect(await judgeUnjudged({ db, registry: city.ctx.registry, log })).to.equal(0);
      } finally {
        await schedule.stop();
      }
      expect(await schedule.run()).to.equal(undefined);
    });
  });
}

/** What the exchange does on receipt: stores the events (raw rows; the exchange is not under test) and projects them. */
async function receive(node: TempNode, events: StoredEvent[]): Promise<void> {
  await node.ctx.store.knex.transaction(async (trx) => {
    for (const e of events) {
      await trx('events').insert({ origin: e.origin, seq: e.seq, kind: e.kind, entity_id: e.entityId, op: e.op, body: canonicalize(e.body), at: e.at, prev_hash: e.prevHash, hash: e.hash, stored_at: e.at });
    }
    const result = await node.ctx.records.applyRemote(trx, events);
    expect(result).to.deep.equal({ applied: events.length, skipped: 0, conflicts: 0 });
  });
}
