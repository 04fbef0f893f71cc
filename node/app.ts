import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router, type Express } from 'express';
import type { Knex } from 'knex';
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
import { ScopePolicy } from './access/scope.ts';
import { TicketService } from './disputes/tickets.ts';
import { ticketsRepo } from './disputes/tickets-repo.ts';
import { ticketRoutes } from './disputes/routes.ts';
import { publicTicketRoutes } from './disputes/public-routes.ts';
import { CreditReportService } from './publicity/report/report-service.ts';
import { reportRoutes } from './publicity/report/report-routes.ts';
import { portalRoutes, portalFallback, type PortalDeps } from './portal/routes.ts';
import { publicApiRoutes } from './portal/api-routes.ts';
import { articlesAdminRoutes } from './portal/articles-routes.ts';
import { pageFrame } from './portal/layout.ts';
import { siteOf } from './portal/site.ts';
import { portalPage } from './portal/safety.ts';
import { changeRecordStatus } from './records/status.ts';
import { queryLimiter, type AccessHook } from './access/access-hook.ts';
import { searchRoutes } from './query/search-routes.ts';
import { AuditLog, looksLikeResidentId } from './audit/audit-log.ts';
import { auditRoutes } from './audit/routes.ts';
import { subjectKeyOf } from './query/subject-report.ts';
import { createHttpApp } from './http/app.ts';
import { authRoutes } from './access/routes.ts';
import { recordRoutes } from './records/routes.ts';
import { subjectRoutes } from './query/routes.ts';
import { QueryThreads } from './query/query-threads.ts';
import { healthRoutes } from './http/health-routes.ts';
import { createLogger } from './log.ts';
import { ConfigInvalid } from './errors.ts';
import { DirectoryService, nodeSectors, originNames } from './exchange/directory.ts';
import { NodeTokenVerifier } from './exchange/node-auth.ts';
import { exchangeRoutes } from './exchange/routes.ts';
import { ExchangeService } from './exchange/service.ts';
import { SyncClient } from './exchange/sync.ts';
import { SyncScheduler } from './exchange/scheduler.ts';
import { startWithdrawalSchedule, type WithdrawalSchedule } from './publicity/withdrawal.ts';
import { WorkCalendar } from './disputes/calendar.ts';
import { Deadlines } from './disputes/deadlines.ts';
import { startEscalationSchedule, ticketStats, type EscalationSchedule } from './disputes/escalation.ts';
import { Outbox } from './notify/outbox.ts';
import { NotificationDispatcher } from './notify/dispatcher.ts';
import { senderFor, type NotificationSender } from './notify/senders.ts';
import { notificationRoutes } from './notify/routes.ts';
import { checkEvidence } from './disputes/evidence.ts';
import { openApiRoutes } from './openapi/routes.ts';
import { countOnThread } from './portal/statistics-counts.ts';
import { OpenAccess } from './open/open-access.ts';
import { EvaluationService, queueSubjectKeys, queueSubjects, type EvaluationView } from './evaluation/service.ts';
import { publicEvaluation } from './evaluation/public-view.ts';
import { startEvaluationJobs, type EvaluationJobs } from './evaluation/jobs.ts';
import { openRoutes } from './open/routes.ts';
import { startBackupSchedule } from './store/backup-schedule.ts';
import type { ScheduledJob } from './jobs/schedule.ts';
import { clientsAdminRoutes } from './open/admin-routes.ts';
import { DashboardService } from './dashboard/data.ts';
import { dashboardApi, dashboardPages } from './dashboard/routes.ts';
import { NodeMetrics } from './monitoring/metrics.ts';
import { metricsRoutes } from './monitoring/routes.ts';

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
  exchange: ExchangeService;
  /** Sync with the parent (throws a clear error on a node without one). */
  sync: SyncClient;
  /** The tamper-evident audit trail (DESIGN.md §5). */
  audit: AuditLog;
  /** Records one access of a user (or of the node itself) in the audit trail before the answer goes out. */
  access: AccessHook;
  /** Names of the directory's nodes by id. */
  nodeNames: () => Promise<Map<string, string>>;
  /** Repair applications, objections and complaints across the federation (DESIGN.md §6). */
  tickets: TicketService;
  /** Public credit reports (PDF) and their verification. */
  reports: CreditReportService;
  /** Working days of the official holiday calendar (config/calendar, disputes.calendarDir). */
  calendar: WorkCalendar;
  /** Notifications of ticket changes waiting to be sent, and their sender (notify/). */
  outbox: Outbox;
  notifications: NotificationDispatcher;
  /** The credit evaluation, on nodes configured for it (evaluation.enabled; the hub by default). */
  evaluation: EvaluationService | undefined;
  /** A subject's evaluation as the public may see it (portal, credit report). */
  publicEvaluationOf: ((subjectKey: string) => Promise<EvaluationView | undefined>) | undefined;
  /** Third-party clients: registration, tokens, scoped reads, quotas and the changes feed (open/). */
  open: OpenAccess;
  /** This node's Prometheus metrics (GET /metrics, monitoring/). */
  metrics: NodeMetrics;
  /** Subject reports and searches run on threads of their own (config query.threads; SQLite only). */
  queryThreads: QueryThreads | undefined;
  /** Set by startNode: ticket changes kick the dispatcher (a command leaves them to the running node). */
  sendNotifications: { on: boolean };
  /** The address the public reaches this node at: listen.publicUrl, else where it listens (set by startNode). */
  baseUrl: { current: string };
  close(): Promise<void>;
}

