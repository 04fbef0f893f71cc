import { Router } from 'express';
import type { Config } from '../config/types.ts';

export function healthRoutes(config: Config): Router {
  const r = Router();
  r.get('/', (_req, res) => { res.json({ status: 'ok', id: config.id, role: config.role }); });
  return r;
}
