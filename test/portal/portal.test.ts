import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { backends, fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { BadRequest } from '../../node/errors.ts';
import { ArticleService } from '../../node/portal/articles.ts';
import { ASSETS } from '../../node/portal/assets.ts';
import type { TicketSubmission } from '../../node/portal/tickets.ts';
import { portalApp } from './app.ts';
import { findLeaks, scanPortal } from './leak-scan.ts';
import { seedPortal, type PortalSeed } from './seed.ts';

for (const backend of backends()) {
  describe(`portal pages and app API on ${backend}`, () => {
    let node: TempNode;
    let seed: PortalSeed;
    let app: Express;
    const clock = fixedClock('2026-06-01T02:00:00.000Z');
    const filed: TicketSubmission[] = [];
    const forbidden = () => [
      ...Object.values(seed.hidden), ...seed.hiddenExternalIds,
      ...seed.persons.map((p) => p.name), ...seed.persons.map((p) => p.idNumber),
    ];

    before(async () => {
      node = await tempNode({ backend, clock });
      seed = await seedPortal(node.ctx);
      const articles = new ArticleService({ db: node.ctx.store.knex, clock });
      await articles.add({ kind: 'news', title: '济南市开展信用修复专项行动', body: '为帮助企业重塑信用，**全市**开展专项行动。\n\n- 线上申请\n- 限时办结' }, 'test');
      await articles.add({ kind: 'policy', title: '山东省公共信用信息管理办法', body: '第一条 为了规范公共信用信息管理……' }, 'test');
      app = portalApp(node.ctx, {
        onTicket: async (s) => { filed.push(s); return { ticket: `YY2026060100000${filed.length}`, status: 'received', due: '2026-06-15' }; },
        lookupTicket: async (n) => (n === 'YY20260601000001'
          ? { ticket: n, type: 'objection', status: 'in_review', subjectName: seed.food.name, filedAt: '2026-06-01T02:00:00.000Z', history: [{ at: '2026-06-01T02:00:00.000Z', status: 'received', note: '已受理' }] }
          : undefined),
      });
    });
    after(async () => { await node.cleanup(); });

    it('finds a company by a fragment of its name, with its count of public records only', async () => {
      const page = await request(app).get('/search').query({ q: '鲁信泉' }).expect(200);
      expect(page.text).to.include(seed.food.name).and.include(`/subjects/${seed.food.code}`);
      const api = await request(app).get('/public/v1/subjects').query({ q: '鲁信泉' }).expect(200);
      expect(api.body.items).to.have.length(1);
      // registration, licence, honour, penalty, disputed penalty: five of the ten records are public today.
      expect(api.body.items[0]).to.deep.include({ code: seed.food.code, name: seed.food.name, publicRecords: 5, regionName: '历下区' });
      const byCode = await request(app).get('/public/v1/subjects').query({ q: seed.qingdao.code }).expect(200);
      expect(byCode.body.items.map((i: { name: string }) => i.name)).to.deep.equal([seed.qingdao.name]);
    });

    it('never lists natural persons, even by a fragment of their name or their ID number', async () => {
      for (const q of [seed.persons[0]?.name, seed.persons[0]?.idNumber, '思嘉']) {
        const api = await request(app).get('/public/v1/subjects').query({ q }).expect(200);
        expect(api.body.items, String(q)).to.deep.equal([]);
        const page = await request(app).get('/search').query({ q }).expect(200);
        // What the visitor typed is echoed in the search box (an ID number only masked), nothing else of them.
        expect(findLeaks('/search', page.text, forbidden().filter((f) => f !== q))).to.deep.equal([]);
        expect(page.text).to.include('没有找到匹配的企业或组织');
      }
      const person = await request(app).get(`/subjects/${seed.persons[0]?.idNumber}`).expect(404);
      expect(person.text).to.include('未找到');
      expect(person.text).to.not.include(String(seed.persons[0]?.idNumber));
      await request(app).get(`/public/v1/subjects/${seed.persons[0]?.idNumber}`).expect(404);
    });

    it('shows public records in window, grouped in report sections, with 异议处理中 on a disputed one', async () => {
      const res = await request(app).get(`/subjects/${seed.food.code}`).expect(200);
      for (const id of [seed.visible.penalty, seed.visible.disputed, seed.visible.registration, seed.visible.license, seed.visible.honor]) expect(res.text).to.include(`id="r-${id}"`);
      for (const id of Object.values(seed.hidden)) expect(res.text).to.not.include(id);
      expect(res.text).to.include('异议处理中').and.include('登记注册基础信息').and.include('行政管理信息').and.include('诚实守信相关荣誉信息');
      expect(res.text).to.include(`/reports/new?code=${seed.food.code}`).and.include(`/objections/new?record=${seed.visible.penalty}`)
        .and.include(`/repairs/new?record=${seed.visible.penalty}`).and.include(`/complaints/new?code=${seed.food.code}`);
      // Only sections with data among the optional ones: no 信用评价信息 without an evaluation.
      expect(res.text).to.not.include('信用评价信息');
      const api = await request(app).get(`/public/v1/subjects/${seed.food.code}`).expect(200);
      const records = api.body.sections.flatMap((s: { records: Array<{ id: string; disputed: boolean }> }) => s.records);
      expect(records.map((r: { id: string }) => r.id).sort()).to.deep.equal([seed.visible.penalty, seed.visible.disputed, seed.visible.registration, seed.visible.license, seed.visible.honor].sort());
      expect(records.find((r: { id: string }) => r.id === seed.visible.disputed).disputed).to.equal(true);
      const penalty = records.find((r: { id: string }) => r.id === seed.visible.penalty);
      expect(penalty.fields.map((f: { name: string }) => f.name)).to.include('violationFacts').and.not.include('legalRepresentativeIdNumber');
    });

    it('drops a record from every page and answer once its window has ended (injected clock)', async () => {
      const db = node.ctx.store.knex;
      await db('records').where({ id: seed.visible.penalty }).update({ publish_until: '2026-06-01' });
      try {
        expect((await request(app).get(`/subjects/${seed.food.code}`).expect(200)).text).to.include(seed.visible.penalty);
        clock.set('2026-06-01T16:30:00.000Z'); // 00:30 on 2 June in China
        expect((await request(app).get(`/subjects/${seed.food.code}`).expect(200)).text).to.not.include(seed.visible.penalty);
        const api = await request(app).get(`/public/v1/subjects/${seed.food.code}`).expect(200);
        expect(JSON.stringify(api.body)).to.not.include(seed.visible.penalty);
        await request(app).get('/objections/new').query({ record: seed.visible.penalty }).expect(404);
      } finally {
        clock.set(seed.clockIso);
        await db('records').where({ id: seed.visible.penalty }).update({ publish_until: '2027-03-02' });
      }
    });

    it('leaks nothing: no hidden record, no natural person, no full ID number in any page or public answer', async () => {
      const scan = await scanPortal(app, {
        start: [
          '/', '/search?q=泉', '/search?q=济南', `/search?q=${encodeURIComponent(String(seed.persons[0]?.idNumber))}`, '/articles', '/tickets',
          ...seed.organisations.map((c) => `/subjects/${c}`),
          ...Object.values(seed.hidden).flatMap((id) => [`/objections/new?record=${id}`, `/repairs/new?record=${id}`]),
          ...seed.persons.flatMap((p) => [`/subjects/${p.idNumber}`, `/public/v1/subjects/${p.idNumber}`, `/complaints/new?code=${p.idNumber}`]),
          '/public/v1/subjects?q=泉', '/public/v1/subjects?q=济南', '/public/v1/statistics', '/public/v1/articles', '/public/v1/site',
          ...seed.organisations.map((c) => `/public/v1/subjects/${c}`),
          '/manifest.webmanifest', '/no/such/page',
        ],
        forbidden: forbidden(),
      });
      expect(scan.leaks).to.deep.equal([]);
      const urls = scan.visited.map((v) => v.url);
      expect(urls).to.include(`/objections/new?record=${seed.visible.disputed}`).and.include(`/complaints/new?code=${seed.food.code}`);
      expect(scan.visited.length).to.be.greaterThan(40);
      expect(scan.visited.filter((v) => v.status >= 500)).to.deep.equal([]);
      // The scanner does find what it looks for.
      expect(findLeaks('/x', `a ${seed.persons[1]?.idNumber} b ${seed.hidden.shared}`, [seed.hidden.shared])).to.have.length(2);
    });

    it('counts public records only on the home page statistics, drawn as SVG', async () => {
      const stats = (await request(app).get('/public/v1/statistics').expect(200)).body;
      // food: 5, qingdao: 1, list: 1, the natural person's public penalty: 1.
      expect(stats.total).to.equal(8);
      expect(stats.byCategory.find((c: { category: string }) => c.category === 'administrative_penalty').count).to.equal(4);
      expect(stats.byCategory.map((c: { category: string }) => c.category)).to.not.include('contract_performance');
      expect(stats.byRegion.find((r: { region: string }) => r.region === '370200')).to.deep.include({ name: '青岛市', count: 1 });
      expect(stats.byRegion.find((r: { region: string }) => r.region === '370100')).to.deep.include({ name: '济南市', count: 7 });
      const home = await request(app).get('/').expect(200);
      expect(home.text).to.include('<svg class="chart"').and.include('行政处罚').and.include('济南市开展信用修复专项行动').and.include('信用山东');
    });

    it('serves mobile-friendly pages: viewport, one cached stylesheet, manifest, strict CSP and no inline script', async () => {
      const home = await request(app).get('/').expect(200);
      expect(home.text).to.include('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(home.text).to.include(`<link rel="stylesheet" href="${ASSETS.css.url}">`).and.include('<link rel="manifest" href="/manifest.webmanifest">');
      expect(home.text).to.not.match(/<script|\sstyle=|\son[a-z]+=/i);
      const csp = String(home.headers['content-security-policy']);
      expect(csp).to.include("default-src 'self'").and.include("script-src 'self'").and.include("style-src 'self'").and.include("img-src 'self' data:");
      expect(csp).to.not.include('unsafe-inline');
      const css = await request(app).get(ASSETS.css.url).expect(200);
      expect(css.headers['cache-control']).to.equal('public, max-age=31536000, immutable');
      expect(css.headers['content-type']).to.match(/^text\/css/);
      await request(app).get(ASSETS.css.url).set('If-None-Match', ASSETS.css.etag).expect(304);
      const manifest = await request(app).get('/manifest.webmanifest').expect(200);
      expect(manifest.headers['content-type']).to.match(/^application\/manifest\+json/);
      const m = JSON.parse(manifest.text) as { name: string; start_url: string; display: string; icons: Array<{ src: string; type: string }> };
      expect(m).to.deep.include({ name: '信用山东', start_url: '/', display: 'standalone' });
      await request(app).get(m.icons[0]?.src ?? '').expect(200).expect('Content-Type', /image\/svg\+xml/);
    });

    it('caches the app API for a minute with an ETag and answers 304 to a matching If-None-Match', async () => {
      const first = await request(app).get(`/public/v1/subjects/${seed.food.code}`).expect(200);
      expect(first.headers['cache-control']).to.equal('public, max-age=60');
      const etag = String(first.headers['etag']);
      expect(etag).to.match(/^"[\w-]+"$/);
      await request(app).get(`/public/v1/subjects/${seed.food.code}`).set('If-None-Match', etag).expect(304);
      await request(app).get(`/public/v1/subjects/${seed.qingdao.code}`).set('If-None-Match', etag).expect(200);
      const list = await request(app).get('/public/v1/articles').expect(200);
      expect(list.headers['cache-control']).to.equal('public, max-age=60');
      expect(list.body.items.map((a: { title: string }) => a.title)).to.have.members(['济南市开展信用修复专项行动', '山东省公共信用信息管理办法']);
      expect(list.body.items[0]).to.not.have.property('createdBy');
    });

    it('answers JSON errors in the house format and HTML errors in Chinese without internals', async () => {
      const bad = await request(app).get('/public/v1/subjects').expect(400);
      expect(bad.body.error.code).to.equal('BAD_REQUEST');
      const twice = await request(app).get('/public/v1/subjects?q=a&q=b').expect(400);
      expect(twice.body.error.details[0].path).to.equal('q');
      const missing = await request(app).get(`/public/v1/subjects/${seed.persons[1]?.idNumber}/x`).expect(404);
      expect(missing.body.error.code).to.equal('NOT_FOUND');
      expect(JSON.stringify(missing.body)).to.not.include(String(seed.persons[1]?.idNumber));
      const notFound = await request(app).get('/no/such/page').expect(404);
      expect(notFound.headers['content-type']).to.match(/text\/html/);
      expect(notFound.text).to.include('页面不存在');
      const long = await request(app).get('/search').query({ q: '泉'.repeat(101) }).expect(400);
      expect(long.text).to.include('查询词过长');
      const badPage = await request(app).get('/search').query({ q: '泉', page: 'x' }).expect(400);
      expect(badPage.text).to.include('页码须为正整数').and.not.match(/at \w+ \(|node_modules|Error:/);
      // The JSON routes keep their JSON 404.
      const api404 = await request(app).get('/api/v1/nothing').expect(404);
      expect(api404.body.error.code).to.equal('NOT_FOUND');
    });

    it('objection form: limits in the markup and on the server, then hands the ticket over', async () => {
      const form = await request(app).get('/objections/new').query({ record: seed.visible.penalty }).expect(200);
      expect(form.text).to.include('maxlength="2000"').and.include('maxlength="50"').and.include('maxlength="20"').and.include('name="reason"');
      expect(form.headers['cache-control']).to.equal('no-store');
      const tooLong = await request(app).post('/objections').type('form')
        .send({ record: seed.visible.penalty, reason: 'wrong', description: '理'.repeat(2001), claimantName: '张三', claimantPhone: '13912345678' }).expect(400);
      expect(tooLong.text).to.include('最多 2000 个字');
      const badReason = await request(app).post('/objections').type('form')
        .send({ record: seed.visible.penalty, reason: 'nonsense', description: '处罚决定书文号与实际不一致', claimantName: '张三', claimantPhone: '13912345678' }).expect(400);
      expect(badReason.text).to.include('请选择异议类型');
      const count = filed.length;
      await request(app).post('/objections').type('form')
        .send({ record: seed.hidden.restricted, reason: 'wrong', description: '处罚决定书文号与实际不一致', claimantName: '张三', claimantPhone: '13912345678' }).expect(404);
      expect(filed.length).to.equal(count);
      const ok = await request(app).post('/objections').type('form')
        .send({ record: seed.visible.penalty, reason: 'wrong', description: '处罚决定书文号与实际不一致', claimantName: '张三', claimantPhone: '13912345678' }).expect(201);
      expect(ok.text).to.include('受理编号').and.include(`YY2026060100000${filed.length}`).and.not.include('13912345678');
      expect(filed[filed.length - 1]).to.deep.include({ kind: 'objection', recordId: seed.visible.penalty, subjectCode: seed.food.code });
      expect(filed[filed.length - 1]?.fields).to.deep.include({ reason: 'wrong', claimantName: '张三', claimantPhone: '13912345678' });
    });

    it('repair and complaint forms: the commitment must be ticked; a refusal of the ticket service is shown on the form', async () => {
      const form = await request(app).get('/repairs/new').query({ record: seed.visible.penalty }).expect(200);
      expect(form.text).to.include('信用承诺').and.include('type="checkbox"');
      const unticked = await request(app).post('/repairs').type('form')
        .send({ record: seed.visible.penalty, evidence: '罚款已于2026年4月缴纳，缴款书编号123', claimantName: '张三', claimantPhone: '0531-88886666' }).expect(400);
      expect(unticked.text).to.include('请阅读并勾选信用承诺');
      const refusing = portalApp(node.ctx, { onTicket: async () => { throw new BadRequest('该记录最短公示期未满，2026-06-02 起可以申请信用修复'); } });
      const refused = await request(refusing).post('/repairs').type('form')
        .send({ record: seed.visible.penalty, evidence: '罚款已于2026年4月缴纳，缴款书编号123', claimantName: '张三', claimantPhone: '0531-88886666', agree: 'yes' }).expect(400);
      expect(refused.text).to.include('最短公示期未满');
      const complaint = await request(app).post('/complaints').type('form')
        .send({ code: seed.qingdao.code, sector: 'market', description: '该企业长期拖欠货款且拒不履行合同', claimantName: '李四', claimantPhone: '13800001111' }).expect(201);
      expect(complaint.text).to.include('投诉已提交');
      expect(filed[filed.length - 1]).to.deep.include({ kind: 'complaint', recordId: null, subjectCode: seed.qingdao.code });
      await request(app).get('/complaints/new').query({ code: seed.persons[0]?.idNumber }).expect(404);
    });

    it('says plainly that forms and lookups are unavailable when no ticket service is wired (503, not a fake success)', async () => {
      const bare = portalApp(node.ctx);
      const page = await request(bare).get('/objections/new').query({ record: seed.visible.penalty }).expect(503);
      expect(page.text).to.include('暂时无法在线办理');
      await request(bare).post('/objections').type('form').send({ record: seed.visible.penalty, reason: 'wrong', description: '处罚决定书文号与实际不一致', claimantName: '张三', claimantPhone: '13912345678' }).expect(503);
      await request(bare).get('/tickets').query({ number: 'YY20260601000001' }).expect(503);
      // A node that files repair applications only: the other forms say so.
      const repairsOnly = portalApp(node.ctx, { onTicket: async () => ({ ticket: 'XF2026060100000001', status: 'received' }), ticketKinds: ['repair'] });
      await request(repairsOnly).get('/repairs/new').query({ record: seed.visible.penalty }).expect(200);
      await request(repairsOnly).get('/complaints/new').query({ code: seed.food.code }).expect(503);
      await request(repairsOnly).post('/objections').type('form').send({ record: seed.visible.penalty, reason: 'wrong', description: '处罚决定书文号与实际不一致', claimantName: '张三', claimantPhone: '13912345678' }).expect(503);
    });

    it('looks up a ticket by its number, without the claimant', async () => {
      const found = await request(app).get('/tickets').query({ number: 'YY20260601000001' }).expect(200);
      expect(found.text).to.include('办理中').and.include(seed.food.name).and.include('已受理');
      const none = await request(app).get('/tickets').query({ number: 'YY20260601999999' }).expect(404);
      expect(none.text).to.include('未找到该受理编号');
      await request(app).get('/tickets').query({ number: '<script>' }).expect(400);
    });

    it('escapes what a visitor typed', async () => {
      const res = await request(app).get('/search').query({ q: '<img src=x onerror=alert(1)>"' }).expect(200);
      expect(res.text).to.include('&lt;img src=x onerror=alert(1)&gt;&quot;');
      expect(res.text).to.not.include('<img src=x');
    });

    it('rate limits per address with a Chinese 429 page and a JSON 429', async () => {
      const limited = portalApp(node.ctx, { portal: { rateLimitPerMinute: 2 } });
      await request(limited).get('/search').expect(200);
      await request(limited).get('/search').expect(200);
      const page = await request(limited).get('/search').expect(429);
      expect(page.text).to.include('访问过于频繁');
      await request(limited).get('/public/v1/statistics').expect(200);
      await request(limited).get('/public/v1/statistics').expect(200);
      const api = await request(limited).get('/public/v1/statistics').expect(429);
      expect(api.body.error.code).to.equal('RATE_LIMITED');
      // The stylesheet is not counted: a page load fetches it.
      await request(limited).get(ASSETS.css.url).expect(200);
    });
  });
}

describe('a city site from the same code', () => {
  let node: TempNode;
  let seed: PortalSeed;
  let app: Express;

  before(async () => {
    node = await tempNode({ clock: fixedClock('2026-06-01T02:00:00.000Z'), role: 'city', region: '370100', id: 'city-jinan' });
    seed = await seedPortal(node.ctx);
    app = portalApp(node.ctx);
  });
  after(async () => { await node.cleanup(); });

  it('is 信用济南, searches its own region by default and links to the whole province', async () => {
    const home = await request(app).get('/').expect(200);
    expect(home.text).to.include('<title>信用济南</title>');
    const own = await request(app).get('/search').query({ q: '泉' }).expect(200);
    expect(own.text).to.include(seed.food.name).and.include('scope=province');
    expect(own.text).to.not.include(seed.qingdao.name);
    const all = await request(app).get('/search').query({ q: '泉', scope: 'province' }).expect(200);
    expect(all.text).to.include(seed.qingdao.name);
    const api = await request(app).get('/public/v1/subjects').query({ q: '泉' }).expect(200);
    expect(api.body.regionPrefix).to.equal('3701');
    const stats = (await request(app).get('/public/v1/statistics').expect(200)).body;
    expect(stats.byRegion.map((r: { name: string }) => r.name)).to.have.members(['历下区', '历城区']);
    const manifest = JSON.parse((await request(app).get('/manifest.webmanifest').expect(200)).text) as { name: string };
    expect(manifest.name).to.equal('信用济南');
  });

  it('takes its name from portal.siteName when configured', async () => {
    const named = portalApp(node.ctx, { portal: { siteName: '信用泉城' } });
    expect((await request(named).get('/').expect(200)).text).to.include('<title>信用泉城</title>');
  });
});
