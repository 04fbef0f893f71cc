import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { pino } from 'pino';
import { backends, fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { Outbox, type Notification, type NotificationInput } from '../../node/notify/outbox.ts';
import { WebhookSender, type NotificationSender } from '../../node/notify/senders.ts';
import { NotificationDispatcher, backoffMs } from '../../node/notify/dispatcher.ts';

const CONTACT = { name: '李四', phone: '13912345678' };

function notices(ticket: string, version = 1): NotificationInput[] {
  return [
    { ticket, version, audience: 'claimant', recipient: 'claimant', contact: CONTACT, event: 'resolved', title: '异议申请已办结', message: `您提交的异议申请（受理编号 ${ticket}）已办结：已更正。` },
    { ticket, version, audience: 'handler', recipient: 'jinan-market', unit: '济南市市场监督管理局', event: 'resolved', title: '异议申请已办结', message: `异议申请 ${ticket} 已办结：已更正。` },
  ];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}

describe('notification backoff', () => {
  it('doubles from 30 s to at most an hour, ±20 %', () => {
    expect([1, 2, 3, 4, 7, 8, 30].map((n) => backoffMs(n, () => 0.5))).to.deep.equal([30_000, 60_000, 120_000, 240_000, 1_920_000, 3_600_000, 3_600_000]);
    expect(backoffMs(1, () => 0)).to.equal(24_000);
    expect(backoffMs(1, () => 0.999999)).to.be.within(35_999, 36_000);
    expect(backoffMs(8, () => 0.999999)).to.equal(3_600_000);
  });
});

for (const backend of backends()) {
  describe(`notification dispatcher on ${backend}`, () => {
    let node: TempNode;
    let outbox: Outbox;
    let server: Server;
    let url = '';
    let answer: (req: IncomingMessage, res: ServerResponse) => void;
    const received: Array<Record<string, unknown>> = [];
    const clock = fixedClock('2026-06-01T02:00:00.000Z');
    const log = pino({ level: 'silent' });
    const dispatchers: NotificationDispatcher[] = [];

    function dispatcher(opts: { sender?: NotificationSender; maxAttempts?: number; batchSize?: number; kickDelayMs?: number } = {}): NotificationDispatcher {
      const d = new NotificationDispatcher({
        outbox, sender: opts.sender ?? new WebhookSender(url, { timeoutMs: 2000 }), clock, log,
        batchSize: opts.batchSize ?? 50, maxAttempts: opts.maxAttempts ?? 10, random: () => 0.5,
        ...(opts.kickDelayMs !== undefined ? { kickDelayMs: opts.kickDelayMs } : {}),
      });
      dispatchers.push(d);
      return d;
    }
    const enqueue = (items: NotificationInput[]) => node.ctx.store.knex.transaction((trx) => outbox.enqueue(trx, items));

    before(async () => {
      node = await tempNode({ backend, clock });
      outbox = new Outbox({ db: node.ctx.store.knex, clock });
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
        req.on('end', () => {
          received.push(JSON.parse(body) as Record<string, unknown>);
          answer(req, res);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await node.cleanup();
    });
    beforeEach(async () => {
      clock.set('2026-06-01T02:00:00.000Z');
      received.length = 0;
      answer = (_req, res) => { res.writeHead(204).end(); };
      await node.ctx.store.knex('notifications').delete();
    });
    afterEach(async () => {
      await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
    });

    it('sends due notifications to the webhook and marks them sent', async () => {
      await enqueue(notices('YY2026060100000011'));
      const d = dispatcher();
      expect(await d.runOnce()).to.deep.equal({ sent: 2, failed: 0, retried: 0 });
      const [claimant, handler] = await outbox.list({ ticket: 'YY2026060100000011' }, 10).then((l) => l.reverse());
      expect(received).to.deep.equal([
        { id: claimant?.id, ticket: 'YY2026060100000011', version: 1, audience: 'claimant', recipient: 'claimant', unit: null, contact: CONTACT, event: 'resolved', title: '异议申请已办结', message: '您提交的异议申请（受理编号 YY2026060100000011）已办结：已更正。', createdAt: '2026-06-01T02:00:00.000Z' },
        { id: handler?.id, ticket: 'YY2026060100000011', version: 1, audience: 'handler', recipient: 'jinan-market', unit: '济南市市场监督管理局', contact: null, event: 'resolved', title: '异议申请已办结', message: '异议申请 YY2026060100000011 已办结：已更正。', createdAt: '2026-06-01T02:00:00.000Z' },
      ]);
      expect(claimant).to.deep.include({ status: 'sent', attempts: 1, sentAt: '2026-06-01T02:00:00.000Z', lastError: null });
      expect(await d.runOnce()).to.deep.equal({ sent: 0, failed: 0, retried: 0 });
      expect(received).to.have.length(2);
    });

    it('retries a refused notification with backoff, then keeps it as failed after maxAttempts', async () => {
      answer = (_req, res) => { res.writeHead(500).end(); };
      await enqueue(notices('YY2026060100000012').slice(0, 1));
      const d = dispatcher({ maxAttempts: 3 });
      expect(await d.runOnce()).to.deep.equal({ sent: 0, failed: 0, retried: 1 });
      const [n] = await outbox.list({ ticket: 'YY2026060100000012' }, 1);
      expect(n).to.deep.include({ status: 'pending', attempts: 1, nextAttemptAt: '2026-06-01T02:00:30.000Z', lastError: '通知网关答复 HTTP 500' });
      // Not due before its time.
      clock.set('2026-06-01T02:00:29.999Z');
      expect(await d.runOnce()).to.deep.equal({ sent: 0, failed: 0, retried: 0 });
      clock.set('2026-06-01T02:00:30.000Z');
      expect(await d.runOnce()).to.deep.equal({ sent: 0, failed: 0, retried: 1 });
      expect(await outbox.get(n?.id ?? 0)).to.deep.include({ attempts: 2, nextAttemptAt: '2026-06-01T02:01:30.000Z' });
      clock.set('2026-06-01T02:01:30.000Z');
      expect(await d.runOnce()).to.deep.equal({ sent: 0, failed: 1, retried: 0 });
      expect(await outbox.get(n?.id ?? 0)).to.deep.include({ status: 'failed', attempts: 3, sentAt: null, lastError: '通知网关答复 HTTP 500' });
      expect(received).to.have.length(3);
      // Failed for good: the gateway coming back changes nothing.
      answer = (_req, res) => { res.writeHead(204).end(); };
      clock.set('2026-06-02T02:00:00.000Z');
      expect(await d.runOnce()).to.deep.equal({ sent: 0, failed: 0, retried: 0 });
      expect(await outbox.counts()).to.deep.equal({ pending: 0, sent: 0, failed: 1 });
    });

    it('stores a sender error without the contact in it', async () => {
      const leaky: NotificationSender = { name: 'leaky', send: (n: Notification) => Promise.reject(new Error(`gateway rejected ${n.contact?.name ?? ''} at ${n.contact?.phone ?? ''} and 13700001111`)) };
      await enqueue(notices('YY2026060100000013'));
      expect(await dispatcher({ sender: leaky }).runOnce()).to.deep.equal({ sent: 0, failed: 0, retried: 2 });
      const errors = (await outbox.list({ ticket: 'YY2026060100000013' }, 10)).map((n) => n.lastError);
      expect(errors).to.include('gateway rejected 李* at 139****5678 and 137****1111');
      expect(JSON.stringify(errors)).to.not.include('13912345678').and.not.include('李四');
    });

    it('runs one round at a time: a second call gets the round in flight', async () => {
      answer = (_req, res) => { setTimeout(() => res.writeHead(204).end(), 100); };
      await enqueue(notices('YY2026060100000014'));
      const d = dispatcher();
      const first = d.runOnce();
      const second = d.runOnce();
      expect(second).to.equal(first);
      expect(await second).to.deep.equal({ sent: 2, failed: 0, retried: 0 });
      expect(received).to.have.length(2);
    });

    it('kick() sends soon after a change, also one that came during a round', async () => {
      const d = dispatcher({ kickDelayMs: 10 });
      await enqueue(notices('YY2026060100000015'));
      d.kick();
      d.kick();
      await until(() => received.length === 2);
      await d.runOnce(); // the kicked round, if it is still recording
      // A change committed while a round runs, after it read its batch: the round is followed by another.
      answer = (_req, res) => { setTimeout(() => res.writeHead(204).end(), 100); };
      await enqueue(notices('YY2026060100000016'));
      const round = d.runOnce();
      await until(() => received.length === 3);
      await enqueue(notices('YY2026060100000017'));
      d.kick();
      await round;
      await until(async () => (await outbox.counts()).sent === 6);
      expect(received).to.have.length(6);
    });

    it('start() sends on its schedule until stop()', async () => {
      // The round start() asks for comes late: what is sent here, the schedule sent.
      const d = dispatcher({ kickDelayMs: 60_000 });
      await enqueue(notices('YY2026060100000018'));
      d.start('*/1 * * * * *');
      await until(() => received.length === 2);
      await d.stop();
      await enqueue(notices('YY2026060100000019'));
      await sleep(1200);
      expect(received).to.have.length(2);
    });

    it('stop() waits for the round in flight and ends it after the notification being sent', async () => {
      const d = dispatcher();
      answer = (_req, res) => { setTimeout(() => res.writeHead(204).end(), 200); };
      await enqueue(notices('YY2026060100000020'));
      const round = d.runOnce();
      await until(() => received.length === 1);
      await d.stop();
      // The notification being sent was recorded; the next one waits for the node's next start.
      expect(await outbox.counts()).to.deep.equal({ pending: 1, sent: 1, failed: 0 });
      expect(await round).to.deep.equal({ sent: 1, failed: 0, retried: 0 });
      d.kick();
      await sleep(50);
      expect(received).to.have.length(1);
    });
  });
}
