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
  dataDir: string;
  store: StoreConfig;
  keys: { privateKey: string; publicKey: string; dataKey: string; tokenSecret: string };
  schedules: Record<string, string>;
  identifiers: { legacyCodes: string[] };
  auth: { tokenTtlSeconds: number };
  import: { batchSize: number; rejectsDir: string };
  log: { level: string };
  /** Where the config was read from (absolute), if from a file. */
  configFile?: string;
}
