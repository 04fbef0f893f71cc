import express, { type Express, type Request, type RequestHandler, type Response, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { errorHandler } from './error-handler.ts';
import { maskIdNumbers, requestContext, type RequestDone } from './request-id.ts';
import { NotFound } from '../errors.ts';

export interface HttpAppOptions {
  log: Logger;
  routers: Array<[string, Router]>;
  bodyLimit?: string;
  /** Path prefixes whose routers parse their own bodies (after authenticating the caller, with their own limit). */
  ownBodies?: string[];
  /** Each finished request (method, route pattern, status, seconds), e.g. for the latency histogram. */
  onRequestDone?: (r: RequestDone) => void;
  /** Each error response's code, e.g. for the errors counter. */
  onError?: (code: string) => void;
}

/** The express app: security headers, request ids, JSON bodies with a size limit, routers, one error handler. */
export function createHttpApp(opts: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders());
  app.use(requestContext(app, { log: opts.log, prefixes: opts.routers.map(([p]) => p), ...(opts.onRequestDone ? { onDone: opts.onRequestDone } : {}) }));
  const json = express.json({ limit: opts.bodyLimit ?? '5mb' });
  const own = opts.ownBodies ?? [];
  app.use((req, res, next) => (own.some((p) => req.path.startsWith(p)) ? next() : json(req, res, next)));
  for (const [prefix, router] of opts.routers) app.use(prefix, router);
  // The path is echoed with anything shaped like a resident ID number masked (someone may type theirs into a URL).
  app.use((req, _res, next) => next(new NotFound(`没有这个地址：${req.method} ${maskIdNumbers(req.path)}`)));
  app.use(errorHandler(opts.log, opts.onError));
  return app;
}

/**
 * helmet's headers, worked out once (they do not depend on the request) and set from that list: the same
 * headers for a fraction of what running helmet's middlewares costs every request.
 */
export function securityHeaders(): RequestHandler {
  const headers = new Map<string, string>();
  const recorder = { setHeader: (name: string, value: unknown) => headers.set(name, String(value)), removeHeader: (name: string) => headers.delete(name), getHeader: () => undefined };
  helmet()({} as Request, recorder as unknown as Response, () => undefined);
  const list = [...headers];
  return (_req, res, next) => {
    for (const [name, value] of list) res.setHeader(name, value);
    next();
  };
}
