import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Knex } from 'knex';
import type { Clock } from '../clock.ts';
import { verifyPassword } from '../access/passwords.ts';
import { chinaDay } from '../publicity/visibility.ts';
import { ClientCredentialsInvalid, ClientExpired, ClientRevoked, ClientSuspended, ClientTokenInvalid } from '../errors.ts';
import { clientsRepo } from './clients-repo.ts';
import { CLIENT_ID, clientOf, type Client } from './clients.ts';

export interface ClientTokensDeps {
  db: Knex;
  clock: Clock;
  /** The node's token secret (the one user tokens are signed with: the audience keeps the two apart). */
  tokenSecret: Buffer;
  ttlSeconds: number;
  nodeId: string;
}

export interface IssuedToken { token: string; tokenType: 'Bearer'; expiresAt: string }

/** Audience of client tokens; user tokens carry none and are refused here, as client tokens are at /api/v1. */
export const OPEN_AUDIENCE = 'open';

/** Refuses a client that may not call now, each reason with its own code. */
export function assertUsable(client: Client, today: string): void {
  if (client.status === 'revoked') throw new ClientRevoked();
  if (client.status === 'suspended') throw new ClientSuspended();
  if (client.expires !== null && client.expires < today) throw new ClientExpired(`该机构的接入有效期至 ${client.expires}，已过期`);
}

/**
 * Client credentials (clientId + secret) for short-lived HS256 tokens (aud "open", sub the client id). A token
 * proves who the caller is; whether it may call is read from the client's row on every call, so suspending or
 * revoking a client stops its unexpired tokens at once.
 */
export class ClientTokens {
  private readonly key: KeyObject;
  /** The issuer of client tokens: not the node id, which user tokens carry, so neither kind passes for the other. */
  private readonly issuer: string;

  constructor(private readonly deps: ClientTokensDeps) {
    this.key = createSecretKey(deps.tokenSecret);
    this.issuer = `${deps.nodeId}/open`;
  }

  /** Checks the secret (scrypt) and the client's standing, then signs a token. */
  async issue(clientId: unknown, secret: unknown): Promise<{ client: Client; token: IssuedToken }> {
    const row = typeof clientId === 'string' && CLIENT_ID.test(clientId) ? await clientsRepo.byId(this.deps.db, clientId) : undefined;
    // The same answer for an unknown client and a wrong secret, so client ids cannot be probed.
    if (!row || typeof secret !== 'string' || !(await verifyPassword(secret, row.secret_hash))) throw new ClientCredentialsInvalid();
    const client = clientOf(row);
    const now = this.deps.clock();
    assertUsable(client, chinaDay(now));
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.deps.ttlSeconds;
    const token = jwt.sign({ sub: client.id, aud: OPEN_AUDIENCE, iat, exp }, this.key, { algorithm: 'HS256', issuer: this.issuer });
    return { client, token: { token, tokenType: 'Bearer', expiresAt: new Date(exp * 1000).toISOString() } };
  }

  /** The client a bearer token names (signature, audience, issuer and expiry checked), whatever its standing. */
  async client(token: string | undefined): Promise<Client> {
    if (!token) throw new ClientTokenInvalid('缺少访问令牌（Authorization: Bearer <token>），请先调用 POST /open/v1/token');
    let sub: unknown;
    try {
      const payload = jwt.verify(token, this.key, {
        algorithms: ['HS256'], audience: OPEN_AUDIENCE, issuer: this.issuer,
        clockTimestamp: Math.floor(this.deps.clock().getTime() / 1000),
      }) as jwt.JwtPayload;
      sub = payload.sub;
    } catch {
      throw new ClientTokenInvalid();
    }
    const row = typeof sub === 'string' && CLIENT_ID.test(sub) ? await clientsRepo.byId(this.deps.db, sub) : undefined;
    if (!row) throw new ClientTokenInvalid();
    return clientOf(row);
  }
}
