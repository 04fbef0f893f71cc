import { Router, type RequestHandler } from 'express';
import type { NodeTokenVerifier } from './node-auth.ts';
import type { Knex } from 'knex';
import type { EventLog } from './event-log.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { NodeTokenInvalid } from '../errors.ts';

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

/** The exchange endpoints built so far: the receiver's heads, so a sender can resume after any failure. */
export function exchangeRoutes(db: Knex, eventLog: EventLog, verifier: NodeTokenVerifier): Router {
  const r = Router();
  r.use(requireNode(verifier));
  r.get('/heads', asyncHandler(async (_req, res) => {
    res.json({ heads: await eventLog.heads(db) });
  }));
  return r;
}
