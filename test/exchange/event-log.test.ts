import { expect } from 'chai';
import type { Knex } from 'knex';
import { backends, tempNode, type TempNode } from '../helpers/node.ts';
import { companyCode } from '../helpers/records.ts';
import { CHECKPOINT_EVERY, eventLines, type DownFilter, type EventInput, type RawEvent, type ReceivedEvent } from '../../node/exchange/event-log.ts';
import { verifyCompact } from '../../node/exchange/jws.ts';
import { parseUpLines, runLines, upBatchLines, verifyRun, type OriginRun } from '../../node/exchange/batch.ts';

const LISTS = ['serious_dishonesty_list', 'honor'];

/** A record event body routed by its subject's USCC (registration division) and its category. */
const recordInput = (n: number, region = '370102', category = 'administrative_penalty'): EventInput => ({
  kind: 'record', entityId: `r-${region}-${n}`, op: 'create',
  body: { category, externalId: `第${n}号`, subject: { type: 'legal_person', code: companyCode(n, region), name: `测试企业${n}` } },
});
const ticketInput = (n: number, to: string): EventInput => ({ kind: 'ticket', entityId: `t-${n}`, op: 'open', body: { type: 'objection', to, region: '370102' } });
const directoryInput = (id: string): EventInput => ({ kind: 'directory', entityId: id, op: 'enroll', body: { id, parent: 'sd-hub' } });

const append = (node: TempNode, inputs: EventInput[]) => node.ctx.store.knex.transaction((trx) => node.ctx.eventLog.append(trx, inputs));
const db = (node: TempNode): Knex => node.ctx.store.knex;

/** Stored events of one origin as a receiver gets them (body as the hashed text). */
function received(raw: RawEvent[]): ReceivedEvent[] {
  return raw.map(({ pos: _pos, bodyText, ...e }) => ({ ...e, body: JSON.parse(bodyText) as unknown, bodyText }));
}

const none: DownFilter = { excludeOrigins: [], directory: false, ticketTargets: [], allRecords: false, regionPrefix: null, categories: [], origins: [] };

