import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { HelmetOptions } from 'helmet';
import rateLimit from 'express-rate-limit';
import type { Logger } from 'pino';
import { isCreditNodeError } from '../errors.ts';
import { describeStoreError } from '../store/errors.ts';
import type { SiteInfo } from './site.ts';
import { errorPage } from './pages/errors.ts';

/**
 * The content security policy of the portal pages: everything from the node itself, no script at all inline
 * (the pages have none), styles only from the stylesheet, images from the node or data: URLs, no framing.
 * Without upgrade-insecure-requests: nodes also serve plain HTTP on loopback and the demo.
 */
export const PORTAL_CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'manifest-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

export const PORTAL_CSP = Object.entries(PORTAL_CSP_DIRECTIVES).map(([k, v]) => `${k} ${v.join(' ')}`).join('; ');

/** Helmet options with the portal's CSP, for an app that serves the portal (the portal also sets it per page). */
export const portalHelmetOptions: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: Object.fromEntries(Object.entries(PORTAL_CSP_DIRECTIVES).map(([k, v]) => [k, [...v]])) },
};

/** Marks a response as a portal page: its CSP, and errors on the way rendered as HTML by portalErrorHandler. */
export const portalPage: RequestHandler = (_req, res, next) => {
  res.locals['portalPage'] = true;
  res.set('Content-Security-Policy', PORTAL_CSP);
  next();
};

export function noStore(res: Response): void {
  res.set('Cache-Control', 'no-store');
}

export function sendPage(res: Response, status: number, htmlText: string, cache: 'public' | 'no-store' = 'no-store'): void {
  res.status(status).set('Cache-Control', cache === 'public' ? 'public, max-age=60' : 'no-store').type('html').send(htmlText);
}

/** Requests per minute per client address; past it 429 as a Chinese page or as the house JSON error. */
export function portalLimiter(perMinute: number, answer: 'html' | 'json', site: SiteInfo): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req: Request, res: Response) => {
      res.set('Retry-After', '60');
      if (answer === 'json') {
        res.status(429).json({ error: { code: 'RATE_LIMITED', message: '请求过于频繁，请稍后再试', details: [] } });
        return;
      }
      sendPage(res, 429, errorPage(site, 429, '您的访问过于频繁，请一分钟后再试。'));
    },
  });
}

/**
 * Errors of portal pages as Chinese HTML pages with a fitting status and no internals (no stack, no SQL); a
 * 4xx of the node's own error model shows its message, written for the public. Errors of other routes pass on.
 */
export function portalErrorHandler(site: SiteInfo, log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (!res.locals['portalPage']) { next(err); return; }
    if (res.headersSent) { next(err); return; }
    res.set('Content-Security-Policy', PORTAL_CSP);
    if (isCreditNodeError(err) && err.status < 500) {
      sendPage(res, err.status, errorPage(site, err.status, err.message));
      return;
    }
    const e = err as { type?: string };
    if (e.type === 'entity.too.large') { sendPage(res, 413, errorPage(site, 413, '提交的内容过长，请精简后再提交。')); return; }
    if (e.type === 'entity.parse.failed' || e.type === 'parameters.too.many') { sendPage(res, 400, errorPage(site, 400, '提交的内容格式不正确。')); return; }
    const store = describeStoreError(err);
    // The route's pattern, not the path: a path may carry what a visitor typed.
    log.error({ reqId: req.id, route: `${req.baseUrl}${String((req.route as { path?: unknown } | undefined)?.path ?? '')}`, error: store ?? (err instanceof Error ? `${err.name}: ${err.message.slice(0, 300)}` : 'unknown') }, 'portal page failed');
    sendPage(res, 500, errorPage(site, 500));
  };
}
