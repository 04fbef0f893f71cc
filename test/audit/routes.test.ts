import { expect } from 'chai';
import express, { type Express } from 'express';
import request from 'supertest';
import { pino } from 'pino';
import { parse } from 'csv-parse/sync';
import { backends, tempNode, fixedClock, type TempNode } from '../helpers/node.ts';
import { companyCode, personCode } from '../helpers/records.ts';
import { checkCode } from '../../node/identity/index.ts';
import { errorHandler } from '../../node/http/error-handler.ts';
import { BadRequest } from '../../node/errors.ts';
import { auditRoutes } from '../../node/audit/routes.ts';
import type { AuditEntry, AuditLog } from '../../node/audit/audit-log.ts';
import { auditOf, resetAudit } from './helpers.ts';

for (const backend of backends()) {
  describe(`GET /api/v1/audit on ${backend}`, function () {
    this.timeout(60_000);
    const clock = fixedClock('2026-04-01T00:00:00.000Z');
    let node: TempNode;
    let audit: AuditLog;
    let app: Express;
    const tokens: Record<string, string> = {};
    const company = companyCode(8);
    const person = personCode(3);
    let personKey: string;
    const officer = { id: 0, username: 'officer1', role: 'officer' };

    before(async () => {
      node = await tempNode({ backend, clock });
      personKey = node.ctx.vault.hash(person);
      for (const [username, role] of [['auditor1', 'auditor'], ['officer1', 'officer']] as const) {
        const u = await node.ctx.users.add({ username, role, password: `${username}-pass`, ...(role === 'officer' ? { regions: ['3701'] } : {}) });
        if (role === 'officer') officer.id = u.id;
      }
      await resetAudit(node);
      audit = auditOf(node);
      const subjectKeyOf = (code: string) => {
        const c = checkCode(code);
        if (!c.valid) throw new BadRequest(`代码不正确：${code}`);
        return c.kind === 'resident_id' ? node.ctx.vault.hash(c.code) : c.code;
      };
      app = express();
      app.use('/api/v1/audit', auditRoutes({ audit, users: node.ctx.users, subjectKeyOf }));
      app.use(errorHandler(pino({ level: 'silent' })));
      // April 1st: old queries; May 20th onwards: within "the last 30 days" of June 1st.
      await audit.record({ action: 'query', user: officer, subject: company, count: 2, purpose: '旧的查询' });
      clock.set('2026-05-20T00:00:00.000Z');
      await audit.record({ action: 'query', user: officer, subject: company, count: 3, purpose: '行政许可审查' });
      await audit.record({ action: 'export', user: officer, subject: company, count: 3 });
      await audit.record({ action: 'query', user: officer, subject: personKey, count: 1, purpose: '失信被执行人核查' });
      await audit.record({ action: 'query', user: officer, subject: companyCode(9), count: 1, purpose: '=cmd|"/c calc"!A1' });
      clock.set('2026-06-01T02:00:00.000Z');
      for (const u of ['auditor1', 'officer1']) tokens[u] = (await node.ctx.users.signIn(u, `${u}-pass`)).token;
    });
    after(async () => { await node?.cleanup(); });

    const auth = (u: string) => ({ Authorization: `Bearer ${tokens[u]}` });
    const get = (query: string, u = 'auditor1') => request(app).get(`/api/v1/audit${query}`).set(auth(u));
    const lastRead = async () => (await audit.query({ action: 'audit_read' }, { limit: 1 })).entries[0] as AuditEntry;

    it('401 without a token, 403 for an officer', async () => {
      await request(app).get('/api/v1/audit').expect(401);
      const res = await get('', 'officer1').expect(403);
      expect(res.body.error.code).to.equal('FORBIDDEN');
    });

    it('who looked at this company in the last 30 days: ?subject=<USCC>&action=query&since=30d, and the read is audited', async () => {
      const res = await get(`?subject=${company}&action=query&since=30d`).expect(200);
      const entries = res.body.entries as AuditEntry[];
      expect(entries.map((e) => [e.username, e.purpose, e.count])).to.deep.equal([['officer1', '行政许可审查', 3]]);
      expect(res.body.next).to.equal(null);
      const read = await lastRead();
      expect(read).to.deep.include({ action: 'audit_read', username: 'auditor1', role: 'auditor', subject: company, count: 1 });
      expect(read.detail).to.deep.include({ format: 'json' });
      expect((read.detail['filter'] as { action: string[] }).action).to.deep.equal(['query']);
    });

    it('a resident ID number as subject finds the person by keyed hash, and the number is written nowhere', async () => {
      const res = await get(`?subject=${person}`).expect(200);
      expect((res.body.entries as AuditEntry[]).map((e) => e.purpose)).to.deep.equal(['失信被执行人核查']);
      const read = await lastRead();
      expect(read.subject).to.equal(personKey);
      const all = JSON.stringify((await audit.query({}, { limit: 500 })).entries);
      expect(all).not.to.include(person);
    });

    it('user, several actions, until, before and limit', async () => {
      const res = await get('?user=officer1&action=query,export&since=2026-05-20&limit=2').expect(200);
      expect((res.body.entries as AuditEntry[]).map((e) => e.action)).to.deep.equal(['query', 'query']);
      const next = res.body.next as number;
      expect(next).to.be.a('number');
      const page2 = await get(`?user=officer1&action=query,export&since=2026-05-20&limit=2&before=${next}`).expect(200);
      expect((page2.body.entries as AuditEntry[]).map((e) => e.action)).to.deep.equal(['export', 'query']);
      const old = await get('?until=2026-04-01').expect(200);
      expect((old.body.entries as AuditEntry[]).map((e) => e.purpose)).to.deep.equal(['旧的查询']);
      expect(await lastRead()).to.deep.include({ count: 1 });
    });

    it('bad parameters are 400 naming the parameter in Chinese', async () => {
      const cases: Array<[string, string]> = [
        ['?action=query,peek', 'action'], ['?limit=501', 'limit'], ['?limit=0', 'limit'], ['?before=abc', 'before'],
        ['?since=yesterday', 'since'], ['?until=2026-02-30', 'until'], ['?subject=123', 'subject'], ['?format=xml', 'format'],
        ['?user=%E5%BC%A0', 'user'], ['?subjct=x', 'subjct'], ['?action=query&action=export', 'action'],
      ];
      for (const [q, param] of cases) {
        const res = await get(q).expect(400);
        expect(res.body.error.code, q).to.equal('BAD_REQUEST');
        expect(res.body.error.details[0].path, q).to.equal(param);
        expect(res.body.error.message, q).to.match(/[\u4e00-\u9fa5]/);
      }
      const badId = `${person.slice(0, 17)}${person.endsWith('0') ? '1' : '0'}`;
      const res = await get(`?subject=${badId}`).expect(400);
      expect(JSON.stringify(res.body)).not.to.include(badId);
    });

    it('format=csv (or Accept: text/csv) downloads the filtered set as CSV, and the read is audited with its row count', async () => {
      const res = await get(`?subject=${company}&action=query,export&format=csv`).expect(200);
      expect(res.headers['content-type']).to.match(/^text\/csv/);
      expect(res.headers['content-disposition']).to.equal('attachment; filename="audit-2026-06-01.csv"');
      const rows = parse(res.text, { bom: true }) as string[][];
      expect(rows[0]?.[0]).to.equal('序号(seq)');
      expect(rows.slice(1).map((r) => r[6])).to.deep.equal(['export', 'query', 'query']);
      expect(await lastRead()).to.deep.include({ action: 'audit_read', count: 3, subject: company });
      expect((await lastRead()).detail).to.deep.include({ format: 'csv', complete: true });

      const viaAccept = await get('?action=query').set('Accept', 'text/csv').expect(200);
      const body = parse(viaAccept.text, { bom: true }) as string[][];
      const purposeCol = (body[0] as string[]).indexOf('查询事由(purpose)');
      expect(body.slice(1).map((r) => r[purposeCol])).to.include('\'=cmd|"/c calc"!A1');
      expect(await lastRead()).to.deep.include({ count: 4 });
    });
  });
}