for (const backend of backends()) {
  // One world per backend, built up test by test (the hub stores the city's chain, then appends its own
  // events, which the selection tests read): cheaper than a pair of fresh stores per test.
  describe(`event log on ${backend}`, function () {
    this.timeout(60_000);
    let city: TempNode;
    let hub: TempNode;
    before(async () => {
      [city, hub] = await Promise.all([
        tempNode({ backend, id: 'city-jinan', role: 'city', region: '370100' }),
        tempNode({ backend, id: 'sd-hub', role: 'province', region: '370000' }),
      ]);
      // 600 events in one append, then one more: checkpoints at 256, 512, 600 (end of append) and 601.
      await append(city, Array.from({ length: 600 }, (_, i) => recordInput(i + 1)));
      await append(city, [recordInput(601)]);
    });
    after(async () => {
      await Promise.all([city?.cleanup(), hub?.cleanup()]);
    });

    it('signs a checkpoint every 256 events and at the end of each append, and the head with the last', async () => {
      const rows = (await db(city)('signed_heads').where({ origin: 'city-jinan' }).orderBy('seq')) as Array<{ seq: number | string; hash: string; at: string; signature: string }>;
      expect(rows.map((r) => Number(r.seq))).to.deep.equal([CHECKPOINT_EVERY, 2 * CHECKPOINT_EVERY, 600, 601]);
      const hashes = await city.ctx.eventLog.hashesOf(db(city), 'city-jinan', 1, 601);
      for (const r of rows) {
        const payload = verifyCompact(r.signature, city.ctx.keys.publicKey);
        expect(payload).to.deep.equal({ origin: 'city-jinan', seq: Number(r.seq), hash: r.hash, at: r.at });
        expect(hashes.get(Number(r.seq))).to.equal(r.hash);
      }
      const head = await city.ctx.eventLog.head(db(city));
      expect(head).to.deep.include({ seq: 601, hash: hashes.get(601), signature: rows.at(-1)?.signature });
    });

    it('eventLinesOf: the store spells a run\'s lines as eventLines does, every body the stored bytes, even with awkward header strings', async () => {
      const market = await tempNode({ backend, id: 'jinan-market', role: 'industry', region: '370100', sector: 'market' });
      try {
        const odd = ['引号"与\\反斜杠', 'tab\there', 'line\nbreak', '\u0001ctl', 'ok'];
        await append(market, odd.map((id, i) => ({ kind: 'record', entityId: id, op: i % 2 ? 'update' : 'create', body: { n: i, text: `行政处罚${id}`, emoji: '😀' } })));
        const store = db(market);
        const log = market.ctx.eventLog;
        const { count, lines } = await log.eventLinesOf(store, 'jinan-market', 1, 5);
        expect(count).to.equal(4);
        const raw = await log.rawEventsOf(store, 'jinan-market', 1, 5);
        const heads = await log.checkpoints(store, 'jinan-market', 0, 5);
        const fromStore = parseUpLines(Buffer.concat(upBatchLines('jinan-market', 'city-jinan', [runLines('jinan-market', count, [lines], heads)])), 10).origins[0] as OriginRun;
        const inJs = parseUpLines(Buffer.concat(upBatchLines('jinan-market', 'city-jinan', [runLines('jinan-market', count, raw.flatMap((e) => eventLines(e)), heads)])), 10).origins[0] as OriginRun;
        expect(fromStore.events.map((e) => ({ ...e, bodyBytes: e.bodyBytes?.toString('utf8') }))).to.deep.equal(inJs.events.map((e) => ({ ...e, bodyBytes: e.bodyBytes?.toString('utf8') })));
        expect(fromStore.events.map((e) => e.bodyBytes?.toString('utf8'))).to.deep.equal(raw.map((e) => e.bodyText));
        expect(fromStore.events.map((e) => e.entityId)).to.deep.equal(odd.slice(1));
        // Verified as a receiver does, from the stored event before the run.
        const before = (await log.rawEventsOf(store, 'jinan-market', 0, 1))[0] as RawEvent;
        const run = verifyRun(fromStore, { seq: 1, hash: before.hash }, new Map(), market.ctx.keys.publicKey);
        expect(run.fresh.map((e) => e.hash)).to.deep.equal(raw.map((e) => e.hash));
        expect(await log.eventLinesOf(store, 'jinan-market', 5, 10)).to.deep.equal({ count: 0, lines: Buffer.alloc(0) });
      } finally {
        await market.cleanup();
      }
    });

    it('batchEnd picks the last checkpoint within the budget, or the first one beyond', async () => {
      const end = (after: number, budget: number, upto = 601) => city.ctx.eventLog.batchEnd(db(city), 'city-jinan', after, budget, upto);
      expect(await end(0, 300)).to.equal(256);
      expect(await end(0, 600)).to.equal(600);
      expect(await end(0, 2000)).to.equal(601);
      expect(await end(0, 2000, 599)).to.equal(512);
      expect(await end(0, 10)).to.equal(256);
      expect(await end(256, 10)).to.equal(512);
      expect(await end(256, 400)).to.equal(601);
      expect(await end(512, 88)).to.equal(600);
      expect(await end(600, 1)).to.equal(601);
      expect(await end(0, 0)).to.equal(256);
      expect(await end(601, 100)).to.equal(undefined);
      expect(await end(512, 100, 599)).to.equal(undefined);
      expect(await city.ctx.eventLog.batchEnd(db(city), 'nobody', 0, 100, 100)).to.equal(undefined);
    });

    it('storeChain continues another origin\'s chain with its checkpoints and moves its head; verify checks the signatures', async () => {
      const log = city.ctx.eventLog;
      const runOf = async (after: number, upto: number) => ({ events: received(await log.rawEventsOf(db(city), 'city-jinan', after, upto)), checkpoints: await log.checkpoints(db(city), 'city-jinan', after, upto) });
      const first = await runOf(0, 256);
      const second = await runOf(256, 512);
      let changes = 0;
      const off = hub.ctx.eventLog.onChange(() => { changes += 1; });
      await db(hub).transaction((trx) => hub.ctx.eventLog.storeChain(trx, 'city-jinan', first.events, first.checkpoints, '2026-06-01T00:00:00.000Z'));
      await db(hub).transaction((trx) => hub.ctx.eventLog.storeChain(trx, 'city-jinan', second.events, second.checkpoints, '2026-06-01T00:00:00.000Z'));
      off();
      expect(changes).to.equal(2);
      const mine = await log.checkpoints(db(city), 'city-jinan', 0, 512);
      expect(await hub.ctx.eventLog.checkpoints(db(hub), 'city-jinan', 0, 10_000)).to.deep.equal(mine);
      expect(await hub.ctx.eventLog.head(db(hub), 'city-jinan')).to.deep.equal({ origin: 'city-jinan', seq: 512, hash: mine[1]?.hash, at: mine[1]?.at, signature: mine[1]?.signature });
      expect([...(await hub.ctx.eventLog.hashesOf(db(hub), 'city-jinan', 1, 512)).values()]).to.deep.equal([...(await log.hashesOf(db(city), 'city-jinan', 1, 512)).values()]);
      const keyOf = async (o: string) => (o === 'city-jinan' ? city.ctx.keys.publicKey : undefined);
      expect(await hub.ctx.eventLog.verify(db(hub), keyOf)).to.deep.equal({ ok: true, origins: { 'city-jinan': 512 }, partial: {} });
    });

    it('storeSelection stores only events it lacks and reports another hash at a known seq; verify checks such origins event by event', async () => {
      await append(hub, [directoryInput('city-jinan'), recordInput(1, '370202'), recordInput(2, '370102', 'honor'), ticketInput(1, 'jinan-market')]);
      const hubEvents = received(await hub.ctx.eventLog.rawEventsOf(db(hub), 'sd-hub', 0, 10));
      const [h1, h2, h3] = hubEvents as [ReceivedEvent, ReceivedEvent, ReceivedEvent];
      const store = (events: ReceivedEvent[]) => db(city).transaction((trx) => city.ctx.eventLog.storeSelection(trx, events, '2026-06-01T00:00:00.000Z'));
      const a = await store([h1, h3]);
      expect(a.fresh.map((e) => e.seq)).to.deep.equal([1, 3]);
      const b = await store([h1, h2, h3]);
      expect(b.fresh.map((e) => e.seq)).to.deep.equal([2]);
      expect(b.conflicts).to.have.length(0);
      const forked = { ...h2, hash: 'e'.repeat(64) };
      const c = await store([forked]);
      expect(c.fresh).to.have.length(0);
      expect(c.conflicts.map((e) => e.seq)).to.deep.equal([2]);
      // No head moves: the hub's events here are a selection, not its chain.
      expect(await city.ctx.eventLog.head(db(city), 'sd-hub')).to.equal(undefined);
      const report = await city.ctx.eventLog.verify(db(city));
      expect(report).to.deep.equal({ ok: true, origins: { 'city-jinan': 601 }, partial: { 'sd-hub': 3 } });

      await db(city)('events').where({ origin: 'sd-hub', seq: 2 }).update({ body: JSON.stringify({ ...(h2.body as object), category: 'honor' }) });
      const broken = await city.ctx.eventLog.verify(db(city));
      expect(broken.ok).to.equal(false);
      expect(broken.broken).to.deep.include({ origin: 'sd-hub', seq: 2 });
      await db(city)('events').where({ origin: 'sd-hub', seq: 2 }).update({ body: h2.bodyText });
      expect((await city.ctx.eventLog.verify(db(city))).ok).to.equal(true);
    });

    it('selectAfter picks what a child is entitled to, and its cursor resumes exactly within the scan window', async () => {
      // The hub holds the city's chain (stored first) and its own events: a directory event, a Qingdao
      // penalty, a Jinan honour, a ticket for jinan-market; then a Jinan penalty, a Qingdao list and a ticket
      // for sd-tax.
      await append(hub, [recordInput(3, '370102'), recordInput(4, '370202', 'serious_dishonesty_list'), ticketInput(2, 'sd-tax')]);
      const log = hub.ctx.eventLog;
      const all = await log.selectAfter(db(hub), 0, 10_000, 1_000_000, { ...none, allRecords: true, directory: true, ticketTargets: ['jinan-market', 'sd-tax'] });
      expect(all.events).to.have.length(512 + 7);
      expect(all.max).to.equal(all.events.at(-1)?.pos);
      const own = all.events.filter((e) => e.origin === 'sd-hub');
      const posOf = (seq: number) => (own.find((e) => e.seq === seq) as RawEvent).pos;
      const seqs = (r: { events: RawEvent[] }) => r.events.map((e) => `${e.origin}:${e.seq}`);

      const cityRule: DownFilter = { excludeOrigins: ['city-jinan', 'jinan-market'], directory: true, ticketTargets: ['city-jinan', 'jinan-market'], allRecords: false, regionPrefix: '3701', categories: LISTS, origins: [] };
      expect(seqs(await log.selectAfter(db(hub), 0, 100, 1_000_000, cityRule))).to.deep.equal(['sd-hub:1', 'sd-hub:3', 'sd-hub:4', 'sd-hub:5', 'sd-hub:6']);
      expect(seqs(await log.selectAfter(db(hub), 0, 100, 1_000_000, { ...cityRule, directory: false, ticketTargets: [] }))).to.deep.equal(['sd-hub:3', 'sd-hub:5', 'sd-hub:6']);
      expect(seqs(await log.selectAfter(db(hub), 0, 100, 1_000_000, { ...cityRule, regionPrefix: null, categories: [], directory: false }))).to.deep.equal(['sd-hub:4']);
      expect(seqs(await log.selectAfter(db(hub), 0, 100, 1_000_000, { ...none, ticketTargets: ['sd-tax'] }))).to.deep.equal(['sd-hub:7']);
      expect(seqs(await log.selectAfter(db(hub), 0, 100, 1_000_000, { ...none, origins: ['sd-hub'] }))).to.deep.equal(['sd-hub:2', 'sd-hub:3', 'sd-hub:5', 'sd-hub:6']);
      expect(seqs(await log.selectAfter(db(hub), 0, 100, 1_000_000, { ...none, regionPrefix: '370202' }))).to.deep.equal(['sd-hub:2', 'sd-hub:6']);
      const noneAtAll = await log.selectAfter(db(hub), 0, 100, 1_000_000, { ...none, excludeOrigins: ['city-jinan', 'sd-hub'], allRecords: true, directory: true });
      expect(noneAtAll).to.deep.equal({ events: [], next: all.max, max: all.max });

      // A full page ends at its last event; a short one at the end of what was looked at.
      const page1 = await log.selectAfter(db(hub), 0, 2, 1_000_000, cityRule);
      expect(seqs(page1)).to.deep.equal(['sd-hub:1', 'sd-hub:3']);
      expect(page1.next).to.equal(posOf(3));
      const page2 = await log.selectAfter(db(hub), page1.next, 2, 1_000_000, cityRule);
      expect(seqs(page2)).to.deep.equal(['sd-hub:4', 'sd-hub:5']);
      const page3 = await log.selectAfter(db(hub), page2.next, 2, 1_000_000, cityRule);
      expect(seqs(page3)).to.deep.equal(['sd-hub:6']);
      expect(page3.next).to.equal(all.max);
      expect(await log.selectAfter(db(hub), page3.next, 2, 1_000_000, cityRule)).to.deep.equal({ events: [], next: all.max, max: all.max });

      // The scan window: 512 positions of the city's chain hold nothing for the city; the child resumes after them.
      const first = (all.events[0] as RawEvent).pos - 1;
      const skip = await log.selectAfter(db(hub), first, 100, 512, cityRule);
      expect(skip).to.deep.equal({ events: [], next: first + 512, max: all.max });
      expect(seqs(await log.selectAfter(db(hub), skip.next, 100, 512, cityRule))).to.deep.equal(['sd-hub:1', 'sd-hub:3', 'sd-hub:4', 'sd-hub:5', 'sd-hub:6']);
      const window = await log.selectAfter(db(hub), first, 100, 513, cityRule);
      expect(seqs(window)).to.deep.equal(['sd-hub:1']);
      expect(window.next).to.equal(first + 513);
    });

    it('verify detects an edited body, a deleted event, a bad checkpoint or head signature, and a missing key', async () => {
      const keyOf = async (o: string) => (o === 'city-jinan' ? city.ctx.keys.publicKey : undefined);
      const verifyCity = () => city.ctx.eventLog.verify(db(city), keyOf);
      expect((await verifyCity()).ok).to.equal(true);
      const events = () => db(city)('events').where({ origin: 'city-jinan' });

      const e10 = (await events().andWhere({ seq: 10 }).first()) as Record<string, unknown>;
      await events().andWhere({ seq: 10 }).update({ body: String(e10['body']).replace('测试企业10', '测试企业11') });
      expect((await verifyCity()).broken).to.deep.include({ origin: 'city-jinan', seq: 10 });
      await events().andWhere({ seq: 10 }).update({ body: e10['body'] });

      const e20 = (await events().andWhere({ seq: 20 }).first()) as Record<string, unknown>;
      await events().andWhere({ seq: 20 }).delete();
      const gap = await verifyCity();
      expect(gap.ok).to.equal(false);
      expect(gap.broken).to.deep.include({ origin: 'city-jinan', seq: 20 });
      expect(gap.broken?.reason).to.contain('缺少序号 20');
      await db(city)('events').insert(e20);

      // A checkpoint whose signature is another checkpoint's: the hash checks pass, the signature does not.
      const cp = (seq: number) => db(city)('signed_heads').where({ origin: 'city-jinan', seq });
      const sig256 = ((await cp(256).first()) as { signature: string }).signature;
      const sig512 = ((await cp(512).first()) as { signature: string }).signature;
      await cp(256).update({ signature: sig512 });
      expect((await city.ctx.eventLog.verify(db(city))).ok, 'without keys only the chain is checked').to.equal(true);
      const bad = await verifyCity();
      expect(bad.ok).to.equal(false);
      expect(bad.broken).to.deep.include({ origin: 'city-jinan', seq: 256, reason: '检查点签名无效' });
      await cp(256).update({ signature: sig256 });

      await db(city)('heads').where({ origin: 'city-jinan' }).update({ signature: sig512 });
      expect((await verifyCity()).broken).to.deep.include({ origin: 'city-jinan', seq: 601, reason: '链头签名无效' });
      const sig601 = ((await cp(601).first()) as { signature: string }).signature;
      await db(city)('heads').where({ origin: 'city-jinan' }).update({ signature: sig601 });

      const nokey = await city.ctx.eventLog.verify(db(city), async () => undefined);
      expect(nokey.broken).to.deep.include({ origin: 'city-jinan', seq: 0 });
      expect(await verifyCity()).to.deep.equal({ ok: true, origins: { 'city-jinan': 601 }, partial: { 'sd-hub': 3 } });
    });
  });
}
