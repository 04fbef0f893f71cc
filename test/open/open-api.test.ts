import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { backends, fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { companyCode, personCode } from '../helpers/records.ts';
import { openAccessOf } from '../../node/open/open-access.ts';
import { openApp, openAudit, penaltyWithIds, personPenalty, register, tokenFor, userAuth, type Auth } from './app.ts';

const START = '2026-06-01T02:00:00.000Z';

for (const backend of backends()) {
  describe(`open API on ${backend}`, () => {
    let node: TempNode;
    let app: Express;
    let op: Auth;
    const clock = fixedClock(START);
    const PERSON = personCode(7);
    const ids: Record<string, string> = {};

    before(async () => {
      node = await tempNode({ backend, clock });
      app = openApp(node.ctx).app;
      op = await userAuth(node.ctx, 'op1');
      const results = await node.ctx.records.ingest([penaltyWithIds(1), penaltyWithIds(2), personPenalty(3, PERSON)]);
      expect(results.map((r) => r.status)).to.deep.equal(['created', 'created', 'created']);
      ['c1', 'c2', 'person'].forEach((name, i) => { ids[name] = results[i]?.id as string; });
    });
    beforeEach(() => clock.set(START));
    after(async () => { await node.cleanup(); });

    it('registers a client, answers its secret once, issues a token and reads within its datasets', async () => {
      const added = await request(app).post('/api/v1/clients').set(op).send({
        name: '山东某某征信有限公司', code: companyCode(8001, '370100'), contact: { name: '李经理', phone: '0531-88888888' },
        datasets: ['administrative_penalty'], purpose: '企业征信报告', expires: '2027-12-31', monthlyQuota: 1000, rateLimitPerMinute: 60,
      }).expect(201);
      expect(added.body.clientId).to.match(/^cl_[0-9a-f]{16}$/);
      expect(added.body.clientSecret).to.be.a('string').with.length.above(40);
      expect(added.body).to.deep.include({ status: 'active', persons: false, monthlyQuota: 1000, rateLimitPerMinute: 60, expires: '2027-12-31' });
      const { clientId, clientSecret } = added.body as { clientId: string; clientSecret: string };

      const list = await request(app).get('/api/v1/clients').set(op).expect(200);
      expect(JSON.stringify(list.body)).not.to.include(clientSecret).and.not.to.include('secret');
      const one = await request(app).get(`/api/v1/clients/${clientId}`).set(op).expect(200);
      expect(one.body).not.to.have.property('clientSecret');
      const stored = await node.ctx.store.knex('open_clients').where({ id: clientId }).first() as { secret_hash: string };
      expect(stored.secret_hash).to.match(/^scrypt\$/).and.not.to.include(clientSecret);

      const wrong = await request(app).post('/open/v1/token').send({ clientId, clientSecret: 'x'.repeat(43) }).expect(401);
      expect(wrong.body.error.code).to.equal('CLIENT_CREDENTIALS_INVALID');
      const tok = await request(app).post('/open/v1/token').send({ clientId, clientSecret }).expect(200);
      expect(tok.body).to.include({ tokenType: 'Bearer' });
      expect(tok.body.expiresAt).to.equal('2026-06-01T02:10:00.000Z');

      const res = await request(app).get(`/open/v1/subjects/${companyCode(1)}`).set({ Authorization: `Bearer ${tok.body.token}` }).expect(200);
      expect(res.body.subject).to.deep.equal({ type: 'legal_person', code: companyCode(1), name: '济南测试食品有限公司1', region: '370102' });
      expect(res.body.records).to.have.length(1);
      const rec = res.body.records[0];
      expect(Object.keys(rec).sort()).to.deep.equal(['category', 'data', 'decisionDate', 'externalId', 'id', 'publicity', 'publishFrom', 'publishUntil', 'severity', 'sourceUnit', 'status', 'updatedAt', 'version'].sort());
      expect(rec).to.deep.include({ id: ids['c1'], category: 'administrative_penalty', publicity: 'public', status: 'active', version: 1 });
      expect(rec.data).to.include({ fineAmount: 2 });
      expect(rec.data).not.to.have.any.keys('legalRepresentativeIdNumber', 'legalRepresentativeIdType');
      expect(JSON.stringify(res.body)).not.to.include('370102198506121234');

      // A user's token is no client token, and a client's token opens no user API.
      const userToken = await request(app).get(`/open/v1/subjects/${companyCode(1)}`).set(op).expect(401);
      expect(userToken.body.error.code).to.equal('CLIENT_TOKEN_INVALID');
      await request(app).get('/api/v1/clients').set({ Authorization: `Bearer ${tok.body.token}` }).expect(401);
      // An officer is no operator.
      await request(app).get('/api/v1/clients').set(await userAuth(node.ctx, 'officer1', 'officer')).expect(403);

      const audit = await openAudit(node.ctx, clientId);
      expect(audit.map((a) => [a.outcome, a.subject, a.count])).to.deep.equal([['ok', companyCode(1), 1]]);
      const adds = await node.ctx.store.knex('audit_log').where({ action: 'client_add', target: clientId }).select('username');
      expect(adds).to.deep.equal([{ username: 'op1' }]);
    });

    it('refuses bad registrations, naming each field', async () => {
      const res = await request(app).post('/api/v1/clients').set(op).send({
        name: '', code: '91370100MA00000000', datasets: ['administrative_penalty', 'no_such'], fields: ['administrative_penalty.legalRepresentativeIdNumber'], expires: '2020-01-01', monthlyQuota: 0,
      }).expect(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['name', 'code', 'datasets[1]', 'fields', 'expires', 'monthlyQuota']);
      expect(res.body.error.message).to.include('个人身份标识');
    });

    it('applies a field restriction, and refuses a field or dataset outside the grant with OUT_OF_SCOPE, audited', async () => {
      const c = await register(app, op, { datasets: ['administrative_penalty', 'administrative_license'], fields: ['administrative_penalty.fineAmount', 'administrative_penalty.penaltyTypes'] });
      const res = await request(app).get(`/open/v1/subjects/${companyCode(1)}`).set(c.auth).expect(200);
      expect(res.body.records[0].data).to.deep.equal({ fineAmount: 2, penaltyTypes: ['罚款', '没收违法所得'] });
      const narrowed = await request(app).get(`/open/v1/subjects/${companyCode(1)}?fields=administrative_penalty.fineAmount`).set(c.auth).expect(200);
      expect(narrowed.body.records[0].data).to.deep.equal({ fineAmount: 2 });

      const field = await request(app).get(`/open/v1/subjects/${companyCode(1)}?fields=administrative_penalty.penaltyContent`).set(c.auth).expect(403);
      expect(field.body.error.code).to.equal('OUT_OF_SCOPE');
      expect(field.body.error.details[0]).to.deep.include({ path: 'fields' });
      const dataset = await request(app).get(`/open/v1/subjects/${companyCode(1)}?datasets=tax_credit_rating`).set(c.auth).expect(403);
      expect(dataset.body.error).to.deep.include({ code: 'OUT_OF_SCOPE' });
      expect(dataset.body.error.message).to.include('tax_credit_rating');

      const audit = await openAudit(node.ctx, c.clientId);
      expect(audit.map((a) => a.outcome)).to.deep.equal(['ok', 'ok', 'OUT_OF_SCOPE', 'OUT_OF_SCOPE']);
      expect(audit[2]?.subject).to.equal(companyCode(1));
      const usage = await request(app).get(`/api/v1/clients/${c.clientId}/usage`).set(op).expect(200);
      expect(usage.body).to.deep.include({ month: '2026-06', calls: 2, records: 2, refusals: { OUT_OF_SCOPE: 2 } });
    });

    it('a client of other datasets sees none of these records', async () => {
      const c = await register(app, op, { datasets: 'administrative_license' });
      const res = await request(app).get(`/open/v1/subjects/${companyCode(1)}`).set(c.auth).expect(200);
      expect(res.body.records).to.deep.equal([]);
    });

    it('refuses a client over its monthly quota with QUOTA_EXCEEDED, audited, kept across a restart, reset next month', async () => {
      const c = await register(app, op, { datasets: ['administrative_penalty'], monthlyQuota: 2 });
      await request(app).get(`/open/v1/subjects/${companyCode(1)}`).set(c.auth).expect(200);
      await request(app).get(`/open/v1/subjects/${companyCode(2)}`).set(c.auth).expect(200);
      const over = await request(app).get(`/open/v1/subjects/${companyCode(1)}`).set(c.auth).expect(429);
      expect(over.body.error.code).to.equal('QUOTA_EXCEEDED');
      // A restarted node (a new instance over the same store) still counts this month's calls.
      const restarted = openApp(node.ctx, { open: openAccessOf(node.ctx) }).app;
      expect((await request(restarted).get(`/open/v1/subjects/${companyCode(1)}`).set(c.auth).expect(429)).body.error.code).to.equal('QUOTA_EXCEEDED');
      expect((await openAudit(node.ctx, c.clientId)).map((a) => a.outcome)).to.deep.equal(['ok', 'ok', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED']);
      const usage = await request(app).get(`/api/v1/clients/${c.clientId}/usage?month=2026-06`).set(op).expect(200);
      expect(usage.body).to.deep.equal({ clientId: c.clientId, month: '2026-06', calls: 2, records: 2, refusals: { QUOTA_EXCEEDED: 2 }, monthlyQuota: 2, remaining: 0 });
      // 2026-06-30T16:00Z is July 1st in China.
      clock.set('2026-06-30T16:00:00.000Z');
      await request(app).get(`/open/v1/subjects/${companyCode(1)}`).set(await tokenFor(app, c.clientId, c.clientSecret)).expect(200);
      clock.set(START);
      await request(app).get(`/api/v1/clients/${c.clientId}/usage?month=2026-13`).set(op).expect(400);
      expect((await request(app).get(`/api/v1/clients/${c.clientId}/usage?month=2026-07`).set(op).expect(200)).body).to.deep.include({ calls: 1, remaining: 1 });
    });

    it('limits calls per minute with CLIENT_RATE_LIMITED', async () => {
      const c = await register(app, op, { datasets: ['administrative_penalty'], rateLimitPerMinute: 2 });
      clock.set('2026-06-01T02:01:00.000Z');
      await request(app).get(`/open/v1/subjects/${companyCode(1)}`).set(c.auth).expect(200);
      await request(app).get(`/open/v1/subjects/${companyCode(1)}`).set(c.auth).expect(200);
      const limited = await request(app).get(`/open/v1/subjects/${companyCode(1)}`).set(c.auth).expect(429);
      expect(limited.body.error.code).to.equal('CLIENT_RATE_LIMITED');
      expect(limited.body.error.details.retryAfterSeconds).to.equal(60);
      clock.set('2026-06-01T02:02:00.000Z');
      await request(app).get(`/open/v1/subjects/${companyCode(1)}`).set(c.auth).expect(200);
      expect((await openAudit(node.ctx, c.clientId)).map((a) => a.outcome)).to.deep.equal(['ok', 'ok', 'CLIENT_RATE_LIMITED', 'ok']);
    });

    it('stops a suspended, revoked or expired client at once, even with an unexpired token', async () => {
      const c = await register(app, op, { datasets: ['administrative_penalty'], expires: '2026-06-01' });
      const read = () => request(app).get(`/open/v1/subjects/${companyCode(1)}`).set(c.auth);
      await read().expect(200);
      await request(app).post(`/api/v1/clients/${c.clientId}/suspend`).set(op).expect(200);
      expect((await read().expect(403)).body.error.code).to.equal('CLIENT_SUSPENDED');
      await request(app).post(`/api/v1/clients/${c.clientId}/resume`).set(op).expect(200);
      await read().expect(200);
      // The last day is valid to its end in China time; the token (10 minutes) still is at 16:00:30Z.
      clock.set('2026-06-01T15:55:00.000Z');
      const late = await tokenFor(app, c.clientId, c.clientSecret);
      clock.set('2026-06-01T16:00:30.000Z');
      expect((await request(app).get(`/open/v1/subjects/${companyCode(1)}`).set(late).expect(403)).body.error.code).to.equal('CLIENT_EXPIRED');
      clock.set(START);
      const revoked = await request(app).post(`/api/v1/clients/${c.clientId}/revoke`).set(op).expect(200);
      expect(revoked.body.status).to.equal('revoked');
      expect((await read().expect(403)).body.error.code).to.equal('CLIENT_REVOKED');
      const tok = await request(app).post('/open/v1/token').send({ clientId: c.clientId, clientSecret: c.clientSecret }).expect(403);
      expect(tok.body.error.code).to.equal('CLIENT_REVOKED');
      expect((await request(app).post(`/api/v1/clients/${c.clientId}/resume`).set(op).expect(409)).body.error.code).to.equal('CONFLICT');
      expect((await openAudit(node.ctx, c.clientId)).map((a) => a.outcome)).to.deep.equal(['ok', 'CLIENT_SUSPENDED', 'ok', 'CLIENT_EXPIRED', 'CLIENT_REVOKED']);
      const changes = await node.ctx.store.knex('audit_log').where({ action: 'client_status', target: c.clientId }).orderBy('seq').select('detail');
      expect(changes.map((r: { detail: string }) => (JSON.parse(r.detail) as { op: string }).op)).to.deep.equal(['suspend', 'resume', 'revoke']);
      const tokens = await node.ctx.store.knex('audit_log').where({ action: 'open_token', target: c.clientId }).orderBy('seq').select('detail');
      expect(tokens.map((r: { detail: string }) => (JSON.parse(r.detail) as { outcome: string }).outcome)).to.deep.equal(['ok', 'ok', 'CLIENT_REVOKED']);
    });

    it('answers a natural person only with the person\'s authorisation, the number masked', async () => {
      const c = await register(app, op, { datasets: ['administrative_penalty'], persons: true });
      const url = `/open/v1/subjects/${PERSON}`;
      const refused = await request(app).get(url).set(c.auth).expect(403);
      expect(refused.body.error.code).to.equal('AUTHORISATION_REQUIRED');
      expect(JSON.stringify(refused.body)).not.to.include(PERSON);

      const auth = await request(app).post(`/api/v1/clients/${c.clientId}/authorisations`).set(op)
        .send({ subject: PERSON, datasets: ['administrative_penalty'], expires: '2026-06-30', reference: 'SQ-2026-0001' }).expect(201);
      expect(auth.body.authorisationId).to.match(/^au_[0-9a-f]{20}$/);
      expect(auth.body.subject).to.deep.equal({ type: 'natural_person', code: `${PERSON.slice(0, 6)}********${PERSON.slice(14)}` });
      const stored = await node.ctx.store.knex('open_authorisations').where({ id: auth.body.authorisationId }).first();
      expect(JSON.stringify(stored)).not.to.include(PERSON);
      expect(stored.subject_key).to.equal(node.ctx.vault.hash(PERSON));

      const ok = await request(app).get(url).set({ ...c.auth, 'X-Authorisation': auth.body.authorisationId }).expect(200);
      expect(ok.body.subject).to.deep.include({ type: 'natural_person', code: `${PERSON.slice(0, 6)}********${PERSON.slice(14)}`, name: '张某某' });
      expect(ok.body.records.map((r: { id: string }) => r.id)).to.deep.equal([ids['person']]);
      expect(JSON.stringify(ok.body)).not.to.include(PERSON);

      // Someone else's authorisation, and an expired one, do not open this person.
      const other = await request(app).post(`/api/v1/clients/${c.clientId}/authorisations`).set(op)
        .send({ subject: companyCode(2), datasets: 'administrative_penalty', expires: '2026-12-31' }).expect(201);
      expect((await request(app).get(url).set({ ...c.auth, 'X-Authorisation': other.body.authorisationId }).expect(403)).body.error.code).to.equal('AUTHORISATION_REQUIRED');
      clock.set('2026-06-30T16:00:00.000Z');
      const later = await tokenFor(app, c.clientId, c.clientSecret);
      expect((await request(app).get(url).set({ ...later, 'X-Authorisation': auth.body.authorisationId }).expect(403)).body.error.message).to.include('2026-06-30');

      const audit = await openAudit(node.ctx, c.clientId);
      expect(audit.map((a) => a.outcome)).to.deep.equal(['AUTHORISATION_REQUIRED', 'ok', 'AUTHORISATION_REQUIRED', 'AUTHORISATION_REQUIRED']);
      expect(audit.every((a) => a.subject === node.ctx.vault.hash(PERSON))).to.equal(true);
      expect(audit[1]?.detail['authorisation']).to.equal(auth.body.authorisationId);
      const everything = JSON.stringify(await node.ctx.store.knex('audit_log').select('*'));
      expect(everything).not.to.include(PERSON);

      // A client not allowed persons is out of scope, and cannot be given a person's authorisation.
      clock.set(START);
      const d = await register(app, op, { datasets: ['administrative_penalty'] });
      expect((await request(app).get(url).set(d.auth).expect(403)).body.error.code).to.equal('OUT_OF_SCOPE');
      const bad = await request(app).post(`/api/v1/clients/${d.clientId}/authorisations`).set(op).send({ subject: PERSON, datasets: ['administrative_penalty'], expires: '2026-12-31' }).expect(400);
      expect(bad.body.error.details[0].path).to.equal('subject');
    });

    it('gives restricted (授权查询) records only with the subject\'s authorisation, shared (政务共享) never', async () => {
      const knex = node.ctx.store.knex;
      await knex('records').where({ id: ids['c2'] }).update({ publicity: 'restricted', publish_from: null, publish_until: null });
      try {
        const c = await register(app, op, { datasets: ['administrative_penalty'] });
        const url = `/open/v1/subjects/${companyCode(2)}`;
        expect((await request(app).get(url).set(c.auth).expect(200)).body.records).to.deep.equal([]);
        const a = await request(app).post(`/api/v1/clients/${c.clientId}/authorisations`).set(op).send({ subject: companyCode(2), datasets: ['administrative_penalty'], expires: '2026-12-31' }).expect(201);
        const ok = await request(app).get(url).set({ ...c.auth, 'X-Authorisation': a.body.authorisationId }).expect(200);
        expect(ok.body.records.map((r: { id: string; publicity: string }) => [r.id, r.publicity])).to.deep.equal([[ids['c2'], 'restricted']]);
        expect((await request(app).get(`/api/v1/clients/${c.clientId}/authorisations`).set(op).expect(200)).body.authorisations).to.have.length(1);

        await knex('records').where({ id: ids['c2'] }).update({ publicity: 'shared' });
        expect((await request(app).get(url).set({ ...c.auth, 'X-Authorisation': a.body.authorisationId }).expect(200)).body.records).to.deep.equal([]);
      } finally {
        await knex('records').where({ id: ids['c2'] }).update({ publicity: 'public', publish_from: '2026-03-02', publish_until: '2027-03-02' });
      }
    });

    it('refuses calls without a token, and bad codes without echoing them', async () => {
      const none = await request(app).get(`/open/v1/subjects/${companyCode(1)}`).expect(401);
      expect(none.body.error.code).to.equal('CLIENT_TOKEN_INVALID');
      const c = await register(app, op, { datasets: ['administrative_penalty'] });
      const bad = await request(app).get('/open/v1/subjects/370102198506121230').set(c.auth).expect(400);
      expect(JSON.stringify(bad.body)).not.to.include('370102198506121230');
      await request(app).get(`/open/v1/subjects/${companyCode(777)}`).set(c.auth).expect(404);
      expect((await openAudit(node.ctx, c.clientId)).map((a) => a.outcome)).to.deep.equal(['BAD_REQUEST', 'NOT_FOUND']);
    });
  });
}
