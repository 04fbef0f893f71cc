import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { ticketUpload } from '../http/evidence-upload.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { BadRequest, NotFound, isCreditNodeError } from '../errors.ts';
import { checkCode } from '../identity/index.ts';
import { ASSETS, manifest } from './assets.ts';
import { portalServices, type PortalDeps } from './deps.ts';
import { ARTICLE_KINDS, articleId, publicArticle, type ArticleKind } from './articles.ts';
import { readTicketForm } from './forms.ts';
import { scrub } from './public-data.ts';
import { siteOf } from './site.ts';
import { noStore, portalErrorHandler, portalLimiter, portalPage, sendPage } from './safety.ts';
import { FORM_LIMITS, KIND_TEXT, TICKET_KINDS, type TicketKind } from './tickets.ts';
import { errorPage } from './pages/errors.ts';
import { homePage } from './pages/home.ts';
import { searchPage } from './pages/search.ts';
import { subjectPage } from './pages/subject.ts';
import { ticketDonePage, ticketFormPage, ticketUnavailablePage } from './pages/forms.ts';
import { ticketLookupPage } from './pages/tickets.ts';
import { articleListPage, articlePage } from './pages/articles.ts';

export type { PortalDeps } from './deps.ts';

const MAX_QUERY_CHARS = 100;

/** One value of a query parameter, cut to `max` characters (a repeated parameter is a bad request). */
function param(req: Request, name: string, max: number): string {
  const v = req.query[name];
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new BadRequest(`参数 ${name} 只能出现一次`);
  return v.length > max * 4 ? v.slice(0, max * 4) : v;
}

function pageParam(req: Request): number | undefined {
  const v = param(req, 'page', 8);
  if (v === '') return undefined;
  if (!/^\d{1,6}$/.test(v) || Number(v) < 1) throw new BadRequest('页码须为正整数');
  return Number(v);
}

/**
 * The public website (信用山东, or a city's site from the same code), mounted at '/': home, search, subject
 * pages, articles, objection / complaint / repair forms, ticket status, the stylesheet, icon and manifest.
 * Only publishable data (public-data.ts); natural persons are never listed. Routes are declared one by one (no
 * router-wide middleware), so requests for other routers mounted at '/' pass through untouched.
 */
