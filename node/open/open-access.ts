import type { Knex } from 'knex';
import type { Clock } from '../clock.ts';
import type { OpenConfig } from '../config/types.ts';
import type { SchemaRegistry } from '../records/schema-registry.ts';
import type { PersonalIdVault } from '../access/personal-id.ts';
import type { AccessHook } from '../access/access-hook.ts';
import type { EventLog } from '../exchange/event-log.ts';
import type { NodeContext } from '../app.ts';
import { isCreditNodeError } from '../errors.ts';
import { chinaDay } from '../publicity/visibility.ts';
import { ClientService, CLIENT_ID, type Client } from './clients.ts';
import { assertUsable, ClientTokens, type IssuedToken } from './client-tokens.ts';
import { OpenData } from './open-data.ts';
import { ChangesFeed } from './feed.ts';
import { Meter } from './usage.ts';

export interface OpenAccessDeps {
  db: Knex;
  clock: Clock;
  registry: SchemaRegistry;
  vault: PersonalIdVault;
  eventLog: EventLog;
  config: OpenConfig;
  /** The node's token secret (config.keys.tokenSecret). */
  tokenSecret: Buffer;
  nodeId: string;
  /** The node's audit hook: every admin change and every open call (refusals too) is recorded. */
  access: AccessHook;
}

/** One open call as it is audited and metered. */
export interface OpenCall {
  endpoint: 'subject' | 'changes';
  ip: string | null;
  client: Client | null;
  /** The subject's lookup key, once known (never an ID number). */
  subject: string | null;
  detail: Record<string, unknown>;
}

/**
 * Third-party access (多元化应用) of one node: clients and their authorisations, client tokens, what a client may
 * read, the changes feed, limits and metering. One instance per running node (rate windows live in it).
 */
export class OpenAccess {
  readonly clients: ClientService;
  readonly tokens: ClientTokens;
  readonly data: OpenData;
  readonly feed: ChangesFeed;
  readonly meter: Meter;

  constructor(private readonly deps: OpenAccessDeps) {
    const { db, clock, registry, vault, config } = deps;
    this.clients = new ClientService({ db, clock, registry, vault, config, access: deps.access });
    this.tokens = new ClientTokens({ db, clock, tokenSecret: deps.tokenSecret, ttlSeconds: config.tokenTtlSeconds, nodeId: deps.nodeId });
    this.data = new OpenData({ db, clock, registry, vault });
    this.feed = new ChangesFeed({ db, clock, registry, eventLog: deps.eventLog, pageLimit: config.feedPageLimit });
    this.meter = new Meter({ db, clock });
  }

  /** POST /open/v1/token: a token for good credentials; every attempt is audited (never the secret). */
  async signIn(clientId: unknown, secret: unknown, ip: string | null): Promise<IssuedToken> {
    const target = typeof clientId === 'string' && CLIENT_ID.test(clientId) ? clientId : null;
    try {
      const { client, token } = await this.tokens.issue(clientId, secret);
      await this.deps.access({ principal: null, action: 'open_token', target: client.id, count: 0, ip, detail: { client: client.id, outcome: 'ok', expiresAt: token.expiresAt } });
      return token;
    } catch (err) {
      await this.deps.access({ principal: null, action: 'open_token', target, count: 0, ip, detail: { ...(target ? { client: target } : {}), outcome: codeOf(err) } });
      throw err;
    }
  }

  /** The caller of an open call: its token, then its standing (the call is noted under the client from then on). */
  async authenticate(call: OpenCall, token: string | undefined): Promise<Client> {
    const client = await this.tokens.client(token);
    call.client = client;
    assertUsable(client, chinaDay(this.deps.clock()));
    await this.meter.admit(client);
    return client;
  }

  /** An answered call: counted against the quota (QUOTA_EXCEEDED if the last one went elsewhere), metered, audited. */
  async served(call: OpenCall, records: number): Promise<void> {
    const client = call.client as Client;
    await this.meter.take(client);
    await this.meter.served(client, records);
    await this.deps.access({
      principal: null, action: 'open_query', subject: call.subject, target: client.id, count: records, purpose: client.purpose, ip: call.ip,
      detail: { client: client.id, endpoint: call.endpoint, outcome: 'ok', ...call.detail },
    });
  }

  /** A refused call: metered under its client when known, and audited with its code. */
  async refused(call: OpenCall, err: unknown): Promise<void> {
    const code = codeOf(err);
    if (call.client) await this.meter.refused(call.client, code);
    await this.deps.access({
      principal: null, action: 'open_query', subject: call.subject, target: call.client?.id ?? null, count: 0, purpose: call.client?.purpose ?? null, ip: call.ip,
      detail: { ...(call.client ? { client: call.client.id } : {}), endpoint: call.endpoint, outcome: code, ...call.detail },
    });
  }
}

const codeOf = (err: unknown): string => (isCreditNodeError(err) ? err.code : 'INTERNAL');

/** The open access of a node opened for a command (or a test): the node's own instance. */
export function openAccessOf(ctx: NodeContext): OpenAccess {
  return ctx.open;
}
