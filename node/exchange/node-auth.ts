import { randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Clock } from '../clock.ts';
import { NODE_KEY_ALG } from './keys.ts';
import { NodeTokenInvalid, NodeTokenReplayed, NodeUnknown } from '../errors.ts';

/** Node-to-node requests carry a JWT signed with the caller's node key that lives at most this long. */
export const MAX_NODE_TOKEN_SECONDS = 60;

export interface NodeTokenOptions {
  issuer: string;
  audience: string;
  privateKey: KeyObject;
  now: Date;
  ttlSeconds?: number;
}

/** `Authorization: Bearer <this>` for one request to another node (DESIGN.md §4, node authentication). */
export function signNodeToken(opts: NodeTokenOptions): string {
  const ttl = Math.min(opts.ttlSeconds ?? 30, MAX_NODE_TOKEN_SECONDS);
  const iat = Math.floor(opts.now.getTime() / 1000);
  return jwt.sign({ iat, exp: iat + ttl, jti: randomUUID() }, opts.privateKey, { algorithm: NODE_KEY_ALG, issuer: opts.issuer, audience: opts.audience });
}

export interface NodeTokenVerifierDeps {
  selfId: string;
  clock: Clock;
  /** The registered public key of an active node, from the directory; undefined for unknown or revoked nodes. */
  publicKeyOf(nodeId: string): KeyObject | undefined | Promise<KeyObject | undefined>;
}

/**
 * Checks node tokens: signature with the issuer's registered key, audience = this node, expiry no more than
 * MAX_NODE_TOKEN_SECONDS after issue, and a jti never seen before (remembered until it expires).
 */
export class NodeTokenVerifier {
  private readonly seen = new Map<string, number>();

  constructor(private readonly deps: NodeTokenVerifierDeps) {}

  async verify(token: string): Promise<{ caller: string }> {
    const decoded = jwt.decode(token, { complete: true });
    const payload = decoded && typeof decoded.payload === 'object' ? decoded.payload : undefined;
    const issuer = payload?.iss;
    if (!decoded || decoded.header.alg !== NODE_KEY_ALG || typeof issuer !== 'string') throw new NodeTokenInvalid('节点凭证格式不正确');
    const key = await this.deps.publicKeyOf(issuer);
    if (!key) throw new NodeUnknown(`节点 ${issuer} 未登记或已被撤销`);
    const nowSeconds = Math.floor(this.deps.clock().getTime() / 1000);
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(token, key, { algorithms: [NODE_KEY_ALG], audience: this.deps.selfId, issuer, clockTimestamp: nowSeconds, clockTolerance: 5 }) as jwt.JwtPayload;
    } catch (err) {
      throw new NodeTokenInvalid(`节点 ${issuer} 的凭证无效：${(err as Error).message}`);
    }
    const { exp, iat, jti } = claims;
    if (typeof exp !== 'number' || typeof iat !== 'number' || typeof jti !== 'string' || jti.length < 8) throw new NodeTokenInvalid('节点凭证缺少 exp、iat 或 jti');
    if (exp - iat > MAX_NODE_TOKEN_SECONDS) throw new NodeTokenInvalid(`节点凭证有效期超过 ${MAX_NODE_TOKEN_SECONDS} 秒`);
    for (const [id, until] of this.seen) if (until < nowSeconds - 5) this.seen.delete(id);
    const key2 = `${issuer}\u0001${jti}`;
    if (this.seen.has(key2)) throw new NodeTokenReplayed(`节点 ${issuer} 的凭证已被使用过`);
    this.seen.set(key2, exp);
    return { caller: issuer };
  }
}
