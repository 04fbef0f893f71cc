import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { pino } from 'pino';
import { backends, fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { JINAN_MARKET } from '../helpers/records.ts';
import { createHttpApp } from '../../node/http/app.ts';
import { Outbox } from '../../node/notify/outbox.ts';
import { notificationRoutes } from '../../node/notify/routes.ts';

for (const backend of backends()) {
  describe(`notification routes on ${backend}`, () => {
    let node: TempNode;
    let app: Express;
    let outbox: Outbox;
    const clock = fixedClock('2026-06-01T02:00:00.000Z');
    const tokens: Record<string, string> = {};
    const auth = (u: string) => ({ Authorization: `Bearer ${tokens[u]}` });

    before(async () => {
      node = await tempNode({ backend, clock });
      const { users } = node.ctx;
      for (const [username, role] of [['op1', 'operator'], ['admin1', 'admin'], ['clerk1', 'clerk']] as const) {
        await users.add({ username, role, password: `${username}-password-1`, ...(role === 'clerk' ? { sourceUnit: JINAN_MARKET.code } : {}) });
        tokens[username] = (await users.signIn(username, `${username}-password-1`)).token;
      }
      outbox = new Outbox({ db: node.ctx.store.knex, clock });
      app = createHttpApp({ log: pino({ level: 'silent' }), routers: [['/api/v1/notifications', notificationRoutes({ outbox, users, access: node.ctx.access })]] });
      await node.ctx.store.knex.transaction((trx) => outbox.enqueue(trx, [
        { ticket: 'TS2026060100000021', version: 1, audience: 'claimant', recipient: 'claimant', contact: { name: '王小明', phone: '13612345678' }, event: 'filed', title: '投诉已受理', message: '您提交的投诉已受理。' },
        { ticket: 'TS2026060100000021', version: 1, audience: 'handler', recipient: 'jinan-market', unit: JINAN_MARKET.name, event: 'filed', title: '收到投诉', message: '收到投诉 TS2026060100000021。' },
        { ticket: 'TS2026060100000022', version: 2, audience: 'escalation', recipient: 'test-node', event: 'overdue', title: '投诉办理逾期', message: '投诉 TS2026060100000022 已逾期。' },
      ]));
    });
    after(async () => { await node.cleanup(); });

    it('lists the outbox for operators and admins, the claimant\'s contact masked', async () => {
      const all = await request(app).get('/api/v1/notifications').set(auth('op1')).expect(200);
      expect(all.body.counts).to.deep.equal({ pending: 3, sent: 0, failed: 0 });
      expect(all.body.items.map((n: { ticket: string; audience: string }) => [n.ticket, n.audience])).to.deep.equal([
        ['TS2026060100000022', 'escalation'], ['TS2026060100000021', 'handler'], ['TS2026060100000021', 'claimant'],
      ]);
      expect(all.body.items[2]).to.deep.include({ contact: { name: '王*', phone: '136****5678' }, status: 'pending', attempts: 0 });
      expect(JSON.stringify(all.body)).to.not.include('13612345678').and.not.include('王小明');
      const one = await request(app).get('/api/v1/notifications?ticket=ts2026060100000021&audience=handler').set(auth('admin1')).expect(200);
      expect(one.body.items.map((n: { unit: string }) => n.unit)).to.deep.equal([JINAN_MARKET.name]);
      expect((await request(app).get('/api/v1/notifications?status=sent').set(auth('op1')).expect(200)).body.items).to.deep.equal([]);
      expect((await request(app).get('/api/v1/notifications?limit=1').set(auth('op1')).expect(200)).body.items).to.have.length(1);
      const audited = await node.ctx.store.knex('audit_log').where({ target: 'notifications', username: 'op1' }).count({ n: '*' }).first() as { n: number | string };
      expect(Number(audited.n)).to.equal(3);
    });

    it('refuses clerks and callers without a token, and a bad filter naming the field', async () => {
      await request(app).get('/api/v1/notifications').expect(401);
      expect((await request(app).get('/api/v1/notifications').set(auth('clerk1')).expect(403)).body.error.code).to.equal('FORBIDDEN');
      const bad = await request(app).get('/api/v1/notifications?status=lost&limit=0').set(auth('op1')).expect(400);
      expect(bad.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['status', 'limit']);
      expect((await request(app).get('/api/v1/notifications?limit=abc').set(auth('op1')).expect(400)).body.error.details[0].path).to.equal('limit');
      expect((await request(app).get('/api/v1/notifications?status=sent&status=failed').set(auth('op1')).expect(400)).body.error.details[0].path).to.equal('status');
    });
  });
}