export function portalRoutes(deps: PortalDeps): Router {
  const { site, data, articles, articleRegion } = portalServices(deps);
  const r = Router();
  const limit = portalLimiter(deps.config.portal.rateLimitPerMinute, 'html', site);
  const formLimit = portalLimiter(deps.config.portal.formRateLimitPerMinute, 'html', site);
  const forms = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 20 });
  const pg = [portalPage, limit];

  // Static files: content-addressed URLs, cached for a year, outside the rate limit (a page load fetches them).
  for (const a of Object.values(ASSETS)) {
    r.get(a.url, (req, res) => {
      res.set({ 'Cache-Control': 'public, max-age=31536000, immutable', ETag: a.etag, 'Content-Type': a.type, 'X-Content-Type-Options': 'nosniff' });
      if (req.get('if-none-match') === a.etag) { res.status(304).end(); return; }
      res.send(a.body);
    });
  }
  r.get('/manifest.webmanifest', limit, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=86400').type('application/manifest+json').send(JSON.stringify(manifest(site.name, site.operator)));
  });

  r.get('/', ...pg, asyncHandler(async (_req, res) => {
    const [news, policies, stats] = await Promise.all([
      articles.list({ kind: 'news', limit: 6, regionPrefix: articleRegion, publicOnly: true }),
      articles.list({ kind: 'policy', limit: 6, regionPrefix: articleRegion, publicOnly: true }),
      data.statistics(),
    ]);
    sendPage(res, 200, homePage(site, { news: news.items, policies: policies.items, stats }), 'public');
  }));

  r.get('/search', ...pg, asyncHandler(async (req, res) => {
    const raw = param(req, 'q', MAX_QUERY_CHARS);
    const wholeProvince = param(req, 'scope', 20) === 'province';
    // What a visitor typed is echoed only scrubbed: an ID number typed into the box is not repeated in full.
    const q = scrub(raw.trim());
    if (q === '') { sendPage(res, 200, searchPage(site, { q: '', wholeProvince }), 'public'); return; }
    if ([...raw.trim()].length > MAX_QUERY_CHARS) {
      sendPage(res, 400, searchPage(site, { q: [...q].slice(0, MAX_QUERY_CHARS).join(''), wholeProvince, error: `查询词过长（最多 ${MAX_QUERY_CHARS} 个字）` }));
      return;
    }
    try {
      const result = await data.search(raw, pageParam(req), wholeProvince);
      sendPage(res, 200, searchPage(site, { q, wholeProvince, result }), 'public');
    } catch (err) {
      if (!isCreditNodeError(err) || err.status !== 400) throw err;
      sendPage(res, 400, searchPage(site, { q, wholeProvince, error: err.message.replace(/ q\b/g, '') }));
    }
  }));

  r.get('/subjects/:code', ...pg, asyncHandler(async (req, res) => {
    sendPage(res, 200, subjectPage(site, await data.subjectPage(String(req.params['code']))), 'public');
  }));

  r.get('/articles', ...pg, asyncHandler(async (req, res) => {
    const k = param(req, 'kind', 10);
    const kind = (ARTICLE_KINDS as readonly string[]).includes(k) ? (k as ArticleKind) : undefined;
    const list = await articles.list({ kind, page: pageParam(req), limit: 20, regionPrefix: articleRegion, publicOnly: true });
    sendPage(res, 200, articleListPage(site, kind, list), 'public');
  }));

  r.get('/articles/:id', ...pg, asyncHandler(async (req, res) => {
    const a = await articles.get(articleId(req.params['id']), { regionPrefix: articleRegion, publicOnly: true });
    sendPage(res, 200, articlePage(site, a, publicArticle(a, false).publishedOn), 'public');
  }));

  // Objection, complaint and repair forms: shown and accepted only when the node can file tickets.
  const accepts = (kind: TicketKind) => deps.onTicket !== undefined && (deps.ticketKinds ?? TICKET_KINDS).includes(kind);
  const unavailable = (res: Response, kind: TicketKind) => sendPage(res, 503, ticketUnavailablePage(site, KIND_TEXT[kind]));

  /** The record (objection, repair) or organisation (complaint) a form is about; NOT_FOUND unless public. */
  async function target(kind: TicketKind, source: Record<string, unknown>) {
    if (kind === 'complaint') {
      const check = checkCode(String(source['code'] ?? '').slice(0, 40));
      const subject = check.valid && check.kind === 'uscc' ? await data.subjectByCode(check.code) : undefined;
      if (!subject) throw new NotFound('未找到被投诉的企业或组织，请从主体信息页面进入投诉');
      return { subject };
    }
    return data.record(String(source['record'] ?? '').slice(0, 40));
  }

  // Objections and complaints may come as multipart/form-data with evidence files (read within the limits).
  const withFiles = (kind: TicketKind): RequestHandler => {
    const upload = deps.evidence && kind !== 'repair' ? ticketUpload(deps.evidence, { maxFieldChars: FORM_LIMITS.text * 2, maxFields: 20 }) : undefined;
    return (req, res, next) => (upload && req.is('multipart/form-data') ? upload(req, res, next) : next());
  };

  for (const kind of ['objection', 'complaint', 'repair'] as const) {
    const base = { objection: '/objections', complaint: '/complaints', repair: '/repairs' }[kind];
    r.get(`${base}/new`, ...pg, asyncHandler(async (req, res) => {
      if (!accepts(kind)) { unavailable(res, kind); return; }
      const t = await target(kind, { record: param(req, 'record', 40), code: param(req, 'code', 40) });
      sendPage(res, 200, ticketFormPage(site, { kind, ...t, values: {}, problems: [], evidence: deps.evidence }));
    }));
    r.post(base, portalPage, formLimit, forms, withFiles(kind), asyncHandler(async (req, res) => {
      if (!deps.onTicket || !accepts(kind)) { unavailable(res, kind); return; }
      const body = (req.ticketUpload?.fields ?? req.body ?? {}) as Record<string, unknown>;
      const t = await target(kind, body);
      const { fields, values, problems } = readTicketForm(kind, body);
      const again = (status: number, messages: string[]) => sendPage(res, status, ticketFormPage(site, { kind, ...t, values, problems: messages, evidence: deps.evidence }));
      if (problems.length > 0) { again(400, problems.map((p) => p.message)); return; }
      try {
        const receipt = await deps.onTicket({
          kind, recordId: 'record' in t ? t.record.id : null, subjectCode: t.subject.code, fields, ip: req.ip ?? null,
          ...(req.ticketUpload ? { files: req.ticketUpload.files } : {}),
        });
        sendPage(res, 201, ticketDonePage(site, kind, receipt));
      } catch (err) {
        if (!isCreditNodeError(err) || err.status >= 500) throw err;
        again(err.status === 404 ? 400 : err.status, [err.message]);
      }
    }));
  }

  r.get('/tickets', ...pg, asyncHandler(async (req, res) => {
    noStore(res);
    const number = param(req, 'number', 40).trim();
    if (number === '') { sendPage(res, 200, ticketLookupPage(site, { number: '' })); return; }
    if (number.length > 40 || !/^[A-Za-z0-9-]+$/.test(number)) {
      sendPage(res, 400, ticketLookupPage(site, { number: '', error: '受理编号只能包含字母、数字和 -，最多 40 位' }));
      return;
    }
    if (!deps.lookupTicket) { sendPage(res, 503, ticketUnavailablePage(site, '办件进度')); return; }
    try {
      const ticket = await deps.lookupTicket(number);
      if (!ticket) throw new NotFound('未找到该受理编号的办件，请核对编号；刚提交的申请可能需要几分钟才能查到');
      sendPage(res, 200, ticketLookupPage(site, { number, ticket }));
    } catch (err) {
      if (!isCreditNodeError(err) || err.status >= 500) throw err;
      sendPage(res, err.status, ticketLookupPage(site, { number, error: err.message }));
    }
  }));

  r.use(portalErrorHandler(site, deps.log));
  return r;
}

/** Paths the portal leaves to the node's JSON routers (their 404 stays JSON). */
const NOT_PORTAL = ['/api/', '/exchange/', '/public/', '/healthz'];

/**
 * The portal's 404 page for any other GET or HEAD; mount it after every router at '/' (it answers whatever
 * is left, so a report or verification router mounted later would never be reached).
 */
export function portalFallback(deps: Pick<PortalDeps, 'config'>): Router {
  const site = siteOf(deps.config);
  const r = Router();
  r.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_PORTAL.some((p) => req.path.startsWith(p) || req.path === p.replace(/\/$/, ''))) { next(); return; }
    portalPage(req, res, () => sendPage(res, 404, errorPage(site, 404, '您访问的页面不存在或已删除。')));
  });
  return r;
}
