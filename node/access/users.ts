import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Knex } from 'knex';
import { hashPassword, verifyPassword } from './passwords.ts';
import { usersRepo, type UserRow } from './users-repo.ts';
import { isRole, type Principal, type Role } from './roles.ts';
import { BadRequest, Conflict, NotFound, Unauthorized } from '../errors.ts';
import { validateUscc } from '../identity/index.ts';
import type { Clock } from '../clock.ts';

export interface NewUser {
  username: string;
  role: string;
  password: string;
  regions?: string[];
  sectors?: string[];
  sourceUnit?: string;
}

/** A sign-in attempt, for the audit trail (never the password). */
export interface SignInEvent { ok: boolean; username: string; user: { id: number; username: string; role: string } | null; reason?: string }

export interface UserServiceDeps {
  /** Called for every sign-in attempt before the answer goes out (the node records it in the audit trail). */
  onSignIn?: (e: SignInEvent) => Promise<void>;
  db: Knex;
  clock: Clock;
  tokenSecret: Buffer;
  tokenTtlSeconds: number;
  nodeId: string;
}

/** What authentication needs of a token once its signature is checked. */
interface VerifiedClaims { userId: number; issuedMs: number; expMs: number }

/** Verified tokens remembered (each a few hundred bytes); the oldest is dropped beyond this. */
const VERIFIED_TOKENS_KEPT = 10_000;

/** After this many failed sign-ins in a row the account is locked for LOCK_MINUTES. */
const MAX_FAILED = 5;
const LOCK_MINUTES = 15;

function toPrincipal(u: UserRow): Principal {
  return {
    userId: u.id,
    username: u.username,
    role: u.role as Role,
    regions: JSON.parse(u.regions) as string[],
    sectors: JSON.parse(u.sectors) as string[],
    sourceUnit: u.source_unit,
  };
}

export class UserService {
  /**
   * The token secret as a key object, made once: given a Buffer, jsonwebtoken first tries to read it as a public
   * key on every call, and that failed attempt costs more than the rest of a query.
   */
  private readonly tokenKey: KeyObject;
  /** Tokens whose signature was checked, oldest first (see verifiedClaims). */
  private readonly verified = new Map<string, VerifiedClaims>();

  constructor(private readonly deps: UserServiceDeps) {
    this.tokenKey = createSecretKey(deps.tokenSecret);
  }

  async add(input: NewUser): Promise<Omit<Principal, 'userId'> & { id: number }> {
    const problems: Array<{ path: string; message: string }> = [];
    if (!/^[A-Za-z0-9_.@-]{3,64}$/.test(input.username)) problems.push({ path: 'username', message: '用户名须为 3-64 位字母、数字或 _.@-' });
    if (!isRole(input.role)) problems.push({ path: 'role', message: '角色须为 admin、operator、clerk、officer 或 auditor' });
    if (input.password.length < 8) problems.push({ path: 'password', message: '密码至少 8 位' });
    for (const r of input.regions ?? []) if (!/^\d{2,6}$/.test(r)) problems.push({ path: 'regions', message: `行政区划前缀不正确：${r}` });
    if (input.role === 'clerk' && !input.sourceUnit) problems.push({ path: 'sourceUnit', message: '录入员必须指定所属数据来源单位（--source-unit）' });
    if (input.sourceUnit && !validateUscc(input.sourceUnit).valid) problems.push({ path: 'sourceUnit', message: '数据来源单位统一社会信用代码不正确' });
    if (problems.length) throw new BadRequest(problems.map((p) => p.message).join('；'), problems);
    if (await usersRepo.byUsername(this.deps.db, input.username)) throw new Conflict(`用户已存在：${input.username}`);
    const row = {
      username: input.username,
      role: input.role,
      password_hash: await hashPassword(input.password),
      regions: JSON.stringify(input.regions ?? []),
      sectors: JSON.stringify(input.sectors ?? []),
      source_unit: input.sourceUnit ? validateUscc(input.sourceUnit).code : null,
      status: 'active',
      failed_logins: 0,
      locked_until: null,
      created_at: this.deps.clock().toISOString(),
    };
    const id = await usersRepo.insert(this.deps.db, row);
    const { userId: _u, ...p } = toPrincipal({ ...row, id });
    return { id, ...p };
  }

