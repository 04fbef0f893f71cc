import { expect } from 'chai';
import request from 'supertest';
import { createApp, type RunningNode } from '../../node/app.ts';
import { SYSTEM_PRINCIPAL } from '../../node/access/roles.ts';
import { isPubliclyVisible, chinaDay } from '../../node/publicity/visibility.ts';
import { repairOpensOn } from '../../node/publicity/repair.ts';
import { fixedClock } from '../helpers/node.ts';
import { inProcessFederation, type InProcessFederation } from '../helpers/in-process.ts';
import { penalty } from '../helpers/records.ts';

const application = (recordId: string) => ({
  recordId,
  claimant: { name: '王经理', phone: '0531-88886666' },
  commitment: '本单位承诺已纠正违法行为，今后依法诚信经营，如有违反愿承担相应责任。',
  evidence: '罚款已于 2026 年 3 月 20 日缴清，缴款凭证编号 3701202603200001。',
});

describe('credit repair (信用修复) across the federation', function () {
  this.timeout(120_000);
  const clock = fixedClock('2026-07-01T02:00:00Z');
  let fed: InProcessFederation;

  before(async () => { fed = await inProcessFederation(clock, 'credit-node-repair-'); });
  after(async () => { await fed.stop(); });

  const hub = () => fed.hub();
  const market = () => fed.market();
  const syncAll = () => fed.syncAll();

  const visibleAt = async (n: RunningNode, id: string) => {
    const r = await n.ctx.records.get(id, SYSTEM_PRINCIPAL);
    return isPubliclyVisible({ publicity: r.publicity, status: r.status, publish_from: r.publishFrom, publish_until: r.publishUntil }, chinaDay(clock()));
  };

  it('a repair filed at the hub reaches the industry node that owns the record; approval there ends the publicity everywhere and the applicant sees the outcome', async () => {
    const [created] = await market().ctx.records.ingest([penalty(501)]);
    const id = created?.id as string;
    await syncAll();
    expect(await visibleAt(hub(), id)).to.equal(true);

    const filed = await hub().ctx.tickets.fileRepair(application(id));
    expect(filed.ticket).to.match(/^XF20260701\d{8}$/);
    expect(filed.status).to.equal('forwarded');
    expect(JSON.stringify(filed)).to.not.contain('0531-88886666');

    await syncAll();
    // Received by the deciding unit: in review at once, with the decision's last day.
    const [mine] = await market().ctx.tickets.list(SYSTEM_PRINCIPAL, { status: ['in_review'] });
    expect(mine?.number).to.equal(filed.ticket);
    expect(mine?.step).to.equal('decide');
    expect(mine?.dueOn).to.match(/^2026-07-\d\d$/);
    expect(mine?.claimant.phone).to.equal('0531-88886666');
    // Only the deciding node decides.
    try {
      await hub().ctx.tickets.resolve(SYSTEM_PRINCIPAL, filed.ticket, { outcome: 'approved' });
      expect.fail('the hub decided a ticket of another node');
    } catch (err) {
      expect((err as { code?: string }).code).to.equal('FORBIDDEN');
    }
    const done = await market().ctx.tickets.resolve(SYSTEM_PRINCIPAL, filed.ticket, { outcome: 'approved' });
    expect(done.status).to.equal('resolved');
    expect(await visibleAt(market(), id)).to.equal(false);
    expect((await market().ctx.records.get(id, SYSTEM_PRINCIPAL)).status).to.equal('repaired');

    await syncAll();
    const atHub = await hub().ctx.tickets.lookup(filed.ticket);
    expect(atHub.status).to.equal('resolved');
    expect(atHub.outcome).to.equal('approved');
    expect(await visibleAt(hub(), id)).to.equal(false);
    // Officers still read it, with its history.
    const officerView = await hub().ctx.records.get(id, SYSTEM_PRINCIPAL);
    expect(officerView.history.map((h) => h.status)).to.deep.equal(['active', 'repaired']);
  });

  it('refuses an application before the minimum period, for a record not in publication, twice for one record, and a refusal needs reasons', async () => {
    const [fresh] = await market().ctx.records.ingest([penalty(502, { decisionDate: '2026-05-20' })]);
    await syncAll();
    const opens = repairOpensOn('general', '2026-05-20');
    expect(opens).to.equal('2026-08-20');
    try {
      await hub().ctx.tickets.fileRepair(application(fresh?.id as string));
      expect.fail('filed too early');
    } catch (err) {
      expect((err as Error).message).to.contain('2026-08-20');
    }
    const [old] = await market().ctx.records.ingest([penalty(503)]);
    await syncAll();
    const t = await hub().ctx.tickets.fileRepair(application(old?.id as string));
    try {
      await hub().ctx.tickets.fileRepair(application(old?.id as string));
      expect.fail('filed twice');
    } catch (err) {
      expect((err as { code?: string }).code).to.equal('CONFLICT');
    }
    await syncAll();
    try {
      await market().ctx.tickets.resolve(SYSTEM_PRINCIPAL, t.ticket, { outcome: 'refused' });
      expect.fail('refused without reasons');
    } catch (err) {
      expect((err as { code?: string }).code).to.equal('BAD_REQUEST');
    }
    await market().ctx.tickets.resolve(SYSTEM_PRINCIPAL, t.ticket, { outcome: 'refused', reasons: '罚款尚未缴清' });
    await syncAll();
    const seen = await hub().ctx.tickets.lookup(t.ticket);
    expect(seen.outcome).to.equal('refused');
    expect(seen.reasons).to.equal('罚款尚未缴清');
    expect(await visibleAt(hub(), old?.id as string)).to.equal(true);
    try {
      await hub().ctx.tickets.fileRepair({ ...application(old?.id as string), commitment: '短' });
      expect.fail('short commitment accepted');
    } catch (err) {
      expect((err as { details?: Array<{ path: string }> }).details?.map((d) => d.path)).to.include('commitment');
    }
  });

  it('the app files over POST /public/v1/repairs and follows it by number; bad input names the field', async () => {
    const [rec] = await market().ctx.records.ingest([penalty(505)]);
    await syncAll();
    const app = createApp(hub().ctx);
    const bad = await request(app).post('/public/v1/repairs').send({ recordId: rec?.id, claimant: { name: '王经理' } }).expect(400);
    expect((bad.body.error.details as Array<{ path: string }>).map((d) => d.path)).to.include.members(['claimant.phone', 'commitment', 'evidence']);
    const filed = await request(app).post('/public/v1/repairs').send(application(rec?.id as string)).expect(201);
    const seen = await request(app).get(`/public/v1/repairs/${filed.body.ticket}`).expect(200);
    expect(seen.body.status).to.equal('forwarded');
    expect(JSON.stringify(seen.body)).to.not.contain('88886666');
    await request(app).get('/public/v1/tickets/XF2026070100000000').expect(404);
    await request(app).get('/public/v1/tickets/nonsense').expect(400);
  });

  it('operators decide over /api/v1/tickets; the decision is audited', async () => {
    const [rec] = await market().ctx.records.ingest([penalty(504)]);
    const local = await market().ctx.tickets.fileRepair(application(rec?.id as string));
    expect(local.status).to.equal('received');
    await market().ctx.users.add({ username: 'op1', role: 'operator', password: 'op-pass-2026' });
    const app = createApp(market().ctx);
    const { token } = (await request(app).post('/api/v1/auth/token').send({ username: 'op1', password: 'op-pass-2026' }).expect(200)).body as { token: string };
    const list = await request(app).get('/api/v1/tickets?status=received').set('authorization', `Bearer ${token}`).expect(200);
    expect((list.body.items as Array<{ number: string }>).map((t) => t.number)).to.include(local.ticket);
    await request(app).post(`/api/v1/tickets/${local.ticket}/resolve`).set('authorization', `Bearer ${token}`).send({ outcome: 'maybe' }).expect(400);
    const res = await request(app).post(`/api/v1/tickets/${local.ticket}/resolve`).set('authorization', `Bearer ${token}`).send({ outcome: 'approved' }).expect(200);
    expect(res.body.outcome).to.equal('approved');
    await market().ctx.audit.flush();
    const entries = await market().ctx.audit.query({ action: 'write' }, { limit: 10 });
    expect(JSON.stringify(entries)).to.contain(local.ticket);
  });
});
