import { randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Clock } from '../clock.ts';
import { NODE_KEY_ALG } from './keys.ts';
import { NodeRevoked, NodeTokenInvalid, NodeTokenReplayed, NodeUnknown } from '../errors.ts';

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
  /** The registered key and status of a node, from the directory; undefined for unknown nodes. */
  lookup(nodeId: string): Promise<{ key: KeyObject; status: string } | undefined>;
  /** Clock difference tolerated between nodes (seconds). */
  clockSkewSeconds?: number;
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
    const found = await this.deps.lookup(issuer);
    if (!found) throw new NodeUnknown(`节点 ${issuer} 未在节点目录中登记`);
    if (found.status !== 'active') throw new NodeRevoked(`节点 ${issuer} 已被撤销，不再接受其请求`);
    const key = found.key;
    const nowSeconds = Math.floor(this.deps.clock().getTime() / 1000);
    const skew = this.deps.clockSkewSeconds ?? 300;
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(token, key, { algorithms: [NODE_KEY_ALG], audience: this.deps.selfId, issuer, clockTimestamp: nowSeconds, clockTolerance: skew }) as jwt.JwtPayload;
    } catch (err) {
      throw new NodeTokenInvalid(`节点 ${issuer} 的凭证无效：${(err as Error).message}`);
    }
    const { exp, iat, jti } = claims;
    if (typeof exp !== 'number' || typeof iat !== 'number' || typeof jti !== 'string' || jti.length < 8) throw new NodeTokenInvalid('节点凭证缺少 exp、iat 或 jti');
    if (exp - iat > MAX_NODE_TOKEN_SECONDS) throw new NodeTokenInvalid(`节点凭证有效期超过 ${MAX_NODE_TOKEN_SECONDS} 秒`);
    if (iat > nowSeconds + skew) throw new NodeTokenInvalid('节点凭证的签发时间晚于当前时间过多（时钟偏差过大）');
    // A jti is remembered as long as the token could still be accepted, tolerance included.
    for (const [id, until] of this.seen) if (until + skew < nowSeconds) this.seen.delete(id);
    const key2 = `${issuer}\u0001${jti}`;
    if (this.seen.has(key2)) throw new NodeTokenReplayed(`节点 ${issuer} 的凭证已被使用过`);
    this.seen.set(key2, exp);
    return { caller: issuer };
  }
}
