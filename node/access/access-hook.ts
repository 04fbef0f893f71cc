import type { Request, RequestHandler } from 'express';
import rateLimit from 'express-rate-limit';
import type { Principal } from './roles.ts';

/** One access to record in the audit trail (DESIGN.md §5): who, what, how many records, why. */
export interface AccessEntry {
  principal: Principal | null;
  action: 'query' | 'search' | 'reveal' | 'export' | 'write' | 'import' | 'enroll' | 'revoke' | 'batch_in' | 'batch_out' | 'user_add' | 'token_revoke' | 'key_rotate'
    | 'open_token' | 'open_query' | 'client_add' | 'client_status' | 'client_authorise';
  /** The subject's lookup key (a USCC or the keyed hash of an ID number), never a full ID number. */
  subject?: string | null;
  target?: string | null;
  count: number;
  purpose?: string | null;
  ip?: string | null;
  detail?: Record<string, unknown>;
}

/** Records an access before the answer leaves (the node plugs the audit log in). */
export type AccessHook = (entry: AccessEntry) => Promise<void>;

export const ipOf = (req: Request): string | null => req.ip ?? null;

/** Per-user query limit (auth.queryRateLimitPerMinute): 429 RATE_LIMITED past it. Runs after authentication. */
export function queryLimiter(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => `user:${req.principal?.userId ?? 'anonymous'}`,
    handler: (_req, res) => { res.status(429).json({ error: { code: 'RATE_LIMITED', message: '查询过于频繁，请稍后再试', details: [] } }); },
  });
}
