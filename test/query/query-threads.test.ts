import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import type { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { tempNode, fixedClock, type TempNode } from '../helpers/node.ts';
import { penalty, companyCode, personCode, QINGDAO_MARKET, JINAN_MARKET } from '../helpers/records.ts';
import { createApp } from '../../node/app.ts';
import { reportAsk, subjectReport } from '../../node/query/subject-report.ts';
import { QueryThreads } from '../../node/query/query-threads.ts';
import { isCreditNodeError } from '../../node/errors.ts';
import { searchSubjects } from '../../node/query/search.ts';
import type { Principal } from '../../node/access/roles.ts';
import { nodeSectors, originNames, type DirectoryEntry } from '../../node/exchange/directory.ts';

const JN = companyCode(11, '370102');
const QD = companyCode(12, '370202');
const PERSON = personCode(17);

describe('subject reports and searches on query threads (SQLite)', function () {
  this.timeout(60_000);
  let node: TempNode;
  let app: Express;
  const tokens: Record<string, string> = {};
  const principals: Record<string, Principal> = {};
  const users = [
    { username: 'jn-officer', role: 'officer', regions: ['3701'], sectors: ['market'] },
    { username: 'qd-officer', role: 'officer', regions: ['3702'] },
    { username: 'jn-clerk', role: 'clerk', sourceUnit: JINAN_MARKET.code },
    { username: 'auditor1', role: 'auditor' },
  ];

  before(async () => {
    node = await tempNode({ clock: fixedClock('2026-06-01T02:00:00Z') });
    expect(node.ctx.queryThreads, 'a SQLite node has query threads by default').to.not.equal(undefined);
    app = createApp(node.ctx);
    await node.ctx.records.ingest([
      penalty(1, { subject: { type: 'legal_person', code: JN, name: '济南线程测试有限公司' } }),
      penalty(2, { externalId: '济市监罚〔2026〕2号', subject: { type: 'legal_person', code: JN, name: '济南线程测试有限公司' } }),
      penalty(3, { externalId: '青市监罚〔2026〕3号', subject: { type: 'legal_person', code: QD, name: '青岛线程测试有限公司' }, sourceUnit: QINGDAO_MARKET }),
      { ...penalty(4), subject: { type: 'natural_person', code: PERSON, name: '李某某' } },
    ]);
    for (const u of users) {
      await node.ctx.users.add({ ...u, password: 'secret-pass-1' });
      tokens[u.username] = (await request(app).post('/api/v1/auth/token').send({ username: u.username, password: 'secret-pass-1' }).expect(200)).body.token as string;
      principals[u.username] = await node.ctx.users.authenticate(tokens[u.username] as string);
    }
  });
  after(async () => { await node?.cleanup(); });

  const get = (user: string, url: string) => request(app).get(url).set('Authorization', `Bearer ${tokens[user]}`);
  /** The report as the node's own thread builds it (what the route did before threads), as JSON. */
  const inProcess = async (user: string, code: string, purpose?: string) => {
    const deps = { records: node.ctx.records, vault: node.ctx.vault, nodeNames: node.ctx.nodeNames };
    try {
      return { status: 200, body: JSON.parse(JSON.stringify(await subjectReport(deps, code, principals[user] as Principal, purpose ? { purpose } : {}))) as unknown };
    } catch (err) {
      if (!isCreditNodeError(err)) throw err;
      return { status: err.status, code: err.code };
    }
  };

  it('answers every caller exactly what the node\'s own thread builds: scope, masking, purpose, errors', async () => {
    const cases: Array<[string, string, string?]> = [
      ['jn-officer', JN], ['jn-officer', QD], ['qd-officer', JN], ['qd-officer', QD], ['jn-clerk', JN], ['jn-clerk', QD],
      ['jn-officer', PERSON, '行政执法核查'], ['jn-officer', PERSON], ['auditor1', JN], ['jn-officer', companyCode(99, '370102')],
    ];
    for (const [user, code, purpose] of cases) {
      const url = `/api/v1/subjects/${code}${purpose ? `?purpose=${encodeURIComponent(purpose)}` : ''}`;
      const res = await get(user, url);
      const want = await inProcess(user, code, purpose);
      expect(res.status, `${user} ${url}`).to.equal(want.status);
      if (want.status === 200) {
        expect(res.body, `${user} ${url}`).to.deep.equal(want.body);
        expect(res.headers['content-type']).to.equal('application/json; charset=utf-8');
      } else {
        expect(res.body.error.code, `${user} ${url}`).to.equal(want.code);
      }
    }
    // The matrix is not empty: the clerk sees only its unit's records, the Qingdao officer none of Jinan's restricted ones.
    expect((await get('jn-clerk', `/api/v1/subjects/${JN}`).expect(200)).body.records).to.have.length(2);
    expect((await get('jn-clerk', `/api/v1/subjects/${QD}`).expect(200)).body.records).to.have.length(0);
    const person = await get('jn-officer', `/api/v1/subjects/${PERSON}?purpose=${encodeURIComponent('行政执法核查')}`).expect(200);
    expect(JSON.stringify(person.body)).to.not.include(PERSON);
  });

  it('searches on the thread exactly as the node\'s own thread does: fragments, codes, persons by number, bad queries', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['jn-officer', { q: '线程测试' }], ['jn-officer', { q: '测试有限', limit: '1', page: '2' }], ['jn-officer', { q: JN }],
      ['jn-officer', { q: JN.slice(0, 8) }], ['jn-officer', { q: PERSON, purpose: '行政执法核查' }], ['jn-officer', { q: PERSON }],
      ['jn-officer', { q: '' }], ['jn-officer', { q: '线程', limit: '0' }], ['qd-officer', { q: '青岛' }],
    ];
    for (const [user, query] of cases) {
      const res = await get(user, '/api/v1/subjects').query(query);
      const purpose = query['purpose'] ?? null;
      let want: { status: number; body?: unknown; code?: string };
      try {
        const result = await searchSubjects(node.ctx.store.knex, query['q'], {
          includeNaturalPersons: purpose !== null, subjectKeyOf: (c) => node.ctx.vault.hash(c),
          ...(query['limit'] ? { limit: Number(query['limit']) } : {}), ...(query['page'] ? { page: Number(query['page']) } : {}),
        });
        want = { status: 200, body: JSON.parse(JSON.stringify(result)) as unknown };
      } catch (err) {
        if (!isCreditNodeError(err)) throw err;
        want = { status: err.status, code: err.code };
      }
      expect(res.status, JSON.stringify(query)).to.equal(want.status);
      if (want.status === 200) expect(res.body, JSON.stringify(query)).to.deep.equal(want.body);
      else expect(res.body.error.code, JSON.stringify(query)).to.equal(want.code);
    }
    // Not empty: the fragment finds both companies, the number with a purpose finds the person, masked.
    expect((await get('jn-officer', '/api/v1/subjects').query({ q: '线程测试' }).expect(200)).body.items).to.have.length(2);
    const person = await get('jn-officer', '/api/v1/subjects').query({ q: PERSON, purpose: '行政执法核查' }).expect(200);
    expect(person.body.items).to.have.length(1);
    expect(JSON.stringify(person.body)).to.not.include(PERSON);
    await node.ctx.audit.flush();
    const { entries } = await node.ctx.audit.query({ action: 'search' }, { limit: 1 });
    expect(entries[0]).to.deep.include({ username: 'jn-officer', count: 1 });
    expect(entries[0]?.target).to.not.include(PERSON.slice(6, 14));
  });

  it('sees what the node committed after the thread started, and audits each report with its count', async () => {
    const before = (await get('jn-officer', `/api/v1/subjects/${JN}`).expect(200)).body.records.length as number;
    await node.ctx.records.ingest([penalty(5, { externalId: '济市监罚〔2026〕5号', subject: { type: 'legal_person', code: JN, name: '济南线程测试有限公司' } })]);
    const after = (await get('jn-officer', `/api/v1/subjects/${JN}`).expect(200)).body.records.length as number;
    expect(after).to.equal(before + 1);
    await node.ctx.audit.flush();
    const { entries } = await node.ctx.audit.query({ subject: JN, action: 'query' }, { limit: 1 });
    expect(entries[0]).to.deep.include({ username: 'jn-officer', count: after });
  });

  describe('the thread pool', () => {
    const entry = (name: string): DirectoryEntry => ({ id: 'test-node', role: 'province', name, region: '370000', sector: null, parent: null, publicKey: '', fingerprint: '', status: 'active', updatedAt: '2026-06-01T00:00:00Z' });
    let pool: QueryThreads;
    let directory: DirectoryEntry[] = [];
    beforeEach(() => {
      const store = node.ctx.config.store;
      if (store.client !== 'sqlite') throw new Error('SQLite only');
      pool = new QueryThreads({ file: store.file, busyTimeoutMs: store.busyTimeoutMs, dataKey: node.ctx.dataKey, threads: 1, directory: async () => directory, describe: (entries) => ({ names: originNames({ id: 'test-node', name: '本节点' }, entries), sectors: nodeSectors(entries) }), log: pino({ level: 'silent' }) });
    });
    afterEach(async () => { await pool.close(); });
    const namesShown = async () => {
      const built = await pool.report(reportAsk(node.ctx.vault, JN, principals['jn-officer'] as Principal), principals['jn-officer'] as Principal);
      return [...new Set((JSON.parse(built?.json ?? '{}') as { records: Array<{ originName: string }> }).records.map((r) => r.originName))];
    };

    it('names origins from the directory the node holds, sent again whenever it changes', async () => {
      directory = [];
      expect(await namesShown()).to.deep.equal(['本节点']);
      directory = [entry('省级节点（改名前）')];
      expect(await namesShown()).to.deep.equal(['省级节点（改名前）']);
      directory = [entry('省级节点（改名后）')];
      expect(await namesShown()).to.deep.equal(['省级节点（改名后）']);
    });

    it('fails the reports a dead thread held, starts another for the next, and refuses reports once closed', async () => {
      directory = [];
      expect(await namesShown()).to.deep.equal(['本节点']);
      const running = (pool as unknown as { threads: Array<{ worker: Worker }> }).threads;
      expect(running).to.have.length(1);
      const held = pool.report(reportAsk(node.ctx.vault, JN, principals['jn-officer'] as Principal), principals['jn-officer'] as Principal);
      await running[0]?.worker.terminate();
      let failed: unknown;
      try { await held; } catch (err) { failed = err; }
      expect(String(failed)).to.match(/查询线程已退出/);
      expect(await namesShown()).to.deep.equal(['本节点']);
      await pool.close();
      let closed: unknown;
      try { await namesShown(); } catch (err) { closed = err; }
      expect(String(closed)).to.match(/已关闭/);
    });
  });
});
