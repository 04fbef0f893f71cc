import { expect } from 'chai';
import request from 'supertest';
import { pino } from 'pino';
import type { Express } from 'express';
import type { Knex } from 'knex';
import { backends, tempNode, fixedClock, type TempNode } from '../helpers/node.ts';
import { penalty, companyCode, personCode } from '../helpers/records.ts';
import { insertMany } from '../../node/store/bulk.ts';
import { createHttpApp } from '../../node/http/app.ts';
import { searchRoutes, type SearchInfo } from '../../node/query/search-routes.ts';
import { searchSubjects, SEARCH_MAX_TOTAL, type SearchOptions } from '../../node/query/search.ts';
import { maskResidentId } from '../../node/identity/index.ts';

const AT = '2026-06-01T02:00:00.000Z';
const ORGS: SearchOptions = { includeNaturalPersons: false };

/** Full-width form of an ASCII string, as typed with a Chinese input method. */
const fullWidth = (s: string) => [...s].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');

for (const backend of backends()) {
  describe(`subject search on ${backend}`, () => {
    let node: TempNode;
    let db: Knex;
    let app: Express;
    let serial = 5000;
    const searches: SearchInfo[] = [];
    const limited: string[] = [];
    const tokens: Record<string, string> = {};
    const auth = (u: string) => ({ Authorization: `Bearer ${tokens[u]}` });
    const names = (r: { items: Array<{ name: string }> }) => r.items.map((i) => i.name);

    /** Organisations inserted as rows, through the bulk path imports use. */
    async function addOrgs(list: Array<string | { name: string; region: string }>): Promise<string[]> {
      const rows = list.map((x) => {
        const { name, region } = typeof x === 'string' ? { name: x, region: '370102' } : x;
        return { type: 'legal_person', key: companyCode(serial++, region), name, region, created_at: AT, updated_at: AT };
      });
      await db.transaction((trx) => insertMany(trx, 'subjects', rows));
      return rows.map((r) => r.key);
    }

    before(async () => {
      node = await tempNode({ backend, clock: fixedClock('2026-06-01T02:00:00Z') });
      db = node.ctx.store.knex;
      const { records, users, vault } = node.ctx;
      const ingested = await records.ingest([
        penalty(1, { subject: { type: 'legal_person', code: companyCode(1), name: '济南市历下区某某科技有限公司' } }),
        penalty(2, { subject: { type: 'legal_person', code: companyCode(1), name: '济南市历下区某某科技有限公司' } }),
        penalty(3, { subject: { type: 'natural_person', code: personCode(3), name: '张科技' } }),
      ]);
      expect(ingested.map((r) => r.status)).to.deep.equal(['created', 'created', 'created']);
      await addOrgs(['青岛市鲁味轩', '鲁味轩餐饮管理有限公司', '济南鲁味轩商贸有限公司', '鲁味轩', '鲁味轩食品']);
      await addOrgs(['历城泉润', '泉润水产', '泉润']);
      await addOrgs(['百分之百%纯净水有限公司', '"老字号"食品店', '济南(集团)测试有限公司']);
      await addOrgs(Array.from({ length: 25 }, (_, i) => `分页测试${String(i).padStart(2, '0')}号商行`));
      await addOrgs([{ name: '胶州区域测试一号', region: '370281' }, { name: '胶州区域测试二号', region: '370281' }, { name: '历下区域测试三号', region: '370102' }]);
      await users.add({ username: 'officer1', role: 'officer', password: 'officer-pass-1' });
      await users.add({ username: 'auditor1', role: 'auditor', password: 'auditor-pass-1' });
      tokens['officer1'] = (await users.signIn('officer1', 'officer-pass-1')).token;
      tokens['auditor1'] = (await users.signIn('auditor1', 'auditor-pass-1')).token;
      app = createHttpApp({
        log: pino({ level: 'silent' }),
        routers: [['/api/v1/subjects', searchRoutes({
          db, users, subjectKeyOf: (code) => vault.hash(code),
          onSearch: async (_p, info) => { searches.push(info); },
          limiter: (req, _res, next) => { limited.push(req.principal?.username ?? ''); next(); },
        })]],
      });
    });
    after(async () => { await node.cleanup(); });

    it('finds a subject by a fragment in the middle of its name (3+ characters) and by a 2-character fragment', async () => {
      const mid = await searchSubjects(db, '历下区', ORGS);
      expect(names(mid)).to.include('济南市历下区某某科技有限公司');
      expect(mid.match).to.equal('name');
      const two = await searchSubjects(db, '科技', ORGS);
      expect(names(two)).to.deep.equal(['济南市历下区某某科技有限公司']);
      expect(two.items[0]).to.deep.include({ type: 'legal_person', code: companyCode(1), region: '370102', recordCount: 2 });
      expect(two.total).to.equal(1);
      const one = await searchSubjects(db, '润', ORGS);
      expect(names(one)).to.have.members(['历城泉润', '泉润水产', '泉润']);
    });

    it('ranks the exact name first, then names that start with the fragment, then names that contain it', async () => {
      const r = await searchSubjects(db, '鲁味轩', ORGS);
      expect(r.total).to.equal(5);
      expect(names(r)[0]).to.equal('鲁味轩');
      expect(names(r).slice(1, 3)).to.have.members(['鲁味轩食品', '鲁味轩餐饮管理有限公司']);
      expect(names(r).slice(3)).to.have.members(['青岛市鲁味轩', '济南鲁味轩商贸有限公司']);
      expect(names(await searchSubjects(db, '鲁味轩', ORGS))).to.deep.equal(names(r));
      expect(names(await searchSubjects(db, '泉润', ORGS))).to.deep.equal(['泉润', '泉润水产', '历城泉润']);
    });

    it('pages through matches in a stable order with the total', async () => {
      const pages = [];
      for (const page of [1, 2, 3, 4]) pages.push(await searchSubjects(db, '分页测试', { ...ORGS, limit: 10, page }));
      expect(pages.map((p) => p.items.length)).to.deep.equal([10, 10, 5, 0]);
      expect(pages.every((p) => p.total === 25 && !p.totalCapped)).to.equal(true);
      const all = pages.flatMap(names);
      expect(new Set(all).size).to.equal(25);
      // Equal relevance and length: id order, i.e. insertion order here.
      expect(all).to.deep.equal(Array.from({ length: 25 }, (_, i) => `分页测试${String(i).padStart(2, '0')}号商行`));
      expect(names(await searchSubjects(db, '分页测试', { ...ORGS, limit: 10, page: 2 }))).to.deep.equal(names(pages[1] as { items: Array<{ name: string }> }));
      const short = await searchSubjects(db, '分页', { ...ORGS, limit: 7, page: 4 });
      expect(short.total).to.equal(25);
      expect(names(short)).to.deep.equal(all.slice(21, 25));
    });

    it('caps the total, and still ranks a name that starts with the fragment first', async () => {
      await addOrgs(Array.from({ length: SEARCH_MAX_TOTAL + 5 }, (_, i) => `东营封顶测试${i}号`));
      await addOrgs(['封顶测试有限公司']);
      const r = await searchSubjects(db, '封顶测试', { ...ORGS, limit: 10 });
      expect(r).to.deep.include({ total: SEARCH_MAX_TOTAL, totalCapped: true });
      expect(names(r)[0]).to.equal('封顶测试有限公司');
      expect((await searchSubjects(db, '封顶测试', { ...ORGS, limit: 10, page: SEARCH_MAX_TOTAL / 10 })).items).to.have.length(10);
      const beyond = await searchSubjects(db, '封顶测试', { ...ORGS, limit: 10, page: SEARCH_MAX_TOTAL / 10 + 1 });
      expect(beyond.items).to.deep.equal([]);
      expect(beyond.totalCapped).to.equal(true);
      expect(await searchSubjects(db, '封顶', { ...ORGS, limit: 50 })).to.deep.include({ total: SEARCH_MAX_TOTAL, totalCapped: true });
    });

    it('pages through a fragment matching more than the cap: names starting with it first, every page distinct, the total counted after the scope', async () => {
      const inQingdao = Math.floor(SEARCH_MAX_TOTAL * 0.6);
      await addOrgs(Array.from({ length: inQingdao }, (_, i) => ({ name: `青岛翻页核对${i}号`, region: '370202' })));
      await addOrgs(Array.from({ length: SEARCH_MAX_TOTAL }, (_, i) => ({ name: `济南翻页核对${i}号`, region: '370102' })));
      await addOrgs([{ name: '翻页核对总公司', region: '370202' }, { name: '翻页核对', region: '370202' }]);
      const pages = async (opts: SearchOptions) => {
        const first = await searchSubjects(db, '翻页核对', { ...opts, limit: 20 });
        const all = [...names(first)];
        for (let p = 2; p <= Math.ceil(first.total / 20) + 1; p++) all.push(...names(await searchSubjects(db, '翻页核对', { ...opts, limit: 20, page: p })));
        return { first, all };
      };
      const province = await pages(ORGS);
      expect(province.first).to.deep.include({ total: SEARCH_MAX_TOTAL, totalCapped: true });
      expect(province.all.slice(0, 2)).to.deep.equal(['翻页核对', '翻页核对总公司']);
      expect(province.all).to.have.length(SEARCH_MAX_TOTAL);
      expect(new Set(province.all).size).to.equal(SEARCH_MAX_TOTAL);
      // More than the cap match in the index, fewer in Qingdao: the total is exact and every one can be paged to.
      const qingdao = await pages({ ...ORGS, regionPrefixes: ['3702'] });
      expect(qingdao.first).to.deep.include({ total: inQingdao + 2, totalCapped: false });
      expect(qingdao.all).to.have.length(inQingdao + 2);
      expect(new Set(qingdao.all).size).to.equal(inQingdao + 2);
      expect(qingdao.all.every((n) => !n.startsWith('济南'))).to.equal(true);
    });

    it('finds an organisation by its whole USCC (any width or case) and by a code prefix', async () => {
      for (const q of [companyCode(1), ` ${fullWidth(companyCode(1))} `, companyCode(1).toLowerCase()]) {
        const r = await searchSubjects(db, q, ORGS);
        expect(r.match).to.equal('code');
        expect(r.items).to.deep.equal([{ type: 'legal_person', code: companyCode(1), name: '济南市历下区某某科技有限公司', region: '370102', recordCount: 2 }]);
      }
      const prefix = await searchSubjects(db, companyCode(1).slice(0, 8).replace('370102', '370281'), ORGS);
      expect(prefix.match).to.equal('code_prefix');
      expect(names(prefix)).to.deep.equal(['胶州区域测试一号', '胶州区域测试二号']);
      const longer = await searchSubjects(db, companyCode(1).slice(0, 14), ORGS);
      expect(longer.items.map((i) => i.code)).to.deep.equal([companyCode(1)]);
      expect((await searchSubjects(db, '91370102ZZZZ99', ORGS)).total).to.equal(0);
    });

    it('limits to region prefixes when asked', async () => {
      expect(names(await searchSubjects(db, '区域测试', { ...ORGS, regionPrefixes: ['3702'] }))).to.have.members(['胶州区域测试一号', '胶州区域测试二号']);
      expect(names(await searchSubjects(db, '区域测试', { ...ORGS, regionPrefixes: ['370102', '3709'] }))).to.deep.equal(['历下区域测试三号']);
      expect((await searchSubjects(db, '区域测试', { ...ORGS, regionPrefixes: [] })).total).to.equal(0);
    });

    it('hides natural persons without a purpose and shows them masked with one', async () => {
      const number = personCode(3);
      const without = await request(app).get('/api/v1/subjects').query({ q: '科技' }).set(auth('officer1')).expect(200);
      expect(without.body.items.map((i: { type: string }) => i.type)).to.deep.equal(['legal_person']);
      const byNumber = await request(app).get('/api/v1/subjects').query({ q: number }).set(auth('officer1')).expect(200);
      expect(byNumber.body.items).to.deep.equal([]);
      expect(byNumber.text).to.not.include(number);

      const withPurpose = await request(app).get('/api/v1/subjects').query({ q: '科技', purpose: '行政审批核查' }).set(auth('officer1')).expect(200);
      const person = withPurpose.body.items.find((i: { type: string }) => i.type === 'natural_person');
      expect(person).to.deep.equal({ type: 'natural_person', code: maskResidentId(number), name: '张科技', region: '370102', recordCount: 1 });
      expect(withPurpose.text).to.not.include(number);
      const found = await request(app).get('/api/v1/subjects').query({ q: number, purpose: '行政审批核查' }).set(auth('officer1')).expect(200);
      expect(found.body.items.map((i: { name: string }) => i.name)).to.deep.equal(['张科技']);
      expect(found.body.match).to.equal('person_id');
      expect(found.text).to.not.include(number);
      expect(found.text).to.not.include(node.ctx.vault.hash(number));

      expect(searches.at(-1)).to.deep.include({ q: maskResidentId(number), count: 1, naturalPersons: true, purpose: '行政审批核查' });
      expect(JSON.stringify(searches)).to.not.include(number);
      const bad = await request(app).get('/api/v1/subjects').query({ q: '科技', purpose: '查' }).set(auth('officer1')).expect(400);
      expect(bad.body.error.details[0].path).to.equal('purpose');
    });

    it('takes FTS5 operators, quotes and LIKE wildcards in q as plain text', async () => {
      for (const q of ['科技" OR "有限', 'NEAR(科技 有限)', '科技*', '^科技', '科技 AND 有限', '*', ':', ')(', '科%技', '有限_司', '_', '\\', "'; drop table subjects; --"]) {
        const r = await searchSubjects(db, q, ORGS);
        expect(r.total, q).to.equal(0);
      }
      expect(names(await searchSubjects(db, '%', ORGS))).to.deep.equal(['百分之百%纯净水有限公司']);
      expect(names(await searchSubjects(db, '百%纯', ORGS))).to.deep.equal(['百分之百%纯净水有限公司']);
      expect(names(await searchSubjects(db, '"老字号"', ORGS))).to.deep.equal(['"老字号"食品店']);
      expect(names(await searchSubjects(db, '"', ORGS))).to.deep.equal(['"老字号"食品店']);
      expect(names(await searchSubjects(db, '(集团)', ORGS))).to.deep.equal(['济南(集团)测试有限公司']);
      expect(await db.schema.hasTable('subjects')).to.equal(true);
    });

    it('answers 400 naming q for an empty or too long query, 401 without a token, 403 for an auditor', async () => {
      for (const q of [undefined, '', '   ', '　', 'a'.repeat(101)]) {
        const res = await request(app).get('/api/v1/subjects').query(q === undefined ? {} : { q }).set(auth('officer1')).expect(400);
        expect(res.body.error.code).to.equal('BAD_REQUEST');
        expect(res.body.error.message).to.match(/查询词 q/);
        expect(res.body.error.details[0].path).to.equal('q');
      }
      await request(app).get('/api/v1/subjects').query({ q: 'a'.repeat(100) }).set(auth('officer1')).expect(200);
      await request(app).get('/api/v1/subjects').query({ q: '科技', limit: '51' }).set(auth('officer1')).expect(400);
      const before = limited.length;
      await request(app).get('/api/v1/subjects').query({ q: '科技' }).expect(401);
      await request(app).get('/api/v1/subjects').query({ q: '科技' }).set(auth('auditor1')).expect(403);
      expect(limited.length).to.equal(before);
      expect(limited.length).to.be.greaterThan(0);
      expect(new Set(limited)).to.deep.equal(new Set(['officer1']));
      const ok = await request(app).get('/api/v1/subjects').query({ q: 'ｋｅｊｉ历下区', page: '1', limit: '5' }).set(auth('officer1')).expect(200);
      expect(ok.body).to.deep.include({ query: 'keji历下区', page: 1, limit: 5, total: 0, totalCapped: false });
    });

    it('keeps the index current after insert, rename and delete', async () => {
      const [key] = await addOrgs(['新插入的索引测试企业']);
      expect(names(await searchSubjects(db, '插入的索引', ORGS))).to.deep.equal(['新插入的索引测试企业']);
      await db('subjects').where({ key }).update({ name: '改名后的索引测试企业', updated_at: AT });
      expect((await searchSubjects(db, '插入的索引', ORGS)).total).to.equal(0);
      expect(names(await searchSubjects(db, '改名后的', ORGS))).to.deep.equal(['改名后的索引测试企业']);
      expect(names(await searchSubjects(db, '改名', ORGS))).to.deep.equal(['改名后的索引测试企业']);
      await db('subjects').where({ key }).update({ updated_at: '2026-06-02T00:00:00.000Z' });
      expect(names(await searchSubjects(db, '改名后的', ORGS))).to.deep.equal(['改名后的索引测试企业']);
      await db('subjects').where({ key }).delete();
      expect((await searchSubjects(db, '改名后的', ORGS)).total).to.equal(0);
      // Through the record service: a new name for a known code renames the subject.
      await node.ctx.records.ingest([penalty(60, { subject: { type: 'legal_person', code: companyCode(60), name: '淄博旧名称陶瓷有限公司' } })]);
      await node.ctx.records.ingest([penalty(61, { subject: { type: 'legal_person', code: companyCode(60), name: '淄博新名称陶瓷有限公司' } })]);
      const renamed = await searchSubjects(db, '名称陶瓷', ORGS);
      expect(renamed.items.map((i) => [i.name, i.recordCount])).to.deep.equal([['淄博新名称陶瓷有限公司', 2]]);
    });
  });
}
