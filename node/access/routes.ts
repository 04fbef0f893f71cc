import { Router } from 'express';
import rateLimit from 'express-rate-limit';
import type { UserService } from './users.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { BadRequest } from '../errors.ts';
import { authenticated, principalOf } from '../http/auth.ts';

export function authRoutes(users: UserService, signInPerMinute = 20): Router {
  const r = Router();
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: signInPerMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res) => { res.status(429).json({ error: { code: 'RATE_LIMITED', message: '登录请求过于频繁，请稍后再试', details: [] } }); },
  });
  r.post('/token', limiter, asyncHandler(async (req, res) => {
    const { username, password } = (req.body ?? {}) as { username?: unknown; password?: unknown };
    if (typeof username !== 'string' || typeof password !== 'string') {
      throw new BadRequest('请提供用户名和密码', [{ path: 'username', message: '必填' }, { path: 'password', message: '必填' }]);
    }
    res.json(await users.signIn(username, password));
  }));
  // Sign-out: every token of the caller stops working at once.
  r.post('/logout', authenticated(users), asyncHandler(async (req, res) => {
    res.json(await users.revokeTokens(principalOf(req).username));
  }));
  return r;
}