  async count(): Promise<number> {
    return usersRepo.count(this.deps.db);
  }

  /** Checks a password and issues a short-lived token; repeated failures lock the account. */
  async signIn(username: string, password: string): Promise<{ token: string; expiresAt: string }> {
    const now = this.deps.clock();
    const user = await usersRepo.byUsername(this.deps.db, username);
    const failed = async (reason: string) => this.deps.onSignIn?.({ ok: false, username, user: user ? { id: user.id, username: user.username, role: user.role } : null, reason });
    if (!user || user.status !== 'active') {
      await failed(user ? 'disabled' : 'unknown_user');
      // Same answer as a wrong password, so usernames cannot be probed.
      throw new Unauthorized('用户名或密码错误');
    }
    if (user.locked_until && new Date(user.locked_until) > now) {
      await failed('locked');
      throw new Unauthorized(`登录失败次数过多，账户已锁定至 ${user.locked_until}`, { lockedUntil: user.locked_until });
    }
    if (!(await verifyPassword(password, user.password_hash))) {
      const count = user.failed_logins + 1;
      const lock = count >= MAX_FAILED ? new Date(now.getTime() + LOCK_MINUTES * 60_000).toISOString() : null;
      await usersRepo.update(this.deps.db, user.id, { failed_logins: lock ? 0 : count, locked_until: lock });
      await failed(lock ? 'wrong_password_locked' : 'wrong_password');
      throw new Unauthorized('用户名或密码错误');
    }
    await usersRepo.update(this.deps.db, user.id, { failed_logins: 0, locked_until: null });
    await this.deps.onSignIn?.({ ok: true, username, user: { id: user.id, username: user.username, role: user.role } });
    const exp = Math.floor(now.getTime() / 1000) + this.deps.tokenTtlSeconds;
    // iatMs: tokens issued before a revocation are refused even within the same second.
    const token = jwt.sign({ sub: String(user.id), role: user.role, exp, iat: Math.floor(now.getTime() / 1000), iatMs: now.getTime() }, this.tokenKey, {
      algorithm: 'HS256',
      issuer: this.deps.nodeId,
    });
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /** Resolves a bearer token to the current user (role and scope are read fresh, so changes apply at once). */
  async authenticate(token: string): Promise<Principal> {
    const claims = this.verifiedClaims(token);
    const user = await usersRepo.byId(this.deps.db, claims.userId);
    if (!user || user.status !== 'active') throw new Unauthorized('账户不存在或已停用');
    if (user.tokens_valid_after && claims.issuedMs <= Date.parse(user.tokens_valid_after)) throw new Unauthorized('登录凭证已被注销，请重新登录');
    return toPrincipal(user);
  }

  /**
   * The claims of a token whose signature and issuer were checked: checked once per token, then remembered until
   * the token expires (a client sends the same token with every request). Expiry is checked on every call.
   */
  private verifiedClaims(token: string): VerifiedClaims {
    const nowMs = this.deps.clock().getTime();
    const known = this.verified.get(token);
    if (known && nowMs < known.expMs) return known;
    let payload: jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.tokenKey, {
        algorithms: ['HS256'],
        issuer: this.deps.nodeId,
        clockTimestamp: Math.floor(nowMs / 1000),
      }) as jwt.JwtPayload;
    } catch {
      throw new Unauthorized('登录凭证无效或已过期，请重新登录');
    }
    const claims: VerifiedClaims = {
      userId: Number(payload.sub),
      issuedMs: typeof payload['iatMs'] === 'number' ? payload['iatMs'] : (payload.iat ?? 0) * 1000,
      // jsonwebtoken requires exp; a token without one would not have verified.
      expMs: (payload.exp ?? 0) * 1000,
    };
    if (this.verified.size >= VERIFIED_TOKENS_KEPT) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, claims);
    return claims;
  }

  /** Refuses every token the user holds now (sign-out everywhere, a lost device, a departing officer). */
  async revokeTokens(username: string): Promise<{ username: string; revokedAt: string }> {
    const user = await usersRepo.byUsername(this.deps.db, username);
    if (!user) throw new NotFound(`没有这个用户：${username}`);
    const at = this.deps.clock().toISOString();
    await usersRepo.update(this.deps.db, user.id, { tokens_valid_after: at });
    return { username, revokedAt: at };
  }
}
