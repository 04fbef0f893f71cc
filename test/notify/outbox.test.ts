import { expect } from 'chai';
import { backends, fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { Outbox, type NotificationInput } from '../../node/notify/outbox.ts';

const CONTACT = { name: '张三丰', phone: '13812345678' };

function notices(ticket: string, version: number): NotificationInput[] {
  return [
    { ticket, version, audience: 'claimant', recipient: 'claimant', contact: CONTACT, event: 'filed', title: '异议申请已受理', message: `您提交的异议申请（受理编号 ${ticket}）已受理。` },
    { ticket, version, audience: 'handler', recipient: 'jinan-market', unit: '济南市市场监督管理局', contact: CONTACT, event: 'filed', title: '收到异议申请', message: `收到异议申请 ${ticket}，请于 2026-06-08 前办理。` },
  ];
}

for (const backend of backends()) {
  describe(`notification outbox on ${backend}`, () => {
    let node: TempNode;
    let outbox: Outbox;
    const clock = fixedClock('2026-06-01T02:00:00.000Z');

    before(async () => {
      node = await tempNode({ backend, clock });
      outbox = new Outbox({ db: node.ctx.store.knex, clock });
    });
    after(async () => { await node.cleanup(); });
    beforeEach(async () => {
      clock.set('2026-06-01T02:00:00.000Z');
      await node.ctx.store.knex('notifications').delete();
    });

    it('enqueues in the caller\'s transaction: a rollback leaves nothing, a commit leaves every row', async () => {
      const db = node.ctx.store.knex;
      await db.transaction(async (trx) => {
        expect(await outbox.enqueue(trx, notices('YY2026060100000001', 1))).to.equal(2);
        throw new Error('the ticket change failed');
      }).catch((err: unknown) => { expect((err as Error).message).to.equal('the ticket change failed'); });
      expect(await outbox.counts()).to.deep.equal({ pending: 0, sent: 0, failed: 0 });
      await db.transaction(async (trx) => { await outbox.enqueue(trx, notices('YY2026060100000001', 1)); });
      expect(await outbox.counts()).to.deep.equal({ pending: 2, sent: 0, failed: 0 });
    });

    it('adds nothing for a replayed ticket version, and keeps the transaction usable after the conflict', async () => {
      const db = node.ctx.store.knex;
      await db.transaction(async (trx) => { expect(await outbox.enqueue(trx, notices('YY2026060100000002', 1))).to.equal(2); });
      await db.transaction(async (trx) => {
        expect(await outbox.enqueue(trx, notices('YY2026060100000002', 1))).to.equal(0);
        // The same key twice in one call, next to a new version: only the new version's rows.
        expect(await outbox.enqueue(trx, [...notices('YY2026060100000002', 2), ...notices('YY2026060100000002', 2)])).to.equal(2);
        expect(await trx('notifications').count({ n: '*' }).first()).to.satisfy((r: { n: number | string }) => Number(r.n) === 4);
      });
      expect((await outbox.list({ ticket: 'YY2026060100000002' }, 10)).map((n) => [n.version, n.audience])).to.deep.equal([
        [2, 'handler'], [2, 'claimant'], [1, 'handler'], [1, 'claimant'],
      ]);
    });

    it('stores what the workflow gave, the contact only for the claimant', async () => {
      await node.ctx.store.knex.transaction((trx) => outbox.enqueue(trx, notices('YY2026060100000003', 3)));
      const [handler, claimant] = await outbox.list({ ticket: 'yy2026060100000003' }, 10);
      expect(claimant).to.deep.include({
        ticket: 'YY2026060100000003', version: 3, audience: 'claimant', recipient: 'claimant', unit: null, contact: CONTACT,
        event: 'filed', title: '异议申请已受理', status: 'pending', attempts: 0, nextAttemptAt: '2026-06-01T02:00:00.000Z',
        lastError: null, createdAt: '2026-06-01T02:00:00.000Z', sentAt: null,
      });
      expect(claimant?.id).to.be.a('number');
      expect(handler).to.deep.include({ audience: 'handler', recipient: 'jinan-market', unit: '济南市市场监督管理局', contact: null });
    });

    it('hands out due notifications oldest first and records sending and failures', async () => {
      const db = node.ctx.store.knex;
      await db.transaction((trx) => outbox.enqueue(trx, notices('YY2026060100000004', 1)));
      clock.set('2026-06-01T02:01:00.000Z');
      await db.transaction((trx) => outbox.enqueue(trx, notices('YY2026060100000005', 1)));
      const due = await outbox.due(3);
      expect(due.map((n) => [n.ticket, n.audience])).to.deep.equal([
        ['YY2026060100000004', 'claimant'], ['YY2026060100000004', 'handler'], ['YY2026060100000005', 'claimant'],
      ]);
      const [a, b, c] = due as [typeof due[0], typeof due[0], typeof due[0]];
      expect(await outbox.markSent(a.id, new Date('2026-06-01T02:01:05.000Z'))).to.equal(true);
      expect(await outbox.markSent(a.id, new Date('2026-06-01T02:01:06.000Z'))).to.equal(false);
      await outbox.markFailed(b.id, `通知网关答复 HTTP 500 ${'x'.repeat(1000)}`, new Date('2026-06-01T02:10:00.000Z'));
      await outbox.markFailed(c.id, '通知网关答复 HTTP 400', null);
      expect(await outbox.get(a.id)).to.deep.include({ status: 'sent', attempts: 1, sentAt: '2026-06-01T02:01:05.000Z' });
      const retried = await outbox.get(b.id);
      expect(retried).to.deep.include({ status: 'pending', attempts: 1, nextAttemptAt: '2026-06-01T02:10:00.000Z' });
      expect(retried?.lastError).to.have.length(300);
      expect(await outbox.get(c.id)).to.deep.include({ status: 'failed', attempts: 1, lastError: '通知网关答复 HTTP 400' });
      // b waits for its next attempt; the last of the four is due.
      expect((await outbox.due(10)).map((n) => n.id)).to.deep.equal([(due[2]?.id ?? 0) + 1]);
      clock.set('2026-06-01T02:10:00.000Z');
      expect((await outbox.due(10)).map((n) => n.id)).to.have.members([b.id, (due[2]?.id ?? 0) + 1]);
      expect(await outbox.counts()).to.deep.equal({ pending: 2, sent: 1, failed: 1 });
      expect((await outbox.list({ status: 'failed' }, 10)).map((n) => n.id)).to.deep.equal([c.id]);
      expect((await outbox.list({ audience: 'handler', status: 'pending' }, 10)).map((n) => n.id)).to.have.members([b.id, (due[2]?.id ?? 0) + 1]);
      expect(await outbox.list({}, 1)).to.have.length(1);
    });

    it('refuses a bad listing filter naming the field, and a notification built wrong', async () => {
      const err = await outbox.list({ status: 'lost', audience: 'public', ticket: 'x'.repeat(41) }, 501).then(() => undefined, (e: unknown) => e as { code: string; details: Array<{ path: string }> });
      expect(err).to.have.property('code', 'BAD_REQUEST');
      expect(err?.details.map((d) => d.path)).to.deep.equal(['status', 'audience', 'ticket', 'limit']);
      const wrong = { ...notices('YY2026060100000006', 1)[0], audience: 'public' } as unknown as NotificationInput;
      const thrown = await node.ctx.store.knex.transaction((trx) => outbox.enqueue(trx, [wrong])).catch((e: unknown) => e as Error);
      expect((thrown as Error).message).to.include('unknown audience');
      expect(await outbox.counts()).to.deep.equal({ pending: 0, sent: 0, failed: 0 });
    });
  });
}