export interface OpenOptions {
  clock?: Clock;
  log?: Logger;
  /** Sync with the parent on the config's schedules and after local changes (default: when a parent is configured). */
  schedule?: boolean;
  /** The node's recurring jobs (withdrawal, notifications, escalation, evaluation); default: as `schedule`. */
  jobs?: boolean;
  /** Sends ticket notifications (default: the config's, notifications.sender): an SMS or e-mail gateway plugs in here. */
  notificationSender?: NotificationSender;
}

export async function openNode(config: Config, opts: OpenOptions = {}): Promise<NodeContext> {
  const log = opts.log ?? createLogger(config.id, config.log.level);
  const clock = opts.clock ?? systemClock;
  const keys = loadNodeKeys(config.keys.privateKey, config.keys.publicKey);
  const dataKey = loadOrCreateSecret(config.keys.dataKey);
  const vault = PersonalIdVault.load(dataKey, config.keys.dataKey);
  const tokenSecret = loadOrCreateSecret(config.keys.tokenSecret);
  const store = openStore(config.store);
  try {
    await migrateLatest(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  // Anything that refuses to start after the store is open (a bad holiday table or evaluation model, a webhook
  // without its address) closes the store first, so the command or process ends instead of waiting on it.
  try {
    const registry = SchemaRegistry.load();
    const eventLog = new EventLog({ origin: config.id, clock, signHead: (head) => signCompact(head, keys.privateKey, config.id) });
    // Sectors of the directory's nodes, for scope decisions, from the directory's snapshot (a few seconds old at most).
    const scope = new ScopePolicy(async () => nodeSectors(await directory.snapshot()));
    // The credit evaluation (where enabled) re-evaluates a subject soon after its records change.
    const evaluation = config.evaluation.enabled ? EvaluationService.open({ db: store.knex, clock, log, config: config.evaluation, categories: registry.categories() }) : undefined;
    const serving = { on: false };
    const subjectsChanged = evaluation
      ? async (trx: Knex.Transaction, ids: number[]) => { await queueSubjects(trx, ids, clock().toISOString()); if (serving.on) evaluation.kick(); }
      : undefined;
    // What the public sees of an evaluation: indicators over published categories only (evaluation/public-view.ts).
    const publicCategories = new Set(registry.categories().filter((c) => registry.meta(c).publicity.level === 'public'));
    const publicEvaluationOf = evaluation
      ? async (key: string) => {
        const v = await evaluation.resultFor(key);
        return v ? publicEvaluation(v, evaluation.versions().includes(v.modelVersion) ? evaluation.model(v.modelVersion) : undefined, publicCategories) : undefined;
      }
      : undefined;
    const records = new RecordService({ store, clock, registry, vault, eventLog, log, scope, nodeId: config.id, legacyCodes: new Set(config.identifiers.legacyCodes), publicity: config.publicity, onSubjectsChanged: subjectsChanged });
    const audit = new AuditLog({ db: store.knex, node: config.id, clock, signHead: (head) => signCompact(head, keys.privateKey, config.id) });
    const access: AccessHook = async (e) => {
      const p = e.principal;
      await audit.record({
        action: e.action,
        user: p && p.userId > 0 ? { id: p.userId, username: p.username, role: p.role } : null,
        ip: e.ip ?? null, subject: e.subject ?? null, target: e.target ?? null, count: e.count, purpose: e.purpose ?? null,
        ...(e.detail ? { detail: e.detail } : {}),
      });
    };
    const users = new UserService({
      db: store.knex, clock, tokenSecret, tokenTtlSeconds: config.auth.tokenTtlSeconds, nodeId: config.id,
      // A username typed at sign-in is kept only when it cannot be an ID number (a person may type theirs).
      onSignIn: async (e) => { await audit.record({ action: e.ok ? 'sign_in' : 'sign_in_failed', user: e.user, target: looksLikeResidentId(e.username) ? null : e.username, count: 0, ...(e.reason ? { detail: { reason: e.reason } } : {}) }); },
    });
    const directory = new DirectoryService({
      db: store.knex, clock, eventLog,
      self: { id: config.id, role: config.role, name: config.name, region: config.region, sector: config.sector ?? null, parent: config.parentId, publicKeyPem: keys.publicKeyPem, privateKey: keys.privateKey },
    });
    const nodeTokens = new NodeTokenVerifier({ selfId: config.id, clock, clockSkewSeconds: config.exchange.clockSkewSeconds, lookup: (id) => directory.lookup(id) });
    const calendar = WorkCalendar.load(config.disputes.calendarDir);
    const sending = serving;
    const outbox = new Outbox({ db: store.knex, clock });
    // This node's own registry (several nodes share a process in tests and the demo).
    const metrics = new NodeMetrics({ db: store.knex, nodeId: config.id, role: config.role, region: config.region, clock, log, eventLog, outbox, countsCacheSeconds: config.metrics.countsCacheSeconds });
    const notifications = new NotificationDispatcher({
      outbox, sender: opts.notificationSender ?? senderFor(config.notifications, log), clock, log,
      batchSize: config.notifications.batchSize, maxAttempts: config.notifications.maxAttempts,
    });
    const tickets = new TicketService({
      db: store.knex, clock, nodeId: config.id, eventLog, records, log, directory, notifier: outbox,
      deadlines: new Deadlines(calendar, config.disputes.deadlines), disputes: config.disputes,
      // A running node sends at once (startNode); a command leaves them to the node's next round.
      onNotified: () => { if (sending.on) notifications.kick(); },
      onRepairApproved: async (trx, recordId, at) => { await changeRecordStatus(trx, { eventLog, nodeId: config.id, onSubjectsChanged: subjectsChanged }, recordId, 'repaired', at); },
      onRecordRevoked: async (trx, recordId, at) => { await changeRecordStatus(trx, { eventLog, nodeId: config.id, onSubjectsChanged: subjectsChanged }, recordId, 'revoked', at); },
      onDecided: evaluation ? async (trx, key) => { await queueSubjectKeys(trx, [key], clock().toISOString()); if (serving.on) evaluation.kick(); } : undefined,
      onRecordCorrected: (trx, recordId, corrected) => records.correct(trx, recordId, corrected),
    });
    const baseUrl = { current: config.listen.publicUrl ?? `http://${config.listen.host}:${config.listen.port}` };
    const reports = new CreditReportService({
      db: store.knex, records, registry, clock,
      issuer: config.report.issuer ?? siteOf(config).name,
      verifyUrl: () => `${baseUrl.current.replace(/\/$/, '')}/verify`,
      font: { path: config.report.font, ...(config.report.fontFamily ? { family: config.report.fontFamily } : {}) },
      legacyCodes: new Set(config.identifiers.legacyCodes),
      openObjections: (ids) => ticketsRepo.openFor(store.knex, 'objection', ids),
      ...(publicEvaluationOf ? { evaluationOf: publicEvaluationOf } : {}),
    });
    // One instance per process: the per-minute limits of the clients live in it.
    const open = new OpenAccess({ db: store.knex, clock, registry, vault, eventLog, config: config.open, tokenSecret, nodeId: config.id, access });
    const exchange = new ExchangeService({ db: store.knex, config, clock, log, eventLog, directory, records, privateKey: keys.privateKey, audit, tickets });
    metrics.watchProjection(() => exchange.projectionPending());
    const sync = new SyncClient({ db: store.knex, config, clock, log, eventLog, directory, exchange, privateKey: keys.privateKey, audit, onBatch: metrics.exchangeBatch });
    let closed = false;
    const nodeNames = async () => originNames(config, await directory.snapshot());
    const queryThreads = config.store.client === 'sqlite' && config.query.threads > 0
      ? new QueryThreads({ file: config.store.file, busyTimeoutMs: config.store.busyTimeoutMs, dataKey, threads: config.query.threads, directory: () => directory.snapshot(), describe: (entries) => ({ names: originNames(config, entries), sectors: nodeSectors(entries) }), log })
      : undefined;
    return {
      config, store, log, clock, keys, vault, dataKey, registry, eventLog, records, users, directory, nodeTokens, exchange, sync, audit, access, nodeNames, tickets, reports, baseUrl,
      calendar, outbox, notifications, sendNotifications: sending, open, evaluation, publicEvaluationOf, metrics, queryThreads,
      async close() {
        if (closed) return;
        closed = true;
        await queryThreads?.close();
        await exchange.close();
        await notifications.stop();
        await evaluation?.idle();
        await audit.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

export function createApp(ctx: NodeContext): Express {
  const portal: PortalDeps = {
    db: ctx.store.knex, clock: ctx.clock, log: ctx.log, registry: ctx.registry, config: ctx.config,
    ticketKinds: ['repair', 'objection', 'complaint'],
    evidence: ctx.config.disputes.evidence,
    openObjections: (ids) => ticketsRepo.openFor(ctx.store.knex, 'objection', ids),
    evaluationOf: ctx.publicEvaluationOf,
    countStatistics: ctx.config.store.client === 'sqlite' ? countOnThread(ctx.config.store.file, ctx.config.store.busyTimeoutMs) : undefined,
    onTicket: async (s) => {
      const claimant = { name: s.fields.claimantName, phone: s.fields.claimantPhone };
      const files = checkEvidence(s.files ?? [], ctx.config.disputes.evidence);
      const t = s.kind === 'objection'
        ? await ctx.tickets.fileObjection({ recordId: s.recordId, subjectCode: s.subjectCode, reason: s.fields.reason, description: s.fields.description, claimant }, files)
        : s.kind === 'complaint'
          ? await ctx.tickets.fileComplaint({ subjectCode: s.subjectCode, sector: s.fields.sector, description: s.fields.description, claimant }, files)
          : await ctx.tickets.fileRepair({ recordId: s.recordId, claimant, commitment: s.fields.commitment, evidence: s.fields.evidence, description: s.fields.description });
      return { ticket: t.ticket, status: t.status, due: t.due };
    },
    lookupTicket: (n) => ctx.tickets.lookup(n),
  };
  const reportPages = Router();
  reportPages.use(portalPage);
  reportPages.use(reportRoutes({
    reports: ctx.reports, layout: pageFrame(siteOf(ctx.config)), log: ctx.log, issuesPerMinute: ctx.config.report.issuesPerMinute,
    onIssue: (i) => ctx.access({ principal: null, action: 'export', subject: i.subjectKey, target: i.number, count: i.recordCount, ip: i.ip, detail: { report: i.number, digest: i.digest } }),
  }));
  // The operators' dashboard (pages at /ops, JSON for scripts), computed at most every 15 s.
  const dashboard = new DashboardService({
    store: ctx.store, config: ctx.config, directory: ctx.directory, eventLog: ctx.eventLog, clock: ctx.clock, registry: ctx.registry, cacheMs: 15_000,
    ticketStats: async () => ticketStats(ctx.store.knex, ctx.clock, await ctx.nodeNames()),
  });
  const dashboardDeps = { dashboard, users: ctx.users, log: ctx.log, nodeName: ctx.config.name, signInPerMinute: ctx.config.auth.signInRateLimitPerMinute, tokenTtlSeconds: ctx.config.auth.tokenTtlSeconds, publicUrl: ctx.config.listen.publicUrl };
  return createHttpApp({
    log: ctx.log,
    routers: [
      ['/healthz', healthRoutes(ctx.config)],
      // Prometheus text for operators and the scrape token (CONTRACT.md; metrics.enabled, metrics.token).
      ...(ctx.config.metrics.enabled ? [['/metrics', metricsRoutes({ metrics: ctx.metrics, users: ctx.users, token: ctx.config.metrics.token })] as [string, Router]] : []),
      // The OpenAPI 3.1 description of the public and third-party APIs (GET /openapi.json, /public/v1/openapi.json).
      ['/', openApiRoutes()],
      ['/api/v1/auth', authRoutes(ctx.users, ctx.config.auth.signInRateLimitPerMinute)],
      ['/api/v1/records', recordRoutes(ctx.records, ctx.users, { access: ctx.access, queryRateLimitPerMinute: ctx.config.auth.queryRateLimitPerMinute })],
      // Search answers GET /api/v1/subjects?q=, the subject report GET /api/v1/subjects/:code.
      ['/api/v1/subjects', searchRoutes({
        db: ctx.store.knex, users: ctx.users, subjectKeyOf: (code) => ctx.vault.hash(code),
        limiter: queryLimiter(ctx.config.auth.queryRateLimitPerMinute),
        onSearch: (principal, i) => ctx.access({ principal, action: 'search', target: i.q, count: i.count, purpose: i.purpose, ip: i.ip, detail: { naturalPersons: i.naturalPersons } }),
        threads: ctx.queryThreads,
      })],
      ['/api/v1/subjects', subjectRoutes({ records: ctx.records, vault: ctx.vault, nodeNames: ctx.nodeNames, users: ctx.users, access: ctx.access, queryRateLimitPerMinute: ctx.config.auth.queryRateLimitPerMinute, evaluationOf: ctx.evaluation ? (key) => ctx.evaluation?.resultFor(key) as Promise<unknown> : undefined, threads: ctx.queryThreads })],
      ['/public/v1', publicTicketRoutes({ tickets: ctx.tickets, filesPerMinute: ctx.config.portal.formRateLimitPerMinute, evidence: ctx.config.disputes.evidence })],
      ['/api/v1/tickets', ticketRoutes({ tickets: ctx.tickets, users: ctx.users, access: ctx.access, stats: async () => ticketStats(ctx.store.knex, ctx.clock, await ctx.nodeNames()) })],
      ['/open/v1', openRoutes({ open: ctx.open, signInPerMinute: ctx.config.auth.signInRateLimitPerMinute })],
      ['/api/v1/clients', clientsAdminRoutes({ open: ctx.open, users: ctx.users })],
      ['/api/v1/notifications', notificationRoutes({ outbox: ctx.outbox, users: ctx.users, access: ctx.access })],
      ['/api/v1/audit', auditRoutes({ audit: ctx.audit, users: ctx.users, subjectKeyOf: (code) => subjectKeyOf(ctx.vault, code).key })],
      ['/exchange/v1', exchangeRoutes({ db: ctx.store.knex, eventLog: ctx.eventLog, verifier: ctx.nodeTokens, directory: ctx.directory, exchange: ctx.exchange, maxBatchBytes: ctx.config.exchange.maxBatchBytes, clock: ctx.clock })],
      ['/api/v1/articles', articlesAdminRoutes({ db: ctx.store.knex, clock: ctx.clock, users: ctx.users, access: ctx.access })],
      ['/api/v1/federation', dashboardApi(dashboardDeps)],
      ['/ops', dashboardPages(dashboardDeps)],
      ['/public/v1', publicApiRoutes(portal)],
      // The website: pages, then the credit report and its verification in the site's frame, then the HTML 404.
      ['/', portalRoutes(portal)],
      ['/', reportPages],
      ['/', portalFallback(portal)],
    ],
    // The exchange reads its own bodies; ticket filings carry evidence files up to their own limit.
    ownBodies: ['/exchange/', '/public/v1/objections', '/public/v1/complaints'],
    onRequestDone: (r) => ctx.metrics.observeRequest(r),
    onError: (code) => ctx.metrics.countError(code),
  });
}

export interface RunningNode { ctx: NodeContext; server: Server; url: string; stop(): Promise<void> }

/** Opens the node and listens; `stop` closes the server, waits for requests in flight, then the store. */
export async function startNode(config: Config, opts: OpenOptions = {}): Promise<RunningNode> {
  const ctx = await openNode(config, opts);
  // A running node writes all day (batches, imports, audit): its log is checkpointed off its thread.
  ctx.store.checkpointInBackground(ctx.log);
  const app = createApp(ctx);
  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.listen.port, config.listen.host, (err?: Error) => (err ? reject(err) : resolve(s)));
      s.once('error', reject);
    });
  } catch (err) {
    await ctx.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ConfigInvalid(`端口 ${config.listen.port} 已被占用（${config.listen.host}），请更换 listen.port 或停止占用它的程序`);
    if (code === 'EACCES') throw new ConfigInvalid(`无权监听端口 ${config.listen.port}（${config.listen.host}）`);
    throw err;
  }
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  if (!config.listen.publicUrl) ctx.baseUrl.current = url;
  ctx.log.info({ url }, 'node listening');
  // Received events a crash or a stop left unprojected are projected now, behind the batches that arrive.
  ctx.exchange.kickProjector();
  let scheduler: SyncScheduler | undefined;
  if ((opts.schedule ?? true) && config.parentUrl) {
    scheduler = new SyncScheduler(ctx.sync, config, ctx.log);
    ctx.eventLog.onChange(() => scheduler?.schedulePush());
    scheduler.start();
  }
  // Every node withdraws its own expired records from public view (the dates travel with the records).
  let withdrawal: WithdrawalSchedule | undefined;
  // The node's own recurring work (withdrawal, notifications, escalation, evaluation) runs with the sync schedule
  // unless `jobs` says otherwise (the demo syncs itself first but runs these).
  const jobs = opts.jobs ?? opts.schedule ?? true;
  if (jobs && config.schedules['withdraw']) {
    withdrawal = startWithdrawalSchedule({ db: ctx.store.knex, clock: ctx.clock, log: ctx.log, registry: ctx.registry, publicity: config.publicity }, config.schedules['withdraw']);
  }
  // Ticket notifications go out on their schedule and right after each change; late steps are escalated.
  let escalation: EscalationSchedule | undefined;
  if (jobs) {
    ctx.sendNotifications.on = true;
    if (config.schedules['notify']) ctx.notifications.start(config.schedules['notify']);
    if (config.schedules['escalate']) {
      escalation = startEscalationSchedule({
        db: ctx.store.knex, clock: ctx.clock, log: ctx.log, nodeId: config.id, isTop: !config.parentId, directory: ctx.directory,
        notifier: ctx.outbox, onNotified: () => ctx.notifications.kick(),
      }, config.schedules['escalate']);
    }
  }
  // Full credit evaluation on its schedule (and once after start unless today's ran); changed subjects within seconds.
  let evaluationJobs: EvaluationJobs | undefined;
  if (jobs && ctx.evaluation && config.schedules['evaluate']) {
    evaluationJobs = startEvaluationJobs(ctx.evaluation, config.schedules['evaluate'], { log: ctx.log });
  }
  // Backups of the store into backup.dir on schedules.backup (off unless set), keeping backup.keep.
  let backups: ScheduledJob<unknown> | undefined;
  if (jobs && config.schedules['backup']) backups = startBackupSchedule(ctx, config.schedules['backup']);
  let stopped = false;
  return {
    ctx,
    server,
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      await evaluationJobs?.stop();
      await backups?.stop();
      await scheduler?.stop();
      await withdrawal?.stop();
      await escalation?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await ctx.close();
    },
  };
}
