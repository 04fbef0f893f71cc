import type { PublicityConfig } from '../publicity/rules.ts';

export type NodeRole = 'province' | 'city' | 'industry' | 'national';

export interface SqliteStoreConfig {
  client: 'sqlite';
  /** Absolute path once loaded. */
  file: string;
  busyTimeoutMs: number;
}

export interface PgStoreConfig {
  client: 'pg';
  connection: string;
  schema?: string;
  pool?: { min?: number; max?: number };
}

export type StoreConfig = SqliteStoreConfig | PgStoreConfig;

/** A validated node config with defaults applied and every path made absolute. */
export interface Config {
  id: string;
  name: string;
  role: NodeRole;
  region: string;
  sector?: string;
  unitCode?: string;
  parentUrl: string | null;
  parentId: string | null;
  listen: { host: string; port: number; publicUrl?: string };
  /** The public website and app API (portal/). */
  portal: PortalConfig;
  dataDir: string;
  store: StoreConfig;
  keys: { privateKey: string; publicKey: string; dataKey: string; tokenSecret: string; parentPublicKey: string };
  exchange: ExchangeConfig;
  schedules: Record<string, string>;
  identifiers: { legacyCodes: string[] };
  auth: { tokenTtlSeconds: number; queryRateLimitPerMinute: number; signInRateLimitPerMinute: number };
  /**
   * Subject reports and searches (query/): on SQLite they run on this many threads of their own, each with a
   * read-only connection, so the node's thread keeps to HTTP, access checks and the audit trail. 0: on the node's
   * thread (always so on PostgreSQL, whose server reads in processes of its own).
   */
  query: { threads: number };
  import: { batchSize: number; rejectsDir: string };
  log: { level: string };
  /** The public credit report (publicity/report/): its font and issuer. */
  report: ReportConfig;
  /** Which publicity rule set judges records (publicity/rules.ts). */
  publicity: PublicityConfig;
  /** Objections, complaints and repairs: deadlines, calendar, complaint routing, evidence limits (disputes/). */
  disputes: DisputesConfig;
  /** How ticket notifications leave the node (notify/). */
  notifications: NotificationsConfig;
  /** Third-party clients (open/): token lifetime, default limits, feed page size. */
  open: OpenConfig;
  /** Credit evaluation (evaluation/). */
  evaluation: EvaluationConfig;
  /** GET /metrics for operators and Prometheus (monitoring/). */
  metrics: MetricsConfig;
  /** Scheduled backups (store/backup*.ts): where they go and how many are kept; the time is schedules.backup. */
  backup: BackupConfig;
  /** Where the config was read from (absolute), if from a file. */
  configFile?: string;
}

/** What a parent sends down to a child of one role (DESIGN.md §4, down). */
export interface InterestRule {
  /** Records of other origins: about subjects registered in the child's region, all of them, or none. */
  records: 'region' | 'all' | 'none';
  /** Records from nodes of the child's own sector wherever they are. */
  sectorRecords: boolean;
  /** Categories every child of the role receives whatever the region (province-wide lists, honours). */
  categories: string[];
  tickets: boolean;
  directory: boolean;
}

export interface ExchangeConfig {
  maxBatchEvents: number;
  maxBatchBytes: number;
  pushDelayMs: number;
  requestTimeoutMs: number;
  retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  downScanLimit: number;
  clockSkewSeconds: number;
  /**
   * A received batch of at most this many events is projected into records and tickets in its own transaction
   * when nothing received earlier waits for projection; larger batches are stored at log speed and projected
   * right after by the background projector (exchange/service.ts).
   */
  inlineProjectionEvents: number;
  interest: Record<NodeRole, InterestRule>;
}

/** The public website (信用山东 and the city sites) and its app API (node/portal/). */
export interface PortalConfig {
  /** Default: 信用 + the region's short name. */
  siteName?: string;
  /** Requests per client address per minute, pages and /public/v1 each. */
  rateLimitPerMinute: number;
  /** Objection, complaint and repair submissions per client address per minute. */
  formRateLimitPerMinute: number;
  statisticsCacheSeconds: number;
}

/** The public credit report PDF (node/publicity/report/). */
export interface ReportConfig {
  /** Absolute path of the font embedded in the PDF (default Debian's fonts-wqy-zenhei). */
  font: string;
  /** The font's PostScript name inside a .ttc collection (default: its first font). */
  fontFamily?: string;
  /** The issuing platform printed on reports (default: the site's name). */
  issuer?: string;
  issuesPerMinute: number;
}

/** Time limits of each ticket step in working days (DOMAIN.md §6). */
export interface DeadlinesConfig {
  mark: number;
  forward: number;
  platformDecide: number;
  sourceDecide: number;
  withdraw: number;
  repairDecide: number;
  complaintForward: number;
  complaintAnswer: number;
}

export interface ComplaintRoute { sector?: string; region?: string; node: string }

export interface DisputesConfig {
  deadlines: DeadlinesConfig;
  /** Absolute folder of the holiday tables (<year>.json). */
  calendarDir: string;
  complaintRoutes: ComplaintRoute[];
  evidence: { maxFiles: number; maxFileBytes: number; maxTotalBytes: number };
}

export interface NotificationsConfig {
  sender: 'log' | 'webhook';
  webhookUrl?: string;
  batchSize: number;
  maxAttempts: number;
}

export interface OpenConfig {
  tokenTtlSeconds: number;
  defaultRateLimitPerMinute: number;
  defaultMonthlyQuota: number;
  feedPageLimit: number;
}

export interface EvaluationConfig {
  enabled: boolean;
  /** Absolute folder of the model files (<version>.json). */
  models: string;
  /** The model version in use; undefined: the highest in the folder. */
  model?: string;
  batchSize: number;
}

export interface MetricsConfig {
  /** Serves GET /metrics (default true). */
  enabled: boolean;
  /** A scrape token for Prometheus (Authorization: Bearer <token>); without it only signed-in operators may read. */
  token?: string;
  /** How old the store counts (records, subjects, events) may be before a scrape recounts them; default 60. */
  countsCacheSeconds: number;
}

export interface BackupConfig {
  /** Absolute folder of the scheduled backups (default: backups/ beside the config file). */
  dir: string;
  /** How many of this node's backups the folder keeps; older ones are deleted after each new one (default 7). */
  keep: number;
}
