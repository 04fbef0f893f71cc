import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { tempNode, fixedClock, type TempNode } from '../helpers/node.ts';
import { penalty, JINAN_MARKET, QINGDAO_MARKET, personCode, companyCode } from '../helpers/records.ts';
import { createApp } from '../../node/app.ts';

describe('HTTP API', () => {
  let node: TempNode;
  let app: Express;
  const clock = fixedClock('2026-06-01T02:00:00Z');
  const tokens: Record<string, string> = {};

  before(async () => {
    node = await tempNode({ clock });
    app = createApp(node.ctx);
    await node.ctx.users.add({ username: 'clerk1', role: 'clerk', password: 'clerk-pass-1', sourceUnit: JINAN_MARKET.code });
    await node.ctx.users.add({ username: 'officer1', role: 'officer', password: 'officer-pass-1', regions: ['3701'] });
    await node.ctx.users.add({ username: 'auditor1', role: 'auditor', password: 'auditor-pass-1' });
    for (const [u, p] of [['clerk1', 'clerk-pass-1'], ['officer1', 'officer-pass-1'], ['auditor1', 'auditor-pass-1']] as const) {
      const res = await request(app).post('/api/v1/auth/token').send({ username: u, password: p }).expect(200);
      expect(res.body.expiresAt).to.be.a('string');
      tokens[u] = res.body.token as string;
    }
  });
  after(async () => { await node.cleanup(); });

  const auth = (u: string) => ({ Authorization: `Bearer ${tokens[u]}` });

  it('GET /healthz answers with the node id and role', async () => {
    const res = await request(app).get('/healthz').expect(200);
    expect(res.body).to.deep.equal({ status: 'ok', id: 'test-node', role: 'province' });
  });

  it('refuses a wrong password with 401 and no token', async () => {
    const res = await request(app).post('/api/v1/auth/token').send({ username: 'clerk1', password: 'nope-nope' }).expect(401);
    expect(res.body.error.code).to.equal('UNAUTHORIZED');
    expect(res.body.token).to.equal(undefined);
  });

  it('POST /api/v1/records: 401 without a token', async () => {
    const res = await request(app).post('/api/v1/records').send(penalty(1)).expect(401);
    expect(res.body.error.code).to.equal('UNAUTHORIZED');
  });

  it('POST /api/v1/records: 403 for an officer (reads only) and for a clerk of another unit', async () => {
    await request(app).post('/api/v1/records').set(auth('officer1')).send(penalty(1)).expect(403);
    const res = await request(app).post('/api/v1/records').set(auth('clerk1')).send(penalty(1, { sourceUnit: QINGDAO_MARKET })).expect(403);
    expect(res.body.error.code).to.equal('FORBIDDEN');
  });

  it('POST /api/v1/records: 201 with ids, then 422 naming the field in Chinese', async () => {
    const ok = await request(app).post('/api/v1/records').set(auth('clerk1')).send(penalty(1)).expect(201);
    expect(ok.body.accepted).to.have.length(1);
    expect(ok.body.accepted[0].status).to.equal('created');
    expect(ok.body.accepted[0].id).to.be.a('string');
    expect(ok.body.rejected).to.deep.equal([]);

    const bad = penalty(2, { subject: { type: 'legal_person', code: '91110000600037341N', name: '某公司' }, decisionDate: '2026-13-01' });
    const res = await request(app).post('/api/v1/records').set(auth('clerk1')).send(bad).expect(422);
    expect(res.body.error.code).to.equal('RECORD_INVALID');
    const errors = res.body.error.details.rejected[0].errors as Array<{ path: string; message: string }>;
    expect(errors.some((e) => e.path === 'decisionDate' && /[\u4e00-\u9fa5]/.test(e.message))).to.equal(true);
  });

  it('POST /api/v1/records with {"records":[...]}: 201 listing accepted and rejected', async () => {
    const res = await request(app).post('/api/v1/records').set(auth('clerk1'))
      .send({ records: [penalty(10), penalty(11, { decisionDate: '2030-01-01' })] }).expect(201);
    expect(res.body.accepted).to.have.length(1);
    expect(res.body.rejected).to.have.length(1);
    expect(res.body.rejected[0].index).to.equal(1);
    expect(res.body.rejected[0].errors[0].path).to.equal('decisionDate');
  });

  it('GET /api/v1/records/:id returns the record with its history; 404 for unknown', async () => {
    const created = await request(app).post('/api/v1/records').set(auth('clerk1')).send(penalty(20)).expect(201);
    const id = created.body.accepted[0].id as string;
    await request(app).post('/api/v1/records').set(auth('clerk1')).send(penalty(20, { decisionDate: '2026-03-04' })).expect(201);
    const res = await request(app).get(`/api/v1/records/${id}`).set(auth('officer1')).expect(200);
    expect(res.body.id).to.equal(id);
    expect(res.body.category).to.equal('administrative_penalty');
    expect(res.body.version).to.equal(2);
    expect(res.body.history).to.have.length(2);
    await request(app).get('/api/v1/records/00000000-0000-0000-0000-000000000000').set(auth('officer1')).expect(404);
    await request(app).get(`/api/v1/records/${id}`).set(auth('auditor1')).expect(403);
  });

  it('GET /api/v1/subjects/:code returns the subject and its records', async () => {
    await request(app).post('/api/v1/records').set(auth('clerk1')).send(penalty(30)).expect(201);
    const res = await request(app).get(`/api/v1/subjects/${companyCode(30)}`).set(auth('officer1')).expect(200);
    expect(res.body.subject.name).to.equal('济南测试食品有限公司30');
    expect(res.body.records).to.have.length(1);
    expect(res.body.records[0].externalId).to.equal('济市监罚〔2026〕30号');
    await request(app).get(`/api/v1/subjects/${companyCode(31)}`).set(auth('officer1')).expect(404);
    const bad = await request(app).get('/api/v1/subjects/12345').set(auth('officer1')).expect(400);
    expect(bad.body.error.message).to.match(/代码/);
  });

  it('locks an account after repeated failed sign-ins', async () => {
    await node.ctx.users.add({ username: 'victim', role: 'officer', password: 'right-pass-1' });
    for (let i = 0; i < 5; i++) await request(app).post('/api/v1/auth/token').send({ username: 'victim', password: 'wrong' }).expect(401);
    const res = await request(app).post('/api/v1/auth/token').send({ username: 'victim', password: 'right-pass-1' }).expect(401);
    expect(res.body.error.message).to.match(/锁定/);
    clock.set('2026-06-01T02:20:00Z');
    await request(app).post('/api/v1/auth/token').send({ username: 'victim', password: 'right-pass-1' }).expect(200);
    clock.set('2026-06-01T02:00:00Z');
  });

  it('rejects an expired token, also one that was accepted before (a checked token is remembered until it expires)', async () => {
    const before = await request(app).get(`/api/v1/subjects/${companyCode(30)}`).set(auth('officer1'));
    expect(before.status).to.not.equal(401);
    clock.set('2026-06-01T05:00:00Z');
    await request(app).get(`/api/v1/subjects/${companyCode(30)}`).set(auth('officer1')).expect(401);
    clock.set('2026-06-01T02:00:00Z');
  });

  it('a 404 never echoes a resident ID number typed into the address', async () => {
    const id = personCode(77);
    const res = await request(app).get(`/api/v1/nothing/${id}`).expect(404);
    expect(JSON.stringify(res.body)).to.not.contain(id);
    expect(res.body.error.message).to.contain(`${id.slice(0, 6)}********${id.slice(-4)}`);
  });

  it('answers malformed JSON with 400', async () => {
    const res = await request(app).post('/api/v1/records').set(auth('clerk1')).set('content-type', 'application/json').send('{"oops"').expect(400);
    expect(res.body.error.code).to.equal('BAD_REQUEST');
  });
});
