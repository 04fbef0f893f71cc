import { Router } from 'express';
import type { UserService } from '../access/users.ts';
import { ipOf, type AccessHook } from '../access/access-hook.ts';
import { BadRequest } from '../errors.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { principalOf, requirePermission } from '../http/auth.ts';
import { maskContact } from './mask.ts';
import type { Notification, NotificationCounts, Outbox } from './outbox.ts';

/** `access`, when given, records each listing in the audit trail. */
export interface NotificationRouteDeps { outbox: Outbox; users: UserService; access?: AccessHook }

/** A query parameter given once as text, or absent; BAD_REQUEST for a repeated one. */
function param(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new BadRequest(`查询参数 ${name} 只能给一次`, [{ path: name, message: '只能给一次' }]);
  return v;
}

/** A notification as operators see it: the claimant's contact masked (the gateway alone gets it whole). */
export function listedNotification(n: Notification): Notification {
  return { ...n, contact: maskContact(n.contact) };
}

/**
 * /api/v1/notifications — the outbox for operators and admins (node:operate), to see what was sent to whom and
 * what is stuck:
 *   GET /?ticket=&status=pending|sent|failed&audience=claimant|handler|escalation&limit=1..500 (default 100)
 *     → { items (newest first), counts: { pending, sent, failed } }
 */
export function notificationRoutes(deps: NotificationRouteDeps): Router {
  const r = Router();
  const operator = requirePermission(deps.users, 'node:operate');
  r.get('/', operator, asyncHandler(async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const limitText = param(q, 'limit');
    const limit = limitText === undefined ? 100 : /^\d{1,4}$/.test(limitText) ? Number(limitText) : Number.NaN;
    const items = await deps.outbox.list({ ticket: param(q, 'ticket'), status: param(q, 'status'), audience: param(q, 'audience') }, limit);
    const counts: NotificationCounts = await deps.outbox.counts();
    if (deps.access) await deps.access({ principal: principalOf(req), action: 'query', target: 'notifications', count: items.length, ip: ipOf(req) });
    res.json({ items: items.map(listedNotification), counts });
  }));
  return r;
}
