import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { backends, fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { ArticleService } from '../../node/portal/articles.ts';
import { portalApp } from './app.ts';
import { JINAN_MARKET } from '../helpers/records.ts';
import { cliAsync } from '../helpers/cli.ts';

/** `credit-node articles …` in a child process, asynchronously. */
const articlesCli = (args: string[], input = '') => cliAsync(['articles', ...args], input);

for (const backend of backends()) {
  describe(`portal articles on ${backend}`, () => {
    let node: TempNode;
    let app: Express;
    const clock = fixedClock('2026-06-01T02:00:00.000Z');
    const tokens: Record<string, string> = {};
    const auth = (u: string) => ({ Authorization: `Bearer ${tokens[u]}` });

    before(async () => {
      node = await tempNode({ backend, clock });
      const { users } = node.ctx;
      for (const [username, role] of [['op1', 'operator'], ['admin1', 'admin'], ['clerk1', 'clerk']] as const) {
        await users.add({ username, role, password: `${username}-password-1`, ...(role === 'clerk' ? { sourceUnit: JINAN_MARKET.code } : {}) });
        tokens[username] = (await users.signIn(username, `${username}-password-1`)).token;
      }
      app = portalApp(node.ctx);
    });
    after(async () => { await node.cleanup(); });

    /** The audit entries about one article: action, user, operation. */
    async function articleAudit(id: number): Promise<Array<[string, string | null, string]>> {
      const rows = await node.ctx.store.knex('audit_log').where('target', `article:${id}`).orderBy('seq').select('action', 'username', 'detail');
      return rows.map((r: { action: string; username: string | null; detail: string }) => [r.action, r.username, (JSON.parse(r.detail) as { op: string }).op]);
    }

    it('checks an article before storing it', async () => {
      const articles = new ArticleService({ db: node.ctx.store.knex, clock });
      const err = await articles.add({ kind: 'blog', title: '', body: 'x', publishedAt: '2026-13-01', region: '99' }, 't').catch((e: unknown) => e as { code: string; details: Array<{ path: string }> });
      expect(err).to.have.property('code', 'BAD_REQUEST');
      expect((err as { details: Array<{ path: string }> }).details.map((d) => d.path)).to.deep.equal(['kind', 'title', 'publishedAt', 'region']);
      const long = await articles.add({ kind: 'news', title: '标'.repeat(201), body: 'x' }, 't').catch((e: unknown) => e as Error);
      expect((long as Error).message).to.include('最多 200 个字');
    });

    it('round trip through the admin API: operators and admins add, list, read and remove; others may not', async () => {
      await request(app).post('/api/v1/articles').send({ kind: 'news', title: 't', body: 'b' }).expect(401);
      await request(app).post('/api/v1/articles').set(auth('clerk1')).send({ kind: 'news', title: 't', body: 'b' }).expect(403);
      const added = await request(app).post('/api/v1/articles').set(auth('op1'))
        .send({ kind: 'policy', title: '关于进一步完善信用修复机制的通知', body: '各市：\n\n为**规范**信用修复……', publishedAt: '2026-05-20' }).expect(201);
      expect(added.body).to.deep.include({ kind: 'policy', title: '关于进一步完善信用修复机制的通知', createdBy: 'op1', publishedAt: '2026-05-19T16:00:00.000Z', region: null });
      const bad = await request(app).post('/api/v1/articles').set(auth('admin1')).send({ kind: 'policy', title: '', body: '' }).expect(400);
      expect(bad.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['title', 'body']);
      const list = await request(app).get('/api/v1/articles?kind=policy').set(auth('admin1')).expect(200);
      expect(list.body.items.map((a: { id: number }) => a.id)).to.include(added.body.id);
      expect((await request(app).get(`/api/v1/articles/${added.body.id}`).set(auth('op1')).expect(200)).body.body).to.include('**规范**');
      // The public sees it on the site and in the app API.
      const page = await request(app).get(`/articles/${added.body.id}`).expect(200);
      expect(page.text).to.include('<strong>规范</strong>').and.include('发布日期 2026-05-20');
      expect((await request(app).get(`/public/v1/articles/${added.body.id}`).expect(200)).body).to.deep.include({ kindText: '政策法规', publishedOn: '2026-05-20' });
      await request(app).delete(`/api/v1/articles/${added.body.id}`).set(auth('clerk1')).expect(403);
      expect((await request(app).delete(`/api/v1/articles/${added.body.id}`).set(auth('op1')).expect(200)).body).to.deep.equal({ id: added.body.id, removed: true });
      await request(app).delete(`/api/v1/articles/${added.body.id}`).set(auth('op1')).expect(404);
      await request(app).get(`/articles/${added.body.id}`).expect(404);
      await request(app).get(`/public/v1/articles/${added.body.id}`).expect(404);
      // Both changes are in the audit trail, under the operator who made them; the refused ones are not.
      expect(await articleAudit(added.body.id)).to.deep.equal([['write', 'op1', 'add'], ['write', 'op1', 'remove']]);
    });

    it('shows the public only articles already published and meant for this site', async () => {
      const articles = new ArticleService({ db: node.ctx.store.knex, clock });
      const future = await articles.add({ kind: 'news', title: '下周发布的新闻', body: '内容', publishedAt: '2026-06-08' }, 't');
      const qingdao = await articles.add({ kind: 'news', title: '青岛市信用动态', body: '内容', region: '370200' }, 't');
      const jinan = await articles.add({ kind: 'news', title: '济南市信用动态', body: '内容', region: '370100' }, 't');
      const hubList = (await request(app).get('/public/v1/articles?kind=news').expect(200)).body.items.map((a: { id: number }) => a.id);
      expect(hubList).to.include.members([qingdao.id, jinan.id]);
      expect(hubList).to.not.include(future.id);
      await request(app).get(`/articles/${future.id}`).expect(404);
      const city = portalApp(node.ctx, { role: 'city', region: '370100' });
      const cityList = (await request(city).get('/public/v1/articles').expect(200)).body.items.map((a: { id: number }) => a.id);
      expect(cityList).to.include(jinan.id);
      expect(cityList).to.not.include(qingdao.id);
      await request(city).get(`/articles/${qingdao.id}`).expect(404);
      expect((await request(city).get('/').expect(200)).text).to.include('济南市信用动态');
      const paged = await request(app).get('/public/v1/articles?limit=1&page=2').expect(200);
      expect(paged.body).to.deep.include({ page: 2, limit: 1 });
      expect(paged.body.items).to.have.length(1);
      expect((await request(app).get('/public/v1/articles?limit=500').expect(400)).body.error.code).to.equal('BAD_REQUEST');
      // An operator sees the future one.
      expect((await request(app).get('/api/v1/articles').set(auth('op1')).expect(200)).body.items.map((a: { id: number }) => a.id)).to.include(future.id);
    });

    it('round trip through the command: articles add, list and remove', async () => {
      const bodyFile = path.join(node.dir, 'article.txt');
      writeFileSync(bodyFile, '## 要点\n\n- 企业可在线申请信用修复\n- 办理时限 5 个工作日');
      const added = await articlesCli(['add', '--config', node.configFile, '--kind', 'news', '--title', '信用修复在线办理上线', '--body-file', bodyFile, '--published-at', '2026-05-30']);
      expect(added.status, added.stderr).to.equal(0);
      const article = added.json as { id: number; title: string; createdBy: string; publishedAt: string };
      expect(article).to.deep.include({ title: '信用修复在线办理上线', createdBy: 'cli', publishedAt: '2026-05-29T16:00:00.000Z' });
      const viaStdin = await articlesCli(['add', '--config', node.configFile, '--kind', 'policy', '--title', '标准文本', '--body-stdin'], '正文来自标准输入');
      expect(viaStdin.status, viaStdin.stderr).to.equal(0);
      const listed = await articlesCli(['list', '--config', node.configFile, '--kind', 'news']);
      expect((listed.json as { items: Array<{ id: number }> }).items.map((a) => a.id)).to.include(article.id);
      expect((await request(app).get(`/articles/${article.id}`).expect(200)).text).to.include('<li>企业可在线申请信用修复</li>');
      const removed = await articlesCli(['remove', '--config', node.configFile, '--id', String(article.id)]);
      expect(removed.json).to.deep.equal({ id: article.id, removed: true });
      await request(app).get(`/articles/${article.id}`).expect(404);
      expect(await articleAudit(article.id)).to.deep.equal([['write', null, 'add'], ['write', null, 'remove']]);
      const usage = await articlesCli(['add', '--config', node.configFile, '--kind', 'news', '--title', 'x']);
      expect(usage.status).to.not.equal(0);
      expect(usage.stderr).to.include('--body-file');
    });
  });
}
