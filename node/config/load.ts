import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ConfigInvalid } from '../errors.ts';
import { projectRoot } from '../paths.ts';
import cron from 'node-cron';
import type { Config, DeadlinesConfig, DisputesConfig, ExchangeConfig, InterestRule, NodeRole } from './types.ts';
import { DEFAULT_PUBLICITY } from '../publicity/rules.ts';
import { DEFAULT_REPORT_FONT } from '../publicity/report/default-font.ts';

export const DEFAULT_SCHEDULES: Record<string, string> = {
  syncUp: '*/5 * * * *',
  syncDown: '*/5 * * * *',
  /** Publicity withdrawal (publicity/withdrawal.ts): daily at 00:30:00, just after the day turns. */
  withdraw: '0 30 0 * * *',
  /** Overdue ticket steps (disputes/escalation.ts): every 10 minutes. */
  escalate: '0 */10 * * * *',
  /** Pending notifications (notify/): every 30 seconds, and right after each ticket change. */
  notify: '*/30 * * * * *',
  /** Full credit evaluation (evaluation/): daily at 02:00. */
  evaluate: '0 0 2 * * *',
};

export const DEFAULT_DEADLINES: DeadlinesConfig = {
  mark: 1, forward: 2, platformDecide: 5, sourceDecide: 5, withdraw: 3, repairDecide: 5, complaintForward: 2, complaintAnswer: 10,
};

export const DEFAULT_EVIDENCE: DisputesConfig['evidence'] = { maxFiles: 5, maxFileBytes: 2 * 1024 * 1024, maxTotalBytes: 5 * 1024 * 1024 };

function resolveDisputes(raw: Partial<Omit<DisputesConfig, 'deadlines' | 'evidence'>> & { deadlines?: Partial<DeadlinesConfig>; evidence?: Partial<DisputesConfig['evidence']> } | undefined, abs: (p: string) => string): DisputesConfig {
  const r = raw ?? {};
  return {
    deadlines: { ...DEFAULT_DEADLINES, ...(r.deadlines ?? {}) },
    calendarDir: r.calendarDir ? abs(r.calendarDir) : path.join(projectRoot(), 'config', 'calendar'),
    complaintRoutes: r.complaintRoutes ?? [],
    evidence: { ...DEFAULT_EVIDENCE, ...(r.evidence ?? {}) },
  };
}

const LISTS = ['serious_dishonesty_list', 'honor'];

export const DEFAULT_INTEREST: Record<NodeRole, InterestRule> = {
  national: { records: 'all', sectorRecords: false, categories: [], tickets: true, directory: true },
  province: { records: 'none', sectorRecords: false, categories: [], tickets: true, directory: true },
  city: { records: 'region', sectorRecords: false, categories: LISTS, tickets: true, directory: true },
  industry: { records: 'none', sectorRecords: true, categories: LISTS, tickets: true, directory: true },
};

export const DEFAULT_EXCHANGE: Omit<ExchangeConfig, 'interest'> = {
  maxBatchEvents: 2000,
  maxBatchBytes: 16 * 1024 * 1024,
  pushDelayMs: 2000,
  requestTimeoutMs: 60_000,
  retry: { attempts: 5, baseDelayMs: 500, maxDelayMs: 60_000 },
  downScanLimit: 50_000,
  clockSkewSeconds: 300,
  inlineProjectionEvents: 256,
};

function resolveExchange(raw: Partial<ExchangeConfig> | undefined): ExchangeConfig {
  const r = raw ?? {};
  const interest = {} as Record<NodeRole, InterestRule>;
  for (const role of Object.keys(DEFAULT_INTEREST) as NodeRole[]) interest[role] = { ...DEFAULT_INTEREST[role], ...(r.interest?.[role] ?? {}) };
  return {
    maxBatchEvents: r.maxBatchEvents ?? DEFAULT_EXCHANGE.maxBatchEvents,
    maxBatchBytes: r.maxBatchBytes ?? DEFAULT_EXCHANGE.maxBatchBytes,
    pushDelayMs: r.pushDelayMs ?? DEFAULT_EXCHANGE.pushDelayMs,
    requestTimeoutMs: r.requestTimeoutMs ?? DEFAULT_EXCHANGE.requestTimeoutMs,
    retry: { ...DEFAULT_EXCHANGE.retry, ...(r.retry ?? {}) },
    downScanLimit: r.downScanLimit ?? DEFAULT_EXCHANGE.downScanLimit,
    clockSkewSeconds: r.clockSkewSeconds ?? DEFAULT_EXCHANGE.clockSkewSeconds,
    inlineProjectionEvents: r.inlineProjectionEvents ?? DEFAULT_EXCHANGE.inlineProjectionEvents,
    interest,
  };
}

