import { pino } from 'pino';
import type { Express } from 'express';
import type { NodeContext } from '../../node/app.ts';
import type { Config } from '../../node/config/types.ts';
import { createHttpApp } from '../../node/http/app.ts';
import { portalFallback, portalRoutes } from '../../node/portal/routes.ts';
import { publicApiRoutes } from '../../node/portal/api-routes.ts';
import { articlesAdminRoutes } from '../../node/portal/articles-routes.ts';
import type { LookupTicket, SubmitTicket, TicketKind } from '../../node/portal/tickets.ts';
import type { CountStatistics } from '../../node/portal/statistics-counts.ts';

export interface PortalAppOptions {
  portal?: Partial<Config['portal']>;
  role?: Config['role'];
  region?: string;
  onTicket?: SubmitTicket;
  lookupTicket?: LookupTicket;
  ticketKinds?: TicketKind[];
  countStatistics?: CountStatistics;
}

/** The portal, its app API and the articles admin API on a node's store, as the node mounts them. */
export function portalApp(ctx: NodeContext, opts: PortalAppOptions = {}): Express {
  const config = {
    ...ctx.config,
    ...(opts.role ? { role: opts.role } : {}),
    ...(opts.region ? { region: opts.region } : {}),
    portal: { ...ctx.config.portal, rateLimitPerMinute: 100_000, formRateLimitPerMinute: 100_000, ...opts.portal },
  };
  const deps = { db: ctx.store.knex, clock: ctx.clock, log: pino({ level: 'silent' }), registry: ctx.registry, config, onTicket: opts.onTicket, lookupTicket: opts.lookupTicket, ticketKinds: opts.ticketKinds, countStatistics: opts.countStatistics };
  return createHttpApp({
    log: pino({ level: 'silent' }),
    routers: [
      ['/', portalRoutes(deps)],
      ['/public/v1', publicApiRoutes(deps)],
      ['/api/v1/articles', articlesAdminRoutes({ db: ctx.store.knex, clock: ctx.clock, users: ctx.users, access: ctx.access })],
      ['/', portalFallback(deps)],
    ],
  });
}
