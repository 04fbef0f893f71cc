import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import type { UserService } from '../access/users.ts';
import { requirePermission } from '../http/auth.ts';
import { asyncHandler } from '../http/async-handler.ts';
import type { NodeMetrics } from './metrics.ts';

export interface MetricsRouteDeps {
  metrics: NodeMetrics;
  users: UserService;
  /** The scrape token of the config (metrics.token), if any. */
  token?: string | undefined;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Whether the request carries the scrape token; compared in constant time over digests (lengths may differ). */
export function carriesScrapeToken(header: string | undefined, token: string | undefined): boolean {
  if (!token) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m?.[1]) return false;
  return timingSafeEqual(digest(m[1]), digest(token));
}

/** GET /metrics (CONTRACT.md, operators): a signed-in operator or admin, or Prometheus with the scrape token. */
export function metricsRoutes(d: MetricsRouteDeps): Router {
  const r = Router();
  const operator = requirePermission(d.users, 'node:operate');
  const allowed: RequestHandler = (req, res, next) => {
    if (carriesScrapeToken(req.get('authorization'), d.token)) { next(); return; }
    operator(req, res, next);
  };
  r.get('/', allowed, asyncHandler(async (_req, res) => {
    const out = await d.metrics.render();
    res.set('Cache-Control', 'no-store').type(out.contentType).send(out.body);
  }));
  return r;
}
