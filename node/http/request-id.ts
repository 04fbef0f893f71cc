import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
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

/**
 * Remembers the route pattern when the router matches a route: express sets `req.route` then, while
 * `req.baseUrl` still holds the mount prefix (it is restored on the way out, before the response is sent).
 */
function trackRoute(req: Request): void {
  let route: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: unknown) => {
      route = value;
      const p = (value as { path?: unknown } | undefined)?.path;
      if (typeof p === 'string') req.routePattern = `${req.baseUrl}${p}`.replace(/(.)\/$/, '$1') || '/';
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
 * tokens, and the path with ID numbers masked.
 */
export function requestContext(opts: RequestContextOptions): RequestHandler {
  const prefixes = opts.prefixes ?? [];
  return (req, res, next) => {
    const id = acceptRequestId(req.get('x-request-id')) ?? randomUUID();
    req.id = id;
    req.log = opts.log.child({ reqId: id });
    res.set('X-Request-Id', id);
    trackRoute(req);
    const start = process.hrtime.bigint();
    const path = maskIdNumbers(req.path);
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = routeOf(req, prefixes);
      const ms = Math.round(seconds * 1000);
      if (!res.writableFinished) {
        req.log?.info({ method: req.method, route, path, status: res.statusCode, ms, aborted: true }, 'request aborted');
        return;
      }
      req.log?.info({ method: req.method, route, path, status: res.statusCode, ms }, 'request');
      opts.onDone?.({ method: req.method, route, status: res.statusCode, seconds });
    });
    next();
  };
}
