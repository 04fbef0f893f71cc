import { randomUUID } from 'node:crypto';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { errorHandler } from './error-handler.ts';
import { NotFound } from '../errors.ts';

export interface HttpAppOptions {
  log: Logger;
  routers: Array<[string, Router]>;
  bodyLimit?: string;
  /** Path prefixes whose routers parse their own bodies (after authenticating the caller, with their own limit). */
  ownBodies?: string[];
}

/** The express app: security headers, request ids, JSON bodies with a size limit, routers, one error handler. */
export function createHttpApp(opts: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(helmet());
  app.use((req, res, next) => {
    req.id = req.get('x-request-id') ?? randomUUID();
    res.set('x-request-id', req.id);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      // Never the query string or body: they may hold ID numbers or passwords.
      opts.log.info({ reqId: req.id, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms) }, 'request');
    });
    next();
  });
  const json = express.json({ limit: opts.bodyLimit ?? '5mb' });
  const own = opts.ownBodies ?? [];
  app.use((req, res, next) => (own.some((p) => req.path.startsWith(p)) ? next() : json(req, res, next)));
  for (const [prefix, router] of opts.routers) app.use(prefix, router);
  // The path is echoed with anything shaped like a resident ID number masked (someone may type theirs into a URL).
  app.use((req, _res, next) => next(new NotFound(`没有这个地址：${req.method} ${req.path.replace(/\d{17}[\dXx]|\d{15}/g, (m) => `${m.slice(0, 6)}********${m.slice(-4)}`)}`)));
  app.use(errorHandler(opts.log));
  return app;
}
