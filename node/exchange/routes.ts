import express, { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Clock } from '../clock.ts';
import type { NodeTokenVerifier } from './node-auth.ts';
import type { EventLog } from './event-log.ts';
import type { DirectoryService } from './directory.ts';
import type { ExchangeService } from './service.ts';
import { LINES_TYPE } from './batch.ts';
import { childHeads } from '../audit/audit-log.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { BadRequest, NodeTokenInvalid } from '../errors.ts';

declare module 'express-serve-static-core' {
  interface Request {
    callerNode?: string;
  }
}

/** Every exchange request carries a node token (DESIGN.md §4); sets req.callerNode. */
export function requireNode(verifier: NodeTokenVerifier): RequestHandler {
  return asyncHandler(async (req, _res, next) => {
    const m = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
    if (!m?.[1]) throw new NodeTokenInvalid('缺少节点凭证（Authorization: Bearer <JWT>）');
    req.callerNode = (await verifier.verify(m[1])).caller;
    next();
  });
}

export interface ExchangeRouteDeps {
  db: Knex;
  eventLog: EventLog;
  verifier: NodeTokenVerifier;
  directory: DirectoryService;
  exchange: ExchangeService;
  maxBatchBytes: number;
  /** The node's clock: answers carry its time in Date, from which callers learn the skew between them. */
  clock?: Clock;
}

const intParam = (v: unknown, name: string, dflt: number): number => {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new BadRequest(`参数 ${name} 必须是非负整数`, [{ path: name, message: '必须是非负整数' }]);
  return n;
};

/** The exchange protocol v1 endpoints (DESIGN.md §4, CONTRACT.md): up, down, heads, the directory, and recover. */
export function exchangeRoutes(d: ExchangeRouteDeps): Router {
  const r = Router();
  // Before authentication, so a refused caller learns the time too (a skewed clock is a reason to be refused).
  if (d.clock) {
    const clock = d.clock;
    r.use((_req, res, next) => { res.setHeader('Date', clock().toUTCString()); next(); });
  }
  r.use(requireNode(d.verifier));
  // The body is parsed only once the caller is known, with the exchange's own limit (413 makes senders halve).
  // The JSON form (CONTRACT.md) and the line form nodes send (batch.ts LINES_TYPE), which stays bytes here.
  r.post('/up', express.json({ limit: d.maxBatchBytes }), express.raw({ type: LINES_TYPE, limit: d.maxBatchBytes }), asyncHandler(async (req, res) => {
    res.json(await d.exchange.receiveUp(req.callerNode as string, req.body));
  }));
  r.get('/down', asyncHandler(async (req, res) => {
    const after = intParam(req.query['after'], 'after', 0);
    const limit = intParam(req.query['limit'], 'limit', 1000);
    res.type('application/json').send(await d.exchange.serveDown(req.callerNode as string, after, limit));
  }));
  r.get('/recover', asyncHandler(async (req, res) => {
    const origin = req.query['origin'];
    if (typeof origin !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(origin)) throw new BadRequest('参数 origin 必须是节点标识', [{ path: 'origin', message: '必须是节点标识' }]);
    const after = intParam(req.query['after'], 'after', 0);
    const limit = intParam(req.query['limit'], 'limit', 1000);
    res.json(await d.exchange.serveRecover(req.callerNode as string, origin, after, limit));
  }));
  r.get('/heads', asyncHandler(async (req, res) => {
    // With the caller's audit head as this node holds it, so the caller sends its audit evidence from there.
    const audit = (await childHeads(d.db)).find((h) => h.node === req.callerNode);
    res.json({ heads: await d.eventLog.heads(d.db), audit: { seq: audit?.seq ?? 0, hash: audit?.hash ?? null } });
  }));
  r.get('/directory', asyncHandler(async (_req, res) => {
    res.json({ directory: await d.directory.signed() });
  }));
  return r;
}
