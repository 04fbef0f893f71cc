import { Router } from 'express';
import type { UserService } from '../access/users.ts';
import { principalOf, requireAnyPermission } from '../http/auth.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { BadRequest } from '../errors.ts';
import { ipOf, type AccessHook } from '../access/access-hook.ts';
import type { TicketService } from './tickets.ts';

export interface TicketRouteDeps {
  tickets: TicketService;
  users: UserService;
  access: AccessHook;
  /** Open, overdue and closed tickets per node and per source unit, with the escalations (escalation.ts). */
  stats: () => Promise<unknown>;
}

const one = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * /api/v1/tickets — the deciding unit's view: the tickets this node decides (an operator all of them, a clerk
 * those about their own source unit's records; `?status=&type=&overdue=1`), one ticket with the claimant's
 * contact, its evidence files (`/:number/evidence/:n`, from 1), the decision (`POST /:number/resolve`
 * {outcome, reasons (or note), record (a correction's corrected record)}), and `/stats` for operators.
 */
export function ticketRoutes(d: TicketRouteDeps): Router {
  const r = Router();
  const handlers = requireAnyPermission(d.users, ['node:operate', 'records:write']);
  r.get('/', handlers, asyncHandler(async (req, res) => {
    const principal = principalOf(req);
    const status = one(req.query['status']);
    const type = one(req.query['type']);
    const overdue = one(req.query['overdue']) === '1' || one(req.query['overdue']) === 'true';
    const limit = req.query['limit'] === undefined ? 100 : Number(req.query['limit']);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new BadRequest('每页条数 limit 须为 1 到 500 之间的整数', [{ path: 'limit', message: '1–500' }]);
    const items = await d.tickets.list(principal, { ...(status ? { status: status.split(',') } : {}), ...(type ? { type } : {}), ...(overdue ? { overdue } : {}) }, limit);
    await d.access({ principal, action: 'query', target: 'tickets', count: items.length, ip: ipOf(req) });
    res.json({ items });
  }));
  // Before /:number. Operators (and the hub's, for the whole federation) see which units answer late.
  r.get('/stats', requireAnyPermission(d.users, ['node:operate']), asyncHandler(async (req, res) => {
    const principal = principalOf(req);
    const stats = await d.stats();
    await d.access({ principal, action: 'query', target: 'tickets:stats', count: 0, ip: ipOf(req) });
    res.json(stats);
  }));
  r.get('/:number/evidence/:index', handlers, asyncHandler(async (req, res) => {
    const principal = principalOf(req);
    const index = Number(req.params['index']);
    if (!Number.isInteger(index) || index < 1 || index > 100) throw new BadRequest('证明材料序号须为正整数（从 1 开始）', [{ path: 'index', message: '1, 2, …' }]);
    const file = await d.tickets.evidenceFile(principal, String(req.params['number']), index - 1);
    await d.access({ principal, action: 'export', target: String(req.params['number']).toUpperCase(), count: 1, ip: ipOf(req), detail: { evidence: index, sha256: file.sha256 } });
    res.set('content-type', file.type).set('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`)
      .set('x-content-type-options', 'nosniff').set('cache-control', 'no-store').send(file.data);
  }));
  r.get('/:number', handlers, asyncHandler(async (req, res) => {
    const principal = principalOf(req);
    const t = await d.tickets.show(principal, String(req.params['number']));
    await d.access({ principal, action: 'query', target: t.number, subject: t.subject?.key ?? null, count: 1, ip: ipOf(req) });
    res.json(t);
  }));
  r.post('/:number/resolve', handlers, asyncHandler(async (req, res) => {
    const principal = principalOf(req);
    const raw = (req.body ?? {}) as { outcome?: unknown; reasons?: unknown; note?: unknown; record?: unknown };
    const body = { outcome: raw.outcome, reasons: raw.reasons ?? raw.note, record: raw.record };
    const t = await d.tickets.resolve(principal, String(req.params['number']), body);
    await d.access({ principal, action: 'write', target: t.number, subject: t.subject?.key ?? null, count: 1, ip: ipOf(req), detail: { ticket: t.number, outcome: t.outcome } });
    res.json(t);
  }));
  return r;
}
