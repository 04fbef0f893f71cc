import { Router, type Request } from 'express';
import type { UserService } from '../access/users.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { ipOf } from '../access/access-hook.ts';
import { principalOf, requirePermission } from '../http/auth.ts';
import { clientView, type Actor, type NewAuthorisation, type NewClient } from './clients.ts';
import { parseMonth } from './usage.ts';
import type { OpenAccess } from './open-access.ts';

export interface ClientsAdminDeps { open: OpenAccess; users: UserService }

/**
 * Operators manage third-party clients (mounted at /api/v1/clients; node:operate). Every change is audited.
 *   POST /                       register → 201 the client with its clientSecret (shown this once)
 *   GET  /                       {"clients":[...]}          GET /:id   one client
 *   POST /:id/suspend | /:id/resume | /:id/revoke
 *   POST /:id/authorisations     {"subject","datasets","expires","reference"} → 201 {"authorisationId",...}
 *   GET  /:id/authorisations     {"authorisations":[...]}
 *   GET  /:id/usage?month=YYYY-MM
 */
export function clientsAdminRoutes(deps: ClientsAdminDeps): Router {
  const { open } = deps;
  const r = Router();
  const operator = requirePermission(deps.users, 'node:operate');
  const actor = (req: Request): Actor => ({ principal: principalOf(req), ip: ipOf(req) });

  r.post('/', operator, asyncHandler(async (req, res) => {
    res.status(201).json(await open.clients.add((req.body ?? {}) as NewClient, actor(req)));
  }));
  r.get('/', operator, asyncHandler(async (_req, res) => {
    res.json({ clients: (await open.clients.list()).map(clientView) });
  }));
  r.get('/:id', operator, asyncHandler(async (req, res) => {
    res.json(clientView(await open.clients.get(req.params['id'])));
  }));
  for (const change of ['suspend', 'resume', 'revoke'] as const) {
    r.post(`/:id/${change}`, operator, asyncHandler(async (req, res) => {
      res.json(clientView(await open.clients.setStatus(req.params['id'], change, actor(req))));
    }));
  }
  r.post('/:id/authorisations', operator, asyncHandler(async (req, res) => {
    res.status(201).json(await open.clients.authorise(req.params['id'], (req.body ?? {}) as NewAuthorisation, actor(req)));
  }));
  r.get('/:id/authorisations', operator, asyncHandler(async (req, res) => {
    res.json({ authorisations: await open.clients.authorisations(req.params['id']) });
  }));
  r.get('/:id/usage', operator, asyncHandler(async (req, res) => {
    const client = await open.clients.get(req.params['id']);
    const [usage] = await open.meter.report([client], parseMonth(req.query['month'], open.meter.month()));
    res.json(usage);
  }));
  return r;
}