function resolveReport(raw: Partial<Config['report']> | undefined, abs: (p: string) => string): Config['report'] {
  const r = raw ?? {};
  return {
    font: r.font ? abs(r.font) : DEFAULT_REPORT_FONT,
    ...(r.fontFamily ? { fontFamily: r.fontFamily } : {}),
    ...(r.issuer ? { issuer: r.issuer } : {}),
    issuesPerMinute: r.issuesPerMinute ?? 10,
  };
}

export const DEFAULT_PORTAL: Omit<Config['portal'], 'siteName'> = { rateLimitPerMinute: 300, formRateLimitPerMinute: 10, statisticsCacheSeconds: 300 };

function resolvePortal(raw: Partial<Config['portal']> | undefined): Config['portal'] {
  const r = raw ?? {};
  return {
    ...(r.siteName ? { siteName: r.siteName } : {}),
    rateLimitPerMinute: r.rateLimitPerMinute ?? DEFAULT_PORTAL.rateLimitPerMinute,
    formRateLimitPerMinute: r.formRateLimitPerMinute ?? DEFAULT_PORTAL.formRateLimitPerMinute,
    statisticsCacheSeconds: r.statisticsCacheSeconds ?? DEFAULT_PORTAL.statisticsCacheSeconds,
  };
}

type Problem = { path: string; message: string };

let validator: ((value: unknown) => Problem[]) | undefined;

