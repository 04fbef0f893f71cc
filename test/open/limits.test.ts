import { expect } from 'chai';
import request from 'supertest';
import { backends, fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { companyCode, penalty } from '../helpers/records.ts';
import { SchemaRegistry } from '../../node/records/schema-registry.ts';
import { maskText, narrowScope, parseGrants, scopeOf } from '../../node/open/grants.ts';
import { openApp, register, userAuth } from './app.ts';

describe('open grants', () => {
  const registry = SchemaRegistry.load();

  it('parses datasets and fields, merging both forms', () => {
    expect(parseGrants(registry, 'administrative_penalty,honor', 'administrative_penalty.fineAmount')).to.deep.equal([
      { dataset: 'administrative_penalty', fields: ['fineAmount'] }, { dataset: 'honor' },
    ]);
    expect(parseGrants(registry, [{ dataset: 'administrative_penalty', fields: ['fineAmount', 'penaltyTypes'] }])).to.deep.equal([
      { dataset: 'administrative_penalty', fields: ['fineAmount', 'penaltyTypes'] },
    ]);
    expect(() => parseGrants(registry, [])).to.throw('至少');
    expect(() => parseGrants(registry, 'honor', 'administrative_penalty.fineAmount')).to.throw('数据集.字段');
    expect(() => parseGrants(registry, 'administrative_penalty', 'administrative_penalty.idType')).to.throw('个人身份标识');
  });

  it('narrows a scope and refuses what lies outside it', () => {
    const granted = scopeOf([{ dataset: 'administrative_penalty', fields: ['fineAmount'] }, { dataset: 'honor' }]);
    expect([...narrowScope(registry, granted, 'honor', undefined).keys()]).to.deep.equal(['honor']);
    expect(() => narrowScope(registry, granted, 'registration', undefined)).to.throw('registration').with.property('code', 'OUT_OF_SCOPE');
    expect(() => narrowScope(registry, granted, undefined, 'administrative_penalty.penaltyContent')).to.throw().with.property('code', 'OUT_OF_SCOPE');
    expect(() => narrowScope(registry, granted, 'nothing', undefined)).to.throw().with.property('code', 'BAD_REQUEST');
  });

  it('masks ID and mobile numbers in free text', () => {
    expect(maskText('当事人张某（370102198506121234，电话13912345678）')).to.equal('当事人张某（370102********1234，电话139****5678）');
  });
});

for (const backend of backends()) {
  describe(`open limits on ${backend}`, () => {
    let node: TempNode;
    const clock = fixedClock('2026-06-01T02:00:00.000Z');

    before(async () => {
      node = await tempNode({ backend, clock });
      await node.ctx.records.ingest([penalty(1)]);
    });
    after(async () => { await node.cleanup(); });

    it('gives the last calls of a quota to concurrent callers exactly once', async () => {
      const { app } = openApp(node.ctx);
      const c = await register(app, await userAuth(node.ctx, 'op1'), { datasets: ['administrative_penalty'], monthlyQuota: 3 });
      const answers = await Promise.all(Array.from({ length: 6 }, () => request(app).get(`/open/v1/subjects/${companyCode(1)}`).set(c.auth)));
      expect(answers.filter((a) => a.status === 200)).to.have.length(3);
      expect(answers.filter((a) => a.status === 429).map((a) => a.body.error.code)).to.deep.equal(['QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED']);
      const calls = await node.ctx.store.knex('open_usage').where({ client_id: c.clientId, metric: 'calls' }).first();
      expect(Number(calls.n)).to.equal(3);
    });

    it('limits token requests per address', async () => {
      const { app } = openApp(node.ctx, { signInPerMinute: 2 });
      for (let i = 0; i < 2; i++) await request(app).post('/open/v1/token').send({ clientId: 'cl_0000000000000000', clientSecret: 'x' }).expect(401);
      const limited = await request(app).post('/open/v1/token').send({ clientId: 'cl_0000000000000000', clientSecret: 'x' }).expect(429);
      expect(limited.body.error.code).to.equal('RATE_LIMITED');
      const failed = await node.ctx.store.knex('audit_log').where({ action: 'open_token', target: 'cl_0000000000000000' }).count({ n: '*' }).first();
      expect(Number(failed?.n)).to.equal(2);
    });
  });
}
