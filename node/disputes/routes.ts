import { Router } from 'express';
import type { UserService } from '../access/users.ts';
import { principalOf, requireAnyPermission } from '../http/auth.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { BadRequest } from '../errors.ts';
import { ipOf, type AccessHook } from '../access/access-hook.ts';
import type { TicketService } from './tickets.ts';

export interface TicketRouteDeps { tickets: TicketService; users: UserService; access: AccessHook }

const one = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * /api/v1/tickets — the deciding unit's view: the tickets this node decides (an operator all of them, a clerk
 * those about their own source unit's records), one ticket with the claimant's contact, and the decision.
 */
export function ticketRoutes(d: TicketRouteDeps): Router {
  const r = Router();
  const handlers = requireAnyPermission(d.users, ['node:operate', 'records:write']);
  r.get('/', handlers, asyncHandler(async (req, res) => {
    const principal = principalOf(req);
    const status = one(req.query['status']);
    const type = one(req.query['type']);
    const limit = req.query['limit'] === undefined ? 100 : Number(req.query['limit']);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new BadRequest('每页条数 limit 须为 1 到 500 之间的整数', [{ path: 'limit', message: '1–500' }]);
    const items = await d.tickets.list(principal, { ...(status ? { status: status.split(',') } : {}), ...(type ? { type } : {}) }, limit);
    await d.access({ principal, action: 'query', target: 'tickets', count: items.length, ip: ipOf(req) });
    res.json({ items });
  }));
  r.get('/:number', handlers, asyncHandler(async (req, res) => {
    const principal = principalOf(req);
    const t = await d.tickets.show(principal, String(req.params['number']));
    await d.access({ principal, action: 'query', target: t.number, subject: t.subject?.key ?? null, count: 1, ip: ipOf(req) });
    res.json(t);
  }));
  r.post('/:number/resolve', handlers, asyncHandler(async (req, res) => {
    const principal = principalOf(req);
    const body = (req.body ?? {}) as { outcome?: unknown; reasons?: unknown };
    const t = await d.tickets.resolve(principal, String(req.params['number']), body);
    await d.access({ principal, action: 'write', target: t.number, subject: t.subject?.key ?? null, count: 1, ip: ipOf(req), detail: { ticket: t.number, outcome: t.outcome } });
    res.json(t);
  }));
  return r;
}
