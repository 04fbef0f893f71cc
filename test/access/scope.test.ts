import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { tempNode, fixedClock, type TempNode } from '../helpers/node.ts';
import { penalty, exampleData, companyCode, personCode, JINAN_MARKET, QINGDAO_MARKET } from '../helpers/records.ts';
import { makeUscc } from '../../node/identity/index.ts';
import { createApp } from '../../node/app.ts';

const JINAN_TAX = { code: makeUscc('1', '1', '370100', '00430021'), name: '国家税务总局济南市税务局' };
const QINGDAO_TAX = { code: makeUscc('1', '1', '370200', '00430022'), name: '国家税务总局青岛市税务局' };
const JN = companyCode(1, '370102');
const QD = companyCode(2, '370202');
const PERSON = personCode(7);

/** A tax credit rating below A: shared among government (政务共享), not public. */
const rating = (n: number, subject: string, name: string, unit: { code: string; name: string }) => ({
  category: 'tax_credit_rating', externalId: `纳税评价-${n}`, subject: { type: 'legal_person', code: subject, name }, sourceUnit: unit,
  decisionDate: '2026-04-01', data: { ...exampleData('tax_credit_rating'), grade: 'B' },
});

describe('access: scopes on every read and write, purpose and masking of natural persons', () => {
  let node: TempNode;
  let app: Express;
  const clock = fixedClock('2026-06-01T02:00:00Z');
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};
  const users = [
    { username: 'jn-tax-officer', role: 'officer', regions: ['3701'], sectors: ['tax'] },
    { username: 'qd-officer', role: 'officer', regions: ['3702'] },
    { username: 'province-admin', role: 'admin' },
    { username: 'night-operator', role: 'operator' },
    { username: 'jn-market-clerk', role: 'clerk', sourceUnit: JINAN_MARKET.code },
    { username: 'auditor1', role: 'auditor' },
  ];

  before(async () => {
    node = await tempNode({ clock });
    app = createApp(node.ctx);
    const created = await node.ctx.records.ingest([
      penalty(1, { subject: { type: 'legal_person', code: JN, name: '济南历下测试科技有限公司' } }),
      rating(2, JN, '济南历下测试科技有限公司', JINAN_TAX),
      penalty(3, { externalId: '青市监罚〔2026〕3号', subject: { type: 'legal_person', code: QD, name: '青岛市南测试贸易有限公司' }, sourceUnit: QINGDAO_MARKET }),
      rating(4, QD, '青岛市南测试贸易有限公司', QINGDAO_TAX),
      { ...penalty(5), subject: { type: 'natural_person', code: PERSON, name: '张某某' } },
    ]);
    expect(created.map((r) => r.status)).to.deep.equal(['created', 'created', 'created', 'created', 'created']);
    ['jnPenalty', 'jnRating', 'qdPenalty', 'qdRating', 'person'].forEach((k, i) => { ids[k] = String(created[i]?.id); });
    for (const u of users) {
      await node.ctx.users.add({ ...u, password: 'secret-pass-1' });
      tokens[u.username] = (await request(app).post('/api/v1/auth/token').send({ username: u.username, password: 'secret-pass-1' }).expect(200)).body.token as string;
    }
  });
  after(async () => { await node.cleanup(); });

  const get = (user: string, url: string) => request(app).get(url).set('Authorization', `Bearer ${tokens[user]}`);
  const reportIds = async (user: string, code: string) => {
    const res = await get(user, `/api/v1/subjects/${code}`).expect(200);
    return (res.body.records as Array<{ id: string }>).map((r) => r.id).sort();
  };

  // Read matrix: each role, a record in scope and one out of scope.
  const readMatrix: Array<[string, string, number]> = [
    ['jn-tax-officer', 'jnRating', 200], ['jn-tax-officer', 'qdRating', 403], ['jn-tax-officer', 'qdPenalty', 200],
    ['qd-officer', 'qdRating', 200], ['qd-officer', 'jnRating', 403],
    ['province-admin', 'qdRating', 200], ['night-operator', 'jnRating', 200],
    ['jn-market-clerk', 'jnPenalty', 200], ['jn-market-clerk', 'qdPenalty', 403], ['jn-market-clerk', 'jnRating', 403],
    ['auditor1', 'jnPenalty', 403], ['auditor1', 'qdPenalty', 403],
  ];
  for (const [user, record, status] of readMatrix) {
    it(`read: ${user} → ${record} is ${status}`, async () => {
      const res = await get(user, `/api/v1/records/${ids[record]}`).expect(status);
      if (status === 403) expect(res.body.error.code).to.equal('FORBIDDEN');
      else expect(res.body.id).to.equal(ids[record]);
    });
  }

  it('the subject report shows only the records within scope: Jinan officer sees Jinan shared ratings, never Qingdao\'s', async () => {
    expect(await reportIds('jn-tax-officer', JN)).to.deep.equal([ids['jnPenalty'], ids['jnRating']].sort());
    expect(await reportIds('jn-tax-officer', QD)).to.deep.equal([ids['qdPenalty']]);
    expect(await reportIds('qd-officer', QD)).to.deep.equal([ids['qdPenalty'], ids['qdRating']].sort());
    expect(await reportIds('qd-officer', JN)).to.deep.equal([ids['jnPenalty']]);
    expect(await reportIds('province-admin', QD)).to.have.length(2);
    expect(await reportIds('jn-market-clerk', JN)).to.deep.equal([ids['jnPenalty']]);
    expect((await get('auditor1', `/api/v1/subjects/${JN}`).expect(403)).body.error.code).to.equal('FORBIDDEN');
  });

  it('the report groups records in the sections of a credit report, each with source unit, origin and history', async () => {
    const res = await get('province-admin', `/api/v1/subjects/${JN}`).expect(200);
    const sections = res.body.sections as Array<{ key: string; title: string; records: string[] }>;
    expect(sections.map((s) => s.title)).to.deep.equal(['登记注册基础信息', '行政管理信息', '诚实守信相关荣誉信息', '严重失信主体名单信息', '经营（活动）异常名录', '信用承诺信息', '信用评价信息', '司法判决及执行信息', '其他信息']);
    expect(sections.find((s) => s.key === 'administrative')?.records).to.deep.equal([ids['jnPenalty']]);
    expect(sections.find((s) => s.key === 'evaluation')?.records).to.deep.equal([ids['jnRating']]);
    const rec = (res.body.records as Array<Record<string, unknown>>).find((r) => r['id'] === ids['jnPenalty']) as Record<string, unknown>;
    expect(rec).to.deep.include({ origin: 'test-node', originName: '测试节点', status: 'active' });
    expect(rec['sourceUnit']).to.deep.equal(JINAN_MARKET);
    expect(rec['history']).to.have.length(1);
  });

  // Write matrix: each role, for a source unit in scope and one out of scope.
  const writeMatrix: Array<[string, { code: string; name: string }, number]> = [
    ['jn-market-clerk', JINAN_MARKET, 201], ['jn-market-clerk', QINGDAO_MARKET, 403],
    ['jn-tax-officer', JINAN_MARKET, 403], ['province-admin', JINAN_MARKET, 403], ['night-operator', JINAN_MARKET, 403], ['auditor1', JINAN_MARKET, 403],
  ];
  writeMatrix.forEach(([user, unit, status], i) => {
    it(`write: ${user} for ${unit.name} is ${status}`, async () => {
      const res = await request(app).post('/api/v1/records').set('Authorization', `Bearer ${tokens[user]}`)
        .send(penalty(100 + i, { sourceUnit: unit, externalId: `写入测试〔2026〕${i}号` })).expect(status);
      if (status === 403) expect(res.body.error.code).to.equal('FORBIDDEN');
    });
  });

  it('a natural person needs a stated purpose; the number is masked in every answer unless an officer reveals it', async () => {
    const masked = `${PERSON.slice(0, 6)}********${PERSON.slice(14)}`;
    const noPurpose = await get('province-admin', `/api/v1/subjects/${PERSON}`).expect(400);
    expect(noPurpose.body.error.code).to.equal('PURPOSE_REQUIRED');
    expect(noPurpose.body.error.details[0].path).to.equal('purpose');
    expect((await get('province-admin', `/api/v1/records/${ids['person']}`).expect(400)).body.error.code).to.equal('PURPOSE_REQUIRED');
    const purpose = encodeURIComponent('行政执法核查');
    const shapes = [
      await get('province-admin', `/api/v1/subjects/${PERSON}?purpose=${purpose}`).expect(200),
      await get('jn-tax-officer', `/api/v1/subjects/${PERSON}?purpose=${purpose}`).expect(200),
      await get('province-admin', `/api/v1/records/${ids['person']}?purpose=${purpose}`).expect(200),
    ];
    for (const res of shapes) {
      expect(res.text).not.to.include(PERSON);
      expect(res.text).to.include(masked);
    }
    expect(shapes[0]?.body.purpose).to.equal('行政执法核查');
    // An admin may not reveal; an officer with a purpose may, and gets the full number.
    expect((await get('province-admin', `/api/v1/subjects/${PERSON}?purpose=${purpose}&reveal=1`).expect(403)).body.error.code).to.equal('FORBIDDEN');
    const revealed = await get('jn-tax-officer', `/api/v1/subjects/${PERSON}?purpose=${purpose}&reveal=1`).expect(200);
    expect(revealed.body.subject).to.deep.include({ code: PERSON, codeRevealed: true });
    // Records inside still carry only the masked number.
    expect(JSON.stringify(revealed.body.records)).not.to.include(PERSON);
  });

  it('searches subjects by a middle fragment of a name through the node\'s API, and audits the search', async () => {
    const res = await get('jn-tax-officer', `/api/v1/subjects?q=${encodeURIComponent('历下测试')}`).expect(200);
    expect((res.body.items as Array<{ code: string }>).map((i) => i.code)).to.deep.equal([JN]);
    // Natural persons only with a purpose, and never with their full number.
    const people = await get('jn-tax-officer', `/api/v1/subjects?q=${encodeURIComponent('张某某')}&purpose=${encodeURIComponent('行政执法核查')}`).expect(200);
    expect(people.text).not.to.include(PERSON);
    expect(people.body.items).to.have.length(1);
    const { entries } = await node.ctx.audit.query({ action: ['search'] });
    expect(entries.map((e) => e.username)).to.include('jn-tax-officer');
  });

  it('signing out revokes every token of the user at once', async () => {
    await node.ctx.users.add({ username: 'leaving-officer', role: 'officer', password: 'secret-pass-1' });
    const t1 = (await request(app).post('/api/v1/auth/token').send({ username: 'leaving-officer', password: 'secret-pass-1' }).expect(200)).body.token as string;
    await request(app).get(`/api/v1/subjects/${JN}`).set('Authorization', `Bearer ${t1}`).expect(200);
    await request(app).post('/api/v1/auth/logout').set('Authorization', `Bearer ${t1}`).expect(200);
    const after = await request(app).get(`/api/v1/subjects/${JN}`).set('Authorization', `Bearer ${t1}`).expect(401);
    expect(after.body.error.message).to.include('已被注销');
    clock.set('2026-06-01T02:00:01Z');
    const t2 = (await request(app).post('/api/v1/auth/token').send({ username: 'leaving-officer', password: 'secret-pass-1' }).expect(200)).body.token as string;
    await request(app).get(`/api/v1/subjects/${JN}`).set('Authorization', `Bearer ${t2}`).expect(200);
  });
});
