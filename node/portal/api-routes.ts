import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { asyncHandler } from '../http/async-handler.ts';
import { BadRequest, NotFound } from '../errors.ts';
import { portalServices, type PortalDeps } from './deps.ts';
import { articleId, publicArticle } from './articles.ts';
import { portalLimiter } from './safety.ts';

/** One value of a query parameter (a repeated one is a bad request, in the house JSON error format). */
function param(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BadRequest(`参数 ${name} 只能出现一次`, [{ path: name, message: '只能出现一次' }]);
  if (v.length > 400) throw new BadRequest(`参数 ${name} 过长`, [{ path: name, message: '过长' }]);
  return v;
}

function intParam(req: Request, name: string, label: string): number | undefined {
  const v = param(req, name);
  if (v === undefined || v === '') return undefined;
  if (!/^\d{1,6}$/.test(v) || Number(v) < 1) throw new BadRequest(`${label} ${name} 须为正整数`, [{ path: name, message: '须为正整数' }]);
  return Number(v);
}

/**
 * Public JSON with caching for the app: `Cache-Control: public, max-age=60` and a strong ETag of the body, a
 * matching If-None-Match answered 304 without the body.
 */
function sendCached(req: Request, res: Response, value: unknown): void {
  const body = JSON.stringify(value);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  res.set({ 'Cache-Control': 'public, max-age=60', ETag: etag });
  const match = req.get('if-none-match');
  if (match && match.split(',').map((s) => s.trim().replace(/^W\//, '')).includes(etag)) { res.status(304).end(); return; }
  res.type('application/json; charset=utf-8').send(body);
}

/**
 * The app API (信用山东 APP), mounted at /public/v1: the same publishable data as the pages, paged, cached, JSON
 * errors in the house format (`{"error":{"code","message","details"}}`, through the node's error handler).
 *   GET /subjects?q=&page=&scope=province   organisations by name fragment or code (a city site: its region)
 *   GET /subjects/:code                       an organisation's public records in report sections
 *   GET /articles?kind=&page=&limit=          news (news) and policy (policy) articles, newest first
 *   GET /articles/:id                         one article with its body (limited markup, see article-markup.ts)
 *   GET /statistics                           public records by category and by city (county on a city site)
 */
export function publicApiRoutes(deps: PortalDeps): Router {
  const { site, data, articles, articleRegion } = portalServices(deps);
  const r = Router();
  r.use(portalLimiter(deps.config.portal.rateLimitPerMinute, 'json', site));

  r.get('/subjects', asyncHandler(async (req, res) => {
    const q = param(req, 'q');
    if (q === undefined || q.trim() === '') throw new BadRequest('请填写查询词 q（企业名称的任意部分或统一社会信用代码）', [{ path: 'q', message: '必填' }]);
    const result = await data.search(q, intParam(req, 'page', '页码'), param(req, 'scope') === 'province');
    sendCached(req, res, { site: site.name, ...result });
  }));

  r.get('/subjects/:code', asyncHandler(async (req, res) => {
    sendCached(req, res, await data.subjectPage(String(req.params['code'])));
  }));

  r.get('/articles', asyncHandler(async (req, res) => {
    const list = await articles.list({ kind: param(req, 'kind'), page: param(req, 'page'), limit: param(req, 'limit'), regionPrefix: articleRegion, publicOnly: true });
    sendCached(req, res, { ...list, items: list.items.map((a) => publicArticle(a, false)) });
  }));

  r.get('/articles/:id', asyncHandler(async (req, res) => {
    const a = await articles.get(articleId(req.params['id']), { regionPrefix: articleRegion, publicOnly: true });
    sendCached(req, res, publicArticle(a, true));
  }));

  r.get('/statistics', asyncHandler(async (req, res) => {
    sendCached(req, res, { site: site.name, ...(await data.statistics()) });
  }));

  r.get('/site', (req, res) => {
    sendCached(req, res, { name: site.name, operator: site.operator, region: site.region, regionName: site.regionName, defaultRegionPrefix: site.defaultRegionPrefix ?? null });
  });

  // Unknown paths under these: a 404 that does not echo the path (it may hold what a visitor typed). Other
  // paths pass on to routers mounted at /public/v1 after this one (objections, complaints).
  r.use(['/subjects', '/articles', '/statistics'], (_req, _res, next) => next(new NotFound('没有这个接口')));
  return r;
}
