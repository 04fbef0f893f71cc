import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import rateLimit from 'express-rate-limit';
import type { Logger } from 'pino';
import type { UserService } from '../access/users.ts';
import { can, type Principal } from '../access/roles.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { requirePermission } from '../http/auth.ts';
import { PORTAL_CSP } from '../portal/safety.ts';
import { isCreditNodeError } from '../errors.ts';
import { describeStoreError } from '../store/errors.ts';
import type { DashboardService } from './data.ts';
import { dashboardPage, loginPage, opsErrorPage, OPS_CSS, type Frame } from './pages.ts';
import { clearedCookie, cookieValue, csrfToken, fromOwnPage, originOf, sameToken, SESSION_COOKIE, sessionCookie } from './session.ts';

export interface DashboardRouteDeps {
  dashboard: DashboardService;
  users: UserService;
  log: Logger;
  nodeName: string;
  /** Sign-in attempts per minute per address, as POST /api/v1/auth/token allows. */
  signInPerMinute: number;
  /** Lifetime of the session token (auth.tokenTtlSeconds): the cookie lives as long. */
  tokenTtlSeconds: number;
  /** listen.publicUrl: forms posted from pages at this address are accepted too (behind a proxy). */
  publicUrl?: string | undefined;
}

const send = (res: Response, status: number, body: string) => {
  res.status(status).set('Cache-Control', 'no-store').type('html').send(body);
};

/** The portal's CSP; no store; a Referrer-Policy that keeps the Origin of same-site form posts (fromOwnPage). */
const opsHeaders: RequestHandler = (_req, res, next) => {
  res.set({ 'Content-Security-Policy': PORTAL_CSP, 'Referrer-Policy': 'same-origin', 'Cache-Control': 'no-store' });
  next();
};

/**
 * The operators' dashboard at /ops: `GET /` (the federation picture, signed in as admin or operator),
 * `GET|POST /login`, `POST /logout`. Server-rendered Chinese HTML without script. The session is the node's
 * ordinary token (same lock-out as POST /api/v1/auth/token) in an HttpOnly SameSite=Strict cookie; forms are
 * accepted only from the node's own pages (Origin), sign-out also carries the session's form token.
 */
