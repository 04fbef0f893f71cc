import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { backends, fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { companyCode, penalty, personCode } from '../helpers/records.ts';
import { openApp, personPenalty, register, userAuth, type Auth } from '../open/app.ts';
import { DocumentedApi } from './conformance.ts';

/**
 * Real answers of the third-party API (/open/v1), each checked against the OpenAPI document: the status is one
 * the document lists for the operation, the body validates against the schema it names for that status.
 */
for (const backend of backends()) {
  describe(`third-party API answers match the OpenAPI document on ${backend}`, function () {
    this.timeout(120_000);
    const clock = fixedClock('2026-06-01T02:00:00.000Z');
    const api = new DocumentedApi();
    const PERSON = personCode(61);
    let node: TempNode;
    let app: Express;
    let op: Auth;

    before(async () => {
      node = await tempNode({ backend, clock });
      app = openApp(node.ctx).app;
      op = await userAuth(node.ctx, 'op-openapi');
      const results = await node.ctx.records.ingest([penalty(6101), penalty(6102), personPenalty(6103, PERSON)]);
      expect(results.map((r) => r.status)).to.deep.equal(['created', 'created', 'created']);
    });
    after(async () => { await node.cleanup(); });

    const check = (res: request.Response, method: 'get' | 'post', template: string, status: number) => {
      expect(res.status, `${method.toUpperCase()} ${template}: ${res.text.slice(0, 300)}`).to.equal(status);
      api.expectDocumented(res, method, template);
      return res;
    };

    it('POST /open/v1/token: a token, bad credentials, a malformed body, a revoked client', async () => {
      const c = await register(app, op, { datasets: ['administrative_penalty'] });
      const ok = check(await request(app).post('/open/v1/token').send({ clientId: c.clientId, clientSecret: c.clientSecret }), 'post', '/open/v1/token', 200);
      expect(ok.body.tokenType).to.equal('Bearer');
      check(await request(app).post('/open/v1/token').send({ clientId: c.clientId, clientSecret: 'x'.repeat(43) }), 'post', '/open/v1/token', 401);
      check(await request(app).post('/open/v1/token').send({ clientId: 5 }), 'post', '/open/v1/token', 400);
      await request(app).post(`/api/v1/clients/${c.clientId}/revoke`).set(op).expect(200);
      const revoked = check(await request(app).post('/open/v1/token').send({ clientId: c.clientId, clientSecret: c.clientSecret }), 'post', '/open/v1/token', 403);
      expect(revoked.body.error.code).to.equal('CLIENT_REVOKED');
    });

    it('GET /open/v1/subjects/{code}: an organisation, a person with authorisation, and each refusal', async () => {
      const template = '/open/v1/subjects/{code}';
      const c = await register(app, op, { datasets: ['administrative_penalty'], persons: true });
      const org = check(await request(app).get(`/open/v1/subjects/${companyCode(6101)}`).set(c.auth), 'get', template, 200);
      expect(org.body.records).to.have.length(1);
      const refused = check(await request(app).get(`/open/v1/subjects/${PERSON}`).set(c.auth), 'get', template, 403);
      expect(refused.body.error.code).to.equal('AUTHORISATION_REQUIRED');
      const a = await request(app).post(`/api/v1/clients/${c.clientId}/authorisations`).set(op)
        .send({ subject: PERSON, datasets: ['administrative_penalty'], expires: '2026-12-31' }).expect(201);
      const person = check(await request(app).get(`/open/v1/subjects/${PERSON}`).set({ ...c.auth, 'X-Authorisation': a.body.authorisationId }), 'get', template, 200);
      expect(person.body.subject.type).to.equal('natural_person');
      const scope = check(await request(app).get(`/open/v1/subjects/${companyCode(6101)}?datasets=tax_credit_rating`).set(c.auth), 'get', template, 403);
      expect(scope.body.error.code).to.equal('OUT_OF_SCOPE');
      check(await request(app).get('/open/v1/subjects/370102198506121230').set(c.auth), 'get', template, 400);
      check(await request(app).get(`/open/v1/subjects/${companyCode(6199)}`).set(c.auth), 'get', template, 404);
      const small = await register(app, op, { datasets: ['administrative_penalty'], monthlyQuota: 1 });
      check(await request(app).get(`/open/v1/subjects/${companyCode(6102)}`).set(small.auth), 'get', template, 200);
      const quota = check(await request(app).get(`/open/v1/subjects/${companyCode(6102)}`).set(small.auth), 'get', template, 429);
      expect(quota.body.error.code).to.equal('QUOTA_EXCEEDED');
      const none = check(await request(app).get(`/open/v1/subjects/${companyCode(6101)}`), 'get', template, 401);
      expect(none.body.error.code).to.equal('CLIENT_TOKEN_INVALID');
    });

    it('GET /open/v1/changes: pages with upserts and removals, and a bad cursor', async () => {
      const template = '/open/v1/changes';
      const c = await register(app, op, { datasets: ['administrative_penalty'] });
      const first = check(await request(app).get('/open/v1/changes?limit=2').set(c.auth), 'get', template, 200);
      expect(first.body.items).to.have.length(2);
      await node.ctx.records.ingest([penalty(6104)]);
      const rest = check(await request(app).get(`/open/v1/changes?since=${encodeURIComponent(first.body.next)}`).set(c.auth), 'get', template, 200);
      // The natural person's record goes to this client (no persons allowed) as a removal, the others as upserts.
      const ops = [...first.body.items, ...rest.body.items].map((i: { op: string }) => i.op);
      expect(ops).to.include('upsert').and.include('remove');
      check(await request(app).get('/open/v1/changes?since=not-a-cursor').set(c.auth), 'get', template, 400);
      check(await request(app).get('/open/v1/changes').set({ Authorization: 'Bearer nonsense' }), 'get', template, 401);
    });
  });
}
