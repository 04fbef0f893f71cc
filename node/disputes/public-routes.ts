import express, { Router } from 'express';
import rateLimit from 'express-rate-limit';
import { asyncHandler } from '../http/async-handler.ts';
import type { TicketService, RepairApplication } from './tickets.ts';

export interface PublicTicketRouteDeps {
  tickets: TicketService;
  /** Applications a client may file per minute (per address). */
  filesPerMinute: number;
}

/**
 * The app's side of credit repair (mounted at /public/v1): `POST /repairs` files an application
 * {recordId, claimant:{name,phone}, commitment, evidence, description?} → 201 {ticket, status, ...};
 * `GET /repairs/:ticket` (and `/tickets/:ticket` for any type) shows its progress, never the claimant.
 */
export function publicTicketRoutes(d: PublicTicketRouteDeps): Router {
  const r = Router();
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: d.filesPerMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res) => { res.status(429).json({ error: { code: 'RATE_LIMITED', message: '提交过于频繁，请稍后再试', details: [] } }); },
  });
  r.post('/repairs', limiter, express.json({ limit: '64kb' }), asyncHandler(async (req, res) => {
    res.status(201).json(await d.tickets.fileRepair((req.body ?? {}) as RepairApplication));
  }));
  const show = asyncHandler(async (req, res) => {
    res.set('cache-control', 'no-store').json(await d.tickets.lookup(String(req.params['ticket'])));
  });
  r.get('/repairs/:ticket', show);
  r.get('/tickets/:ticket', show);
  return r;
}
