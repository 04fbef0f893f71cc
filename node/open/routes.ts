import { Router, type Request } from 'express';
import rateLimit from 'express-rate-limit';
import { asyncHandler } from '../http/async-handler.ts';
import { ipOf } from '../access/access-hook.ts';
import { BadRequest } from '../errors.ts';
import type { OpenAccess, OpenCall } from './open-access.ts';
import { AUTHORISATION_ID, type Client } from './clients.ts';

export interface OpenRouteDeps {
  open: OpenAccess;
  /** Token requests per address and minute (the node's auth.signInRateLimitPerMinute). */
  signInPerMinute: number;
}

const bearer = (req: Request): string | undefined => /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];

/**
 * The third-party API (mounted at /open/v1):
 *   POST /token            {"clientId","clientSecret"} → {"token","tokenType":"Bearer","expiresAt"}
 *   GET  /subjects/:code   [?datasets=a,b] [?fields=a.x,b.y], header X-Authorisation for 授权查询 and natural persons
 *   GET  /changes          ?since=<cursor>&limit=<n> [&datasets=a,b] → {"items":[...],"next","hasMore"}
 * Every call is checked (token, the client's standing, rate, quota, scope), metered and audited, refusals too.
 */
export function openRoutes(deps: OpenRouteDeps): Router {
  const { open } = deps;
  const r = Router();
  const signInLimiter = rateLimit({
    windowMs: 60_000,
    limit: deps.signInPerMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res) => { res.status(429).json({ error: { code: 'RATE_LIMITED', message: '申请令牌过于频繁，请稍后再试', details: [] } }); },
  });
  r.post('/token', signInLimiter, asyncHandler(async (req, res) => {
    const { clientId, clientSecret } = (req.body ?? {}) as { clientId?: unknown; clientSecret?: unknown };
    if (typeof clientId !== 'string' || typeof clientSecret !== 'string') {
      throw new BadRequest('请提供机构编号和密钥', [{ path: 'clientId', message: '必填' }, { path: 'clientSecret', message: '必填' }]);
    }
    res.json(await open.signIn(clientId, clientSecret, ipOf(req)));
  }));

  /** One open call: authenticate, do the work, then count, meter and audit it (or the refusal) before answering. */
  const call = (endpoint: OpenCall['endpoint'], work: (client: Client, req: Request, call: OpenCall) => Promise<{ body: unknown; records: number }>) =>
    asyncHandler(async (req, res) => {
      const c: OpenCall = { endpoint, ip: ipOf(req), client: null, subject: null, detail: {} };
      try {
        const client = await open.authenticate(c, bearer(req));
        const out = await work(client, req, c);
        await open.served(c, out.records);
        res.json(out.body);
      } catch (err) {
        await open.refused(c, err);
        throw err;
      }
    });

  r.get('/subjects/:code', call('subject', async (client, req, c) => {
    const ref = open.data.ref(req.params['code']);
    c.subject = ref.key;
    const authorisation = req.get('x-authorisation')?.trim() || undefined;
    // Only a well-formed id goes into the audit trail (a header may carry anything, an ID number too).
    if (authorisation && AUTHORISATION_ID.test(authorisation)) c.detail['authorisation'] = authorisation;
    const { answer } = await open.data.subject(client, ref, { authorisation, datasets: req.query['datasets'], fields: req.query['fields'] });
    return { body: answer, records: answer.records.length };
  }));

  r.get('/changes', call('changes', async (client, req, c) => {
    const page = await open.feed.page(client, { since: req.query['since'], limit: req.query['limit'], datasets: req.query['datasets'], fields: req.query['fields'] });
    c.detail['next'] = page.next;
    c.detail['items'] = page.items.length;
    return { body: page, records: page.items.filter((i) => i.op === 'upsert').length };
  }));
  return r;
}
