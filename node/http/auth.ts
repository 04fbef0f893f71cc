import type { Request, RequestHandler } from 'express';
import type { UserService } from '../access/users.ts';
import { can, type Permission, type Principal } from '../access/roles.ts';
import { Forbidden, Unauthorized } from '../errors.ts';
import { asyncHandler } from './async-handler.ts';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    id?: string;
  }
}

/** Requires a valid user token carrying the permission; sets req.principal. */
export function requirePermission(users: UserService, permission: Permission): RequestHandler {
  return requireAnyPermission(users, [permission]);
}

/** Requires a valid user token carrying one of the permissions; sets req.principal. */
export function requireAnyPermission(users: UserService, permissions: Permission[]): RequestHandler {
  return asyncHandler(async (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m?.[1]) throw new Unauthorized('缺少登录凭证（Authorization: Bearer <token>）');
    const principal = await users.authenticate(m[1]);
    if (!permissions.some((p) => can(principal.role, p))) throw new Forbidden(`当前角色（${principal.role}）无权执行此操作`);
    req.principal = principal;
    next();
  });
}

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new Unauthorized();
  return req.principal;
}

/** Requires a valid user token, whatever the role; sets req.principal. */
export function authenticated(users: UserService): RequestHandler {
  return asyncHandler(async (req, _res, next) => {
    const m = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
    if (!m?.[1]) throw new Unauthorized('缺少登录凭证（Authorization: Bearer <token>）');
    req.principal = await users.authenticate(m[1]);
    next();
  });
}