function configValidator(): (value: unknown) => Problem[] {
  if (validator) return validator;
  const schema = JSON.parse(readFileSync(path.join(projectRoot(), 'schemas', 'config.schema.json'), 'utf8')) as object;
  const ajv = new Ajv2020({ allErrors: true, discriminator: true, strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  validator = (value) => {
    if (validate(value)) return scheduleProblems(value);
    return (validate.errors ?? []).map((e) => {
      const where = e.instancePath === '' ? '/' : e.instancePath;
      if (e.keyword === 'required') return { path: `${where === '/' ? '' : where}/${String(e.params['missingProperty'])}`, message: '缺少必填项' };
      if (e.keyword === 'additionalProperties') return { path: `${where === '/' ? '' : where}/${String(e.params['additionalProperty'])}`, message: '未知配置项' };
      if (e.keyword === 'enum') return { path: where, message: `取值必须是：${(e.params['allowedValues'] as unknown[]).join('、')}` };
      return { path: where, message: e.message ?? e.keyword };
    });
  };
  return validator;
}

/** Cron expressions (5 fields, or 6 with seconds) must parse: a typo would silently stop a node's syncs. */
function scheduleProblems(value: unknown): Problem[] {
  const schedules = ((value as { schedules?: Record<string, unknown> }).schedules ?? {});
  return Object.entries(schedules)
    .filter(([, expr]) => typeof expr !== 'string' || !cron.validate(expr))
    .map(([name, expr]) => ({ path: `/schedules/${name}`, message: `不是合法的 cron 表达式：${String(expr)}` }));
}

/** Checks a raw config object; returns every problem with its JSON path (empty when valid). */
export function validateConfig(raw: unknown): Problem[] {
  return configValidator()(raw);
}

/** Environment overrides for deployment (STYLE.md §5): defaults, then the file, then the environment. */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  const listen = (raw['listen'] ?? {}) as Record<string, unknown>;
  if (env['CREDIT_NODE_PORT']) listen['port'] = Number(env['CREDIT_NODE_PORT']);
  if (env['CREDIT_NODE_HOST']) listen['host'] = env['CREDIT_NODE_HOST'];
  raw['listen'] = listen;
  if (env['CREDIT_NODE_DATA_DIR']) raw['dataDir'] = env['CREDIT_NODE_DATA_DIR'];
  if (env['CREDIT_NODE_PG_URL']) raw['store'] = { ...(raw['store'] as object), client: 'pg', connection: env['CREDIT_NODE_PG_URL'] };
  if (env['CREDIT_NODE_LOG_LEVEL']) raw['log'] = { level: env['CREDIT_NODE_LOG_LEVEL'] };
  // The scrape token may stay out of the config file (a secret), set by the service manager instead.
  if (env['CREDIT_NODE_METRICS_TOKEN']) raw['metrics'] = { ...(raw['metrics'] as object | undefined), token: env['CREDIT_NODE_METRICS_TOKEN'] };
}

/** One query thread per core beyond the node's own, at most four. */
function defaultQueryThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/** Turns a raw, already validated config into a Config with defaults and absolute paths. */
export function resolveConfig(raw: Record<string, unknown>, baseDir: string): Config {
  const r = raw as unknown as Config & { store: Record<string, unknown>; keys: Record<string, string> };
  const dataDir = path.resolve(baseDir, r.dataDir);
  const abs = (p: string) => path.resolve(baseDir, p);
  const store = r.store.client === 'sqlite'
    ? { client: 'sqlite' as const, file: path.resolve(dataDir, String(r.store['file'] ?? 'credit-node.sqlite')), busyTimeoutMs: Number(r.store['busyTimeoutMs'] ?? 5000) }
    : (r.store as unknown as Config['store']);
  const keysDir = path.dirname(abs(r.keys['privateKey'] ?? 'keys/node.key'));
  const cfg: Config = {
    id: r.id,
    name: r.name,
    role: r.role,
    region: r.region,
    parentUrl: r.parentUrl ?? null,
    parentId: r.parentId ?? null,
    listen: { host: r.listen.host ?? '127.0.0.1', port: r.listen.port, ...(r.listen.publicUrl ? { publicUrl: r.listen.publicUrl } : {}) },
    portal: resolvePortal(r.portal),
    dataDir,
    store,
    keys: {
      privateKey: abs(r.keys['privateKey'] ?? ''),
      publicKey: abs(r.keys['publicKey'] ?? ''),
      dataKey: r.keys['dataKey'] ? abs(r.keys['dataKey']) : path.join(keysDir, 'data.key'),
      tokenSecret: r.keys['tokenSecret'] ? abs(r.keys['tokenSecret']) : path.join(keysDir, 'token.secret'),
      parentPublicKey: r.keys['parentPublicKey'] ? abs(r.keys['parentPublicKey']) : path.join(keysDir, 'parent.pub'),
    },
    exchange: resolveExchange(r.exchange),
    schedules: { ...DEFAULT_SCHEDULES, ...(r.schedules ?? {}) },
    identifiers: { legacyCodes: r.identifiers?.legacyCodes ?? [] },
    query: { threads: r.query?.threads ?? defaultQueryThreads() },
    auth: { tokenTtlSeconds: r.auth?.tokenTtlSeconds ?? 3600, queryRateLimitPerMinute: r.auth?.queryRateLimitPerMinute ?? 600, signInRateLimitPerMinute: r.auth?.signInRateLimitPerMinute ?? 20 },
    import: {
      batchSize: r.import?.batchSize ?? 1000,
      rejectsDir: r.import?.rejectsDir ? abs(r.import.rejectsDir) : path.join(dataDir, 'rejects'),
    },
    log: { level: r.log?.level ?? 'info' },
    report: resolveReport(r.report, abs),
    publicity: { ...DEFAULT_PUBLICITY, ...(r.publicity ?? {}) },
    disputes: resolveDisputes(r.disputes, abs),
    open: {
      tokenTtlSeconds: r.open?.tokenTtlSeconds ?? 600, defaultRateLimitPerMinute: r.open?.defaultRateLimitPerMinute ?? 120,
      defaultMonthlyQuota: r.open?.defaultMonthlyQuota ?? 100_000, feedPageLimit: r.open?.feedPageLimit ?? 1000,
    },
    evaluation: {
      enabled: r.evaluation?.enabled ?? r.role === 'province',
      models: r.evaluation?.models ? abs(r.evaluation.models) : path.join(projectRoot(), 'config', 'evaluation'),
      ...(r.evaluation?.model ? { model: r.evaluation.model } : {}),
      batchSize: r.evaluation?.batchSize ?? 5000,
    },
    metrics: { enabled: r.metrics?.enabled ?? true, ...(r.metrics?.token ? { token: r.metrics.token } : {}), countsCacheSeconds: r.metrics?.countsCacheSeconds ?? 60 },
    backup: { dir: abs(r.backup?.dir ?? 'backups'), keep: r.backup?.keep ?? 7 },
    notifications: { sender: r.notifications?.sender ?? 'log', ...(r.notifications?.webhookUrl ? { webhookUrl: r.notifications.webhookUrl } : {}), batchSize: r.notifications?.batchSize ?? 50, maxAttempts: r.notifications?.maxAttempts ?? 10 },
  };
  if (r.sector) cfg.sector = r.sector;
  if (r.unitCode) cfg.unitCode = r.unitCode;
  return cfg;
}

/**
 * Reads, validates and resolves a node config. A bad config throws ConfigInvalid listing every problem with
 * its path, so the node stops before it binds a port.
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new ConfigInvalid(`配置文件不存在：${abs}（可用 credit-node init 生成）`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(abs, 'utf8'));
  } catch (err) {
    throw new ConfigInvalid(`配置文件不是合法的 JSON：${abs}：${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigInvalid(`配置文件的顶层必须是对象：${abs}`);
  applyEnv(raw as Record<string, unknown>, env);
  const problems = validateConfig(raw);
  if (problems.length > 0) {
    const list = problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
    throw new ConfigInvalid(`配置文件有 ${problems.length} 处错误（${abs}）：\n${list}`, problems);
  }
  const cfg = resolveConfig(raw as Record<string, unknown>, path.dirname(abs));
  cfg.configFile = abs;
  return cfg;
}
