import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import path from 'node:path';
import { parse, printResult, required, say } from './common.ts';
import { createNodeKeys } from '../exchange/keys.ts';
import { validateConfig, loadConfig } from '../config/load.ts';
import { openStore } from '../store/connection.ts';
import { migrateLatest } from '../store/migrate.ts';
import { ConfigInvalid, UsageError } from '../errors.ts';
import { DEFAULT_SCHEDULES } from '../config/load.ts';

const DEFAULT_PORTS: Record<string, number> = { national: 8300, province: 8370, city: 8371, industry: 8380 };

/** Builds the config object `init` writes: every path relative to the config file, so a node dir can move. */
export function initialConfig(v: { id: string; name: string; role: string; region: string; sector?: string; parentUrl?: string; parentId?: string; port?: number; pg?: string }): Record<string, unknown> {
  const cfg: Record<string, unknown> = {
    id: v.id,
    name: v.name,
    role: v.role,
    region: v.region,
    ...(v.sector ? { sector: v.sector } : {}),
    parentUrl: v.parentUrl ?? null,
    parentId: v.parentId ?? null,
    listen: { host: '127.0.0.1', port: v.port ?? DEFAULT_PORTS[v.role] ?? 8370 },
    dataDir: 'data',
    store: v.pg ? { client: 'pg', connection: v.pg } : { client: 'sqlite', file: 'credit-node.sqlite' },
    keys: { privateKey: 'keys/node.key', publicKey: 'keys/node.pub', dataKey: 'keys/data.key', tokenSecret: 'keys/token.secret' },
    schedules: { ...DEFAULT_SCHEDULES },
    identifiers: { legacyCodes: [] },
  };
  return cfg;
}

export interface InitResult { id: string; role: string; publicKey: string; fingerprint: string; config: string }

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    role: { type: 'string' },
    id: { type: 'string' },
    name: { type: 'string' },
    region: { type: 'string' },
    sector: { type: 'string' },
    'parent-url': { type: 'string' },
    'parent-id': { type: 'string' },
    'parent-key': { type: 'string' },
    port: { type: 'string' },
    dir: { type: 'string', default: '.' },
    pg: { type: 'string' },
  });
  required(values, ['role', 'id', 'name', 'region']);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !Number.isInteger(port)) throw new UsageError(`端口必须是整数：${values.port}`);
  const result = await initNode({
    dir: String(values.dir),
    id: String(values.id), name: String(values.name), role: String(values.role), region: String(values.region),
    ...(values.sector ? { sector: String(values.sector) } : {}),
    ...(values['parent-url'] ? { parentUrl: String(values['parent-url']) } : {}),
    ...(values['parent-id'] ? { parentId: String(values['parent-id']) } : {}),
    ...(values['parent-key'] ? { parentKeyFile: String(values['parent-key']) } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(values.pg ? { pg: String(values.pg) } : {}),
  });
  printResult(result);
  return 0;
}

/** Creates a node directory: config, key pair and an empty, migrated store. */
export async function initNode(v: Parameters<typeof initialConfig>[0] & { dir: string; parentKeyFile?: string; parentKeyPem?: string; quiet?: boolean }): Promise<InitResult> {
  const dir = path.resolve(v.dir);
  const file = path.join(dir, 'credit-node.json');
  if (existsSync(file)) throw new UsageError(`配置文件已存在，不会覆盖：${file}`);
  const { dir: _dir, parentKeyFile, parentKeyPem, quiet, ...fields } = v;
  let parentPem = parentKeyPem;
  if (parentKeyFile) {
    if (!existsSync(parentKeyFile)) throw new UsageError(`上级节点公钥文件不存在：${parentKeyFile}`);
    parentPem = readFileSync(parentKeyFile, 'utf8');
  }
  if (parentPem) {
    try {
      const k = createPublicKey(parentPem);
      if (k.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not P-256');
    } catch {
      throw new UsageError('上级节点公钥须为 PEM 格式的 ECDSA P-256 公钥（上级节点 credit-node keys show 的 publicKey）');
    }
  }
  const cfg = initialConfig(fields);
  const problems = validateConfig(cfg);
  if (problems.length) throw new ConfigInvalid(`参数有误：${problems.map((p) => `${p.path} ${p.message}`).join('；')}`, problems);
  mkdirSync(dir, { recursive: true });
  const keys = createNodeKeys(path.join(dir, 'keys/node.key'), path.join(dir, 'keys/node.pub'));
  if (parentPem) writeFileSync(path.join(dir, 'keys/parent.pub'), parentPem, { mode: 0o644 });
  writeFileSync(file, `${JSON.stringify(cfg, null, 2)}\n`);
  const config = loadConfig(file);
  const store = openStore(config.store);
  try {
    await migrateLatest(store);
  } finally {
    await store.close();
  }
  if (!quiet) say(`已创建节点 ${config.id}（${config.name}），配置文件：${file}`);
  return { id: config.id, role: config.role, publicKey: keys.publicKeyPem, fingerprint: keys.fingerprint, config: file };
}