export function dashboardPages(deps: DashboardRouteDeps): Router {
  const r = Router();
  const forms = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
  const frame = (session?: { principal: Principal; token: string }): Frame => ({
    nodeName: deps.nodeName,
    ...(session ? { user: { username: session.principal.username, role: session.principal.role }, csrf: csrfToken(session.token) } : {}),
  });
  const limiter = rateLimit({
    windowMs: 60_000, limit: deps.signInPerMinute, standardHeaders: 'draft-7', legacyHeaders: false,
    handler: (_req: Request, res: Response) => { res.set('Retry-After', '60'); send(res, 429, opsErrorPage(frame(), 429, '登录请求过于频繁，请一分钟后再试。')); },
  });
  const allowed = (req: Request) => [`${req.protocol}://${req.get('host') ?? ''}`, originOf(deps.publicUrl)].filter((o): o is string => !!o);
  const ownForm = (req: Request) => fromOwnPage({ origin: req.get('origin'), referer: req.get('referer') }, allowed(req));

  /** The signed-in session, if the cookie holds a token that still works (role not checked here). */
  async function session(req: Request): Promise<{ principal: Principal; token: string } | undefined> {
    const token = cookieValue(req.get('cookie'), SESSION_COOKIE);
    if (!token) return undefined;
    try {
      return { principal: await deps.users.authenticate(token), token };
    } catch {
      return undefined;
    }
  }

  r.use(opsHeaders);

  r.get(OPS_CSS.url.slice('/ops'.length), (req, res) => {
    res.set({ 'Cache-Control': 'public, max-age=31536000, immutable', ETag: OPS_CSS.etag, 'Content-Type': 'text/css; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    if (req.get('if-none-match') === OPS_CSS.etag) { res.status(304).end(); return; }
    res.send(OPS_CSS.body);
  });

  r.get('/login', asyncHandler(async (req, res) => {
    const s = await session(req);
    if (s && can(s.principal.role, 'node:operate')) { res.redirect(303, '/ops/'); return; }
    send(res, 200, loginPage(frame(), req.query['out'] === '1' ? { notice: '您已退出登录。' } : {}));
  }));

  r.post('/login', limiter, forms, asyncHandler(async (req, res) => {
    if (!ownForm(req)) { send(res, 403, opsErrorPage(frame(), 403, '请求来源不符，请从登录页面重新提交。')); return; }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const username = typeof body['username'] === 'string' ? body['username'].trim().slice(0, 64) : '';
    const password = typeof body['password'] === 'string' ? body['password'].slice(0, 200) : '';
    if (!username || !password) { send(res, 400, loginPage(frame(), { username, error: '请填写用户名和密码。' })); return; }
    let token: string;
    try {
      token = (await deps.users.signIn(username, password)).token;
    } catch (err) {
      if (!isCreditNodeError(err) || err.status !== 401) throw err;
      send(res, 401, loginPage(frame(), { username, error: err.message }));
      return;
    }
    const principal = await deps.users.authenticate(token);
    if (!can(principal.role, 'node:operate')) {
      send(res, 403, loginPage(frame(), { username, error: `当前角色（${principal.role}）无权查看运行监控，仅限管理员和运维人员。` }));
      return;
    }
    res.set('Set-Cookie', sessionCookie(token, deps.tokenTtlSeconds, req.secure));
    res.redirect(303, '/ops/');
  }));

  r.post('/logout', forms, asyncHandler(async (req, res) => {
    if (!ownForm(req)) { send(res, 403, opsErrorPage(frame(), 403, '请求来源不符，请从本站页面退出登录。')); return; }
    const s = await session(req);
    if (s) {
      const given = typeof (req.body as Record<string, unknown> | undefined)?.['csrf'] === 'string' ? String((req.body as Record<string, unknown>)['csrf']) : '';
      if (!sameToken(given, csrfToken(s.token))) { send(res, 403, opsErrorPage(frame(s), 403, '表单已失效，请刷新页面后重新退出登录。')); return; }
      // As POST /api/v1/auth/logout: every token of the user stops working at once.
      await deps.users.revokeTokens(s.principal.username);
    }
    res.set('Set-Cookie', clearedCookie(req.secure));
    res.redirect(303, '/ops/login?out=1');
  }));

  r.get('/', asyncHandler(async (req, res) => {
    const s = await session(req);
    if (!s) {
      if (cookieValue(req.get('cookie'), SESSION_COOKIE)) res.set('Set-Cookie', clearedCookie(req.secure));
      res.redirect(303, '/ops/login');
      return;
    }
    if (!can(s.principal.role, 'node:operate')) { send(res, 403, opsErrorPage(frame(s), 403, `当前角色（${s.principal.role}）无权查看运行监控，仅限管理员和运维人员。`)); return; }
    send(res, 200, dashboardPage(frame(s), await deps.dashboard.read()));
  }));

  // Errors of these pages as Chinese pages without internals (the JSON error handler is for the API).
  const onError: ErrorRequestHandler = (err: unknown, req, res, next) => {
    if (res.headersSent) { next(err); return; }
    if (isCreditNodeError(err) && err.status < 500) { send(res, err.status, opsErrorPage(frame(), err.status, err.message)); return; }
    const e = err as { type?: string };
    if (e.type === 'entity.too.large' || e.type === 'parameters.too.many') { send(res, 413, opsErrorPage(frame(), 413, '提交的内容过长。')); return; }
    // The route's pattern, never a database's raw message (it carries the statement).
    deps.log.error({ reqId: req.id, route: `${req.baseUrl}${String((req.route as { path?: unknown } | undefined)?.path ?? '')}`, error: describeStoreError(err) ?? (err instanceof Error ? `${err.name}: ${err.message.slice(0, 300)}` : 'unknown') }, 'ops page failed');
    send(res, 500, opsErrorPage(frame(), 500, '服务器处理请求时出现问题，请稍后再试。'));
  };
  r.use(onError);
  return r;
}

/** `GET /dashboard` (mounted at /api/v1/federation): the same data as JSON for scripts (admins and operators). */
export function dashboardApi(deps: Pick<DashboardRouteDeps, 'dashboard' | 'users'>): Router {
  const r = Router();
  r.get('/dashboard', requirePermission(deps.users, 'node:operate'), asyncHandler(async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await deps.dashboard.read());
  }));
  return r;
}
