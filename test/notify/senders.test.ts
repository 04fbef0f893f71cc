import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino, type Logger } from 'pino';
import { maskName, maskPhone, scrub } from '../../node/notify/mask.ts';
import { LogSender, WebhookSender, senderFor } from '../../node/notify/senders.ts';
import type { Notification } from '../../node/notify/outbox.ts';

const claimantNotice: Notification = {
  id: 7, ticket: 'YY2026060112345678', version: 2, audience: 'claimant', recipient: 'claimant', unit: null,
  contact: { name: '张三丰', phone: '13812345678' }, event: 'forwarded', title: '异议申请已转交办理单位',
  message: '您提交的异议申请（受理编号 YY2026060112345678）已受理，并转交信息来源单位办理。', status: 'pending', attempts: 0,
  nextAttemptAt: '2026-06-01T02:00:00.000Z', lastError: null, createdAt: '2026-06-01T02:00:00.000Z', sentAt: null,
};

/** A pino logger writing JSON lines into an array. */
function capture(): { log: Logger; lines: () => Array<Record<string, unknown>>; raw: () => string } {
  let text = '';
  const stream = new Writable({ write(chunk: Buffer, _enc, cb) { text += chunk.toString('utf8'); cb(); } });
  const log = pino({ level: 'info' }, stream);
  return { log, raw: () => text, lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('notification senders', () => {
  it('masks phones and names', () => {
    expect(maskPhone('13812345678')).to.equal('138****5678');
    expect(maskPhone('0531-88886666')).to.equal('053****6666');
    expect(maskPhone('12345')).to.equal('***45');
    expect(maskName('张三丰')).to.equal('张*');
    expect(maskName('𠮷野家')).to.equal('𠮷*');
    expect(maskName('')).to.equal('');
    expect(scrub('张三丰 13812345678 13900001111 YY2026060113812345678', { name: '张三丰', phone: '13812345678' }))
      .to.equal('张* 138****5678 139****1111 YY2026060113812345678');
  });

  it('LogSender writes one info line with the phone and the name masked, never whole', async () => {
    const out = capture();
    await new LogSender(out.log).send({ ...claimantNotice, title: '张三丰：异议申请已转交办理单位' });
    const lines = out.lines();
    expect(lines).to.have.length(1);
    expect(lines[0]).to.deep.include({
      level: 30, msg: 'notification', notification: 7, ticket: 'YY2026060112345678', version: 2, audience: 'claimant',
      recipient: 'claimant', event: 'forwarded', title: '张*：异议申请已转交办理单位', contact: { name: '张*', phone: '138****5678' },
    });
    expect(out.raw()).to.not.include('13812345678').and.not.include('张三丰');
  });

  describe('WebhookSender', () => {
    let server: Server;
    let url = '';
    let answer: (res: import('node:http').ServerResponse) => void = (res) => { res.writeHead(204).end(); };
    const received: Array<{ headers: Record<string, unknown>; body: unknown }> = [];

    before(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
        req.on('end', () => {
          received.push({ headers: req.headers, body: JSON.parse(body) as unknown });
          answer(res);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/notify`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('POSTs the notification as JSON, the contact whole for the gateway', async () => {
      answer = (res) => { res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'); };
      received.length = 0;
      await new WebhookSender(url).send(claimantNotice);
      expect(received).to.have.length(1);
      expect(received[0]?.headers['content-type']).to.match(/^application\/json/);
      expect(received[0]?.body).to.deep.equal({
        id: 7, ticket: 'YY2026060112345678', version: 2, audience: 'claimant', recipient: 'claimant', unit: null,
        contact: { name: '张三丰', phone: '13812345678' }, event: 'forwarded', title: '异议申请已转交办理单位',
        message: claimantNotice.message, createdAt: '2026-06-01T02:00:00.000Z',
      });
    });

    it('fails on any answer but 2xx, without the gateway\'s body in the error', async () => {
      answer = (res) => { res.writeHead(500).end('echo 13812345678'); };
      const err = await new WebhookSender(url).send(claimantNotice).catch((e: unknown) => e as Error);
      expect((err as Error).message).to.equal('通知网关答复 HTTP 500');
      answer = (res) => { res.writeHead(302, { location: 'http://example.invalid/' }).end(); };
      expect(((await new WebhookSender(url).send(claimantNotice).catch((e: unknown) => e)) as Error).message).to.match(/通知网关/);
    });

    it('fails on a timeout and on a refused connection', async () => {
      answer = () => { /* never answers */ };
      const slow = await new WebhookSender(url, { timeoutMs: 200 }).send(claimantNotice).catch((e: unknown) => e as Error);
      expect((slow as Error).message).to.equal('通知网关 200 毫秒内未答复');
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const refused = await new WebhookSender(`http://127.0.0.1:${port}/`).send(claimantNotice).catch((e: unknown) => e as Error);
      expect((refused as Error).message).to.equal('无法连接通知网关（ECONNREFUSED）');
    });
  });

  it('senderFor picks the configured sender and refuses a webhook without an address', () => {
    const log = pino({ level: 'silent' });
    expect(senderFor({ sender: 'log', batchSize: 50, maxAttempts: 10 }, log).name).to.equal('log');
    expect(senderFor({ sender: 'webhook', webhookUrl: 'https://sms.example.cn/notify', batchSize: 50, maxAttempts: 10 }, log).name).to.equal('webhook');
    for (const webhookUrl of [undefined, 'ftp://sms.example.cn/', 'not a url']) {
      const cfg = { sender: 'webhook' as const, batchSize: 50, maxAttempts: 10, ...(webhookUrl ? { webhookUrl } : {}) };
      expect(() => senderFor(cfg, log)).to.throw(/notifications\.webhookUrl/).with.property('code', 'CONFIG_INVALID');
    }
  });
});
