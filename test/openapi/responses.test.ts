import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../node/app.ts';
import { ArticleService } from '../../node/portal/articles.ts';
import { backends, fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { companyCode, penalty } from '../helpers/records.ts';
import { seedPortal, type PortalSeed } from '../portal/seed.ts';
import { DocumentedApi } from './conformance.ts';

const claimant = { name: '张经理', phone: '0531-88886666' };
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

/**
 * Real answers of the node's public API, each checked against the OpenAPI document: the status is one the
 * document lists for the operation, and the body validates against the schema it names for that status.
 */
for (const backend of backends()) {
  describe(`public API answers match the OpenAPI document on ${backend}`, function () {
    this.timeout(120_000);
    const clock = fixedClock('2026-06-01T02:00:00.000Z');
    const api = new DocumentedApi();
    let node: TempNode;
    let seed: PortalSeed;
    let app: Express;
    let articleId: number;
    /** A minor penalty of another company, public today and open to repair at once. */
    let repairable: string;
    const tickets: Record<string, string> = {};

    before(async () => {
      node = await tempNode({ backend, clock });
      seed = await seedPortal(node.ctx);
      const articles = new ArticleService({ db: node.ctx.store.knex, clock });
      articleId = (await articles.add({ kind: 'news', title: '济南市开展信用修复专项行动', body: '为帮助企业重塑信用，**全市**开展专项行动。\n\n- 线上申请' }, 'test')).id;
      await articles.add({ kind: 'policy', title: '山东省公共信用信息管理办法', body: '第一条 为了规范公共信用信息管理……' }, 'test');
      const [rec] = await node.ctx.records.ingest([penalty(7901, { severity: 'minor', subject: { type: 'legal_person', code: companyCode(7901), name: '济南修复测试有限公司' } })]);
      repairable = rec?.id as string;
      await node.ctx.store.knex('records').where({ id: repairable }).update({ status: 'active', publicity: 'public', publish_from: '2026-03-02', publish_until: '2026-09-02' });
      app = createApp(node.ctx);
    });
    after(async () => { await node.cleanup(); });

    const get = async (url: string, template: string, status: number) => {
      const res = await request(app).get(url);
      expect(res.status, `GET ${url}: ${res.text.slice(0, 300)}`).to.equal(status);
      api.expectDocumented(res, 'get', template);
      return res;
    };
    const post = async (url: string, body: object, status: number) => {
      const res = await request(app).post(url).send(body);
      expect(res.status, `POST ${url}: ${res.text.slice(0, 300)}`).to.equal(status);
      api.expectDocumented(res, 'post', url);
      return res;
    };

    it('subjects: search, a page, and the errors', async () => {
      const found = await get(`/public/v1/subjects?q=${encodeURIComponent('鲁信泉')}`, '/public/v1/subjects', 200);
      expect(found.body.items).to.have.length(1);
      await get(`/public/v1/subjects?q=${seed.qingdao.code}&scope=province`, '/public/v1/subjects', 200);
      await get('/public/v1/subjects', '/public/v1/subjects', 400);
      const page = await get(`/public/v1/subjects/${seed.food.code}`, '/public/v1/subjects/{code}', 200);
      expect(page.body.sections.flatMap((s: { records: unknown[] }) => s.records)).to.have.length(5);
      await get(`/public/v1/subjects/${companyCode(7999)}`, '/public/v1/subjects/{code}', 404);
      await get(`/public/v1/subjects/${seed.persons[0]?.idNumber}`, '/public/v1/subjects/{code}', 404);
      const cached = await request(app).get(`/public/v1/subjects/${seed.food.code}`).set('If-None-Match', String(page.headers['etag'])).expect(304);
      api.expectDocumented(cached, 'get', '/public/v1/subjects/{code}');
    });

    it('articles, statistics and the site', async () => {
      const list = await get('/public/v1/articles?kind=news&limit=5', '/public/v1/articles', 200);
      expect(list.body.items).to.have.length(1);
      await get('/public/v1/articles', '/public/v1/articles', 200);
      await get('/public/v1/articles?kind=gossip', '/public/v1/articles', 400);
      await get(`/public/v1/articles/${articleId}`, '/public/v1/articles/{id}', 200);
      await get('/public/v1/articles/99999', '/public/v1/articles/{id}', 404);
      const stats = await get('/public/v1/statistics', '/public/v1/statistics', 200);
      expect(stats.body.total).to.be.greaterThan(0);
      await get('/public/v1/site', '/public/v1/site', 200);
    });

    it('credit report verification: valid, with its digest, unknown, and without a code', async () => {
      const issued = await node.ctx.reports.issue(seed.food.code);
      const template = '/public/v1/reports/{number}';
      const ok = await get(`/public/v1/reports/${issued.number}?code=${issued.verificationCode}`, template, 200);
      expect(ok.body).to.include({ valid: true, number: issued.number });
      const digest = await get(`/public/v1/reports/${issued.number}?code=${issued.verificationCode}&digest=${issued.digest}`, template, 200);
      expect(digest.body.matches).to.equal(true);
      const wrong = await get(`/public/v1/reports/${issued.number}?code=WRONG`, template, 200);
      expect(wrong.body.valid).to.equal(false);
      await get(`/public/v1/reports/${issued.number}`, template, 400);
    });

    it('objections: JSON and multipart filed, a bad body refused naming its fields, a second one a conflict', async () => {
      const filed = await post('/public/v1/objections', { recordId: seed.visible.penalty, subjectCode: seed.food.code, reason: 'wrong', description: '处罚决定书载明的罚款金额与公示的金额不一致。', claimant }, 201);
      tickets['objection'] = filed.body.ticket;
      const bad = await post('/public/v1/objections', { recordId: seed.visible.penalty, reason: 'because', description: '太短', claimant: { name: '张' } }, 400);
      expect(bad.body.error.details.map((d: { path: string }) => d.path)).to.include.members(['reason', 'description', 'claimant.phone']);
      await post('/public/v1/objections', { recordId: seed.visible.penalty, reason: 'missing', description: '另一项异议，内容遗漏了整改情况。', claimant }, 409);
      await post('/public/v1/objections', { recordId: seed.hidden.shared, reason: 'wrong', description: '该记录不应当向社会公开。', claimant }, 400);
      const form = await request(app).post('/public/v1/objections')
        .field('recordId', seed.visible.license).field('reason', 'inconsistent').field('description', '许可有效期与许可决定书不一致。')
        .field('claimantName', claimant.name).field('claimantPhone', claimant.phone)
        .attach('evidenceFiles', PDF, { filename: '许可决定书.pdf', contentType: 'application/pdf' });
      expect(form.status, form.text).to.equal(201);
      api.expectDocumented(form, 'post', '/public/v1/objections');
    });

    it('complaints and repairs: filed, and refused with the fields named', async () => {
      const complaint = await post('/public/v1/complaints', { subjectCode: seed.food.code, sector: 'market', description: '该企业销售过期食品，多次投诉未改正。', claimant }, 201);
      tickets['complaint'] = complaint.body.ticket;
      const bad = await post('/public/v1/complaints', { subjectCode: seed.food.code, sector: 'x', description: '短', claimant: { name: '', phone: 'abc' } }, 400);
      expect(bad.body.error.details.map((d: { path: string }) => d.path)).to.include.members(['sector', 'description', 'claimant.name', 'claimant.phone']);
      const repair = await post('/public/v1/repairs', { recordId: repairable, claimant, commitment: '本单位承诺今后依法经营，不再发生同类违法行为。', evidence: '罚款已于 2026 年 4 月 1 日缴清，整改已通过复查。' }, 201);
      tickets['repair'] = repair.body.ticket;
      const badRepair = await post('/public/v1/repairs', { recordId: repairable, claimant: { name: '王经理' } }, 400);
      expect(badRepair.body.error.details.map((d: { path: string }) => d.path)).to.include.members(['claimant.phone', 'commitment', 'evidence']);
    });

    it('tickets by number: each type, any type, a bad number and an unknown one', async () => {
      for (const type of ['objection', 'complaint', 'repair'] as const) {
        const number = tickets[type];
        expect(number, type).to.be.a('string');
        const seen = await get(`/public/v1/${type}s/${number}`, `/public/v1/${type}s/{ticket}`, 200);
        expect(seen.body).to.include({ ticket: number, type });
        expect(JSON.stringify(seen.body)).to.not.include(claimant.phone);
        await get(`/public/v1/tickets/${number}`, '/public/v1/tickets/{ticket}', 200);
      }
      await get(`/public/v1/complaints/${tickets['objection']}`, '/public/v1/complaints/{ticket}', 404);
      await get('/public/v1/tickets/nonsense', '/public/v1/tickets/{ticket}', 400);
      await get('/public/v1/repairs/XF2026060100000000', '/public/v1/repairs/{ticket}', 404);
    });
  });
}
