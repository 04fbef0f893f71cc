import { randomUUID } from 'node:crypto';
import type { Express, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request's logger: every line carries its `reqId`. */
    log?: Logger;
    /** Mount prefix + route path of the route that handled the request (`/api/v1/records/:id`), once matched. */
    routePattern?: string;
  }
}

/** What the request middleware reports when a response has been sent. */
export interface RequestDone { method: string; route: string; status: number; seconds: number }

export interface RequestContextOptions {
  log: Logger;
  /** The routers' mount prefixes: a request no route matched is labelled `<prefix>/*` by the longest one. */
  prefixes?: string[];
  onDone?: (r: RequestDone) => void;
}

/** An incoming id is kept when short and plain; never one holding a run of digits as long as an ID number. */
const SANE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function acceptRequestId(value: string | undefined): string | undefined {
  return value && SANE_ID.test(value) && !/\d{15}/.test(value) ? value : undefined;
}

/** Anything shaped like a resident ID number masked (someone may type theirs into a URL). */
export function maskIdNumbers(s: string): string {
  return s.replace(/\d{17}[\dXx]|\d{15}/g, (m) => `${m.slice(0, 6)}********${m.slice(-4)}`);
}

const LOG = Symbol('log');
const ROUTE = Symbol('route');
type ContextRequest = Request & { [LOG]?: Logger; [ROUTE]?: unknown };

/**
 * Accessors on the app's request prototype, installed once rather than on every request (an own accessor per
 * request object costs each request a slow object): `req.log`, the request's logger, made on first use (most
 * requests log only their access line, which needs none); `req.route`, which remembers the route pattern when
 * the router matches a route — express sets `req.route` then, while `req.baseUrl` still holds the mount prefix
 * (it is restored on the way out, before the response is sent).
 */
function installAccessors(proto: object, log: Logger): void {
  Object.defineProperties(proto, {
    log: {
      configurable: true,
      get(this: ContextRequest) { return (this[LOG] ??= log.child({ reqId: this.id })); },
      set(this: ContextRequest, value: Logger) { this[LOG] = value; },
    },
    route: {
      configurable: true,
      get(this: ContextRequest) { return this[ROUTE]; },
      set(this: ContextRequest, value: unknown) {
        this[ROUTE] = value;
        const p = (value as { path?: unknown } | undefined)?.path;
        if (typeof p === 'string') this.routePattern = `${this.baseUrl}${p}`.replace(/(.)\/$/, '$1') || '/';
      },
    },
  });
}

function routeOf(req: Request, prefixes: string[]): string {
  if (req.routePattern) return req.routePattern;
  const prefix = prefixes.filter((p) => p !== '/' && (req.path === p || req.path.startsWith(`${p}/`))).sort((a, b) => b.length - a.length)[0];
  return prefix ? `${prefix}/*` : 'unmatched';
}

/**
 * Request ids and the access log: each request gets an id (a sane `X-Request-Id` it came with, or a new one),
 * echoed in the `X-Request-Id` header and carried by `req.log`, so every line logged for it has `reqId`. One
 * access line per request at info level; never the query string or the body, which may hold ID numbers or
 * tokens, and the path with ID numbers masked. `app` is the express app the middleware is used in.
 */
export function requestContext(app: Express, opts: RequestContextOptions): RequestHandler {
  const prefixes = opts.prefixes ?? [];
  installAccessors(app.request, opts.log);
  return (req, res, next) => {
    const id = acceptRequestId(req.headers['x-request-id'] as string | undefined) ?? randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const start = process.hrtime.bigint();
    const path = maskIdNumbers(req.path);
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = routeOf(req, prefixes);
      const ms = Math.round(seconds * 1000);
      // The access line carries reqId as the request's logger would, without making one for it.
      const logger = (req as ContextRequest)[LOG];
      if (!res.writableFinished) {
        if (logger) logger.info({ method: req.method, route, path, status: res.statusCode, ms, aborted: true }, 'request aborted');
        else opts.log.info({ reqId: id, method: req.method, route, path, status: res.statusCode, ms, aborted: true }, 'request aborted');
        return;
      }
      if (logger) logger.info({ method: req.method, route, path, status: res.statusCode, ms }, 'request');
      else opts.log.info({ reqId: id, method: req.method, route, path, status: res.statusCode, ms }, 'request');
      opts.onDone?.({ method: req.method, route, status: res.statusCode, seconds });
    });
    next();
  };
}
