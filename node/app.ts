import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config/types.ts';
import { openStore, type Store } from './store/connection.ts';
import { migrateLatest } from './store/migrate.ts';
import { systemClock, type Clock } from './clock.ts';
import { loadNodeKeys, type NodeKeys } from './exchange/keys.ts';
import { signCompact } from './exchange/jws.ts';
import { EventLog } from './exchange/event-log.ts';
import { loadOrCreateSecret } from './access/secrets.ts';
import { PersonalIdVault } from './access/personal-id.ts';
import { UserService } from './access/users.ts';
import { SchemaRegistry } from './records/schema-registry.ts';
import { RecordService } from './records/service.ts';
import { createHttpApp } from './http/app.ts';
import { authRoutes } from './access/routes.ts';
import { recordRoutes } from './records/routes.ts';
import { subjectRoutes } from './query/routes.ts';
import { healthRoutes } from './http/health-routes.ts';
import { createLogger } from './log.ts';
import { DirectoryService } from './exchange/directory.ts';
import { NodeTokenVerifier } from './exchange/node-auth.ts';
import { exchangeRoutes } from './exchange/routes.ts';

/** Everything a running node (or a CLI command) works with, built once from a validated Config. */
export interface NodeContext {
  config: Config;
  store: Store;
  log: Logger;
  clock: Clock;
  keys: NodeKeys;
  vault: PersonalIdVault;
  /** The data key behind the vault, for threads that must build their own (bulk import). */
  dataKey: Buffer;
  registry: SchemaRegistry;
  eventLog: EventLog;
  records: RecordService;
  users: UserService;
  directory: DirectoryService;
  nodeTokens: NodeTokenVerifier;
  close(): Promise<void>;
}

export interface OpenOptions { clock?: Clock; log?: Logger }

export async function openNode(config: Config, opts: OpenOptions = {}): Promise<NodeContext> {
  const log = opts.log ?? createLogger(config.id, config.log.level);
  const clock = opts.clock ?? systemClock;
  const keys = loadNodeKeys(config.keys.privateKey, config.keys.publicKey);
  const dataKey = loadOrCreateSecret(config.keys.dataKey);
  const vault = new PersonalIdVault(dataKey);
  const tokenSecret = loadOrCreateSecret(config.keys.tokenSecret);
  const store = openStore(config.store);
  try {
    await migrateLatest(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  const registry = SchemaRegistry.load();
  const eventLog = new EventLog({ origin: config.id, clock, signHead: (head) => signCompact(head, keys.privateKey, config.id) });
  const records = new RecordService({ store, clock, registry, vault, eventLog, nodeId: config.id, legacyCodes: new Set(config.identifiers.legacyCodes) });
  const users = new UserService({ db: store.knex, clock, tokenSecret, tokenTtlSeconds: config.auth.tokenTtlSeconds, nodeId: config.id });
  const directory = new DirectoryService({ db: store.knex, clock, eventLog, self: { id: config.id, role: config.role } });
  const nodeTokens = new NodeTokenVerifier({ selfId: config.id, clock, publicKeyOf: (id) => directory.publicKeyOf(id) });
  return { config, store, log, clock, keys, vault, dataKey, registry, eventLog, records, users, directory, nodeTokens, close: () => store.close() };
}

export function createApp(ctx: NodeContext): Express {
  return createHttpApp({
    log: ctx.log,
    routers: [
      ['/healthz', healthRoutes(ctx.config)],
      ['/api/v1/auth', authRoutes(ctx.users)],
      ['/api/v1/records', recordRoutes(ctx.records, ctx.users)],
      ['/api/v1/subjects', subjectRoutes(ctx.records, ctx.vault, ctx.users)],
      ['/exchange/v1', exchangeRoutes(ctx.store.knex, ctx.eventLog, ctx.nodeTokens)],
    ],
  });
}

export interface RunningNode { ctx: NodeContext; server: Server; url: string; stop(): Promise<void> }

/** Opens the node and listens; `stop` closes the server, waits for requests in flight, then the store. */
export async function startNode(config: Config, opts: OpenOptions = {}): Promise<RunningNode> {
  const ctx = await openNode(config, opts);
  const app = createApp(ctx);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.listen.port, config.listen.host, () => resolve(s));
    s.once('error', reject);
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  ctx.log.info({ url }, 'node listening');
  let stopped = false;
  return {
    ctx,
    server,
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await ctx.close();
    },
  };
}
