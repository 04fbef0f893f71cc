import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, say } from './common.ts';
import { demoFederation, freePorts, initFederation, type FederationNode, type FederationNodeSpec } from './federation.ts';
import { loadConfig } from '../config/load.ts';
import { startNode, type NodeContext, type RunningNode } from '../app.ts';
import { SyncScheduler } from '../exchange/scheduler.ts';
import { recordsRepo } from '../records/repo.ts';
import { UsageError } from '../errors.ts';
import { generateRecords, DEMO_SOURCE_UNIT, type RecordJson } from '../../scripts/generate-data.ts';

/** Demo accounts, created on the hub and on Jinan: printed at start so a visitor can try the API. */
export const DEMO_USERS = [
  { username: 'demo-admin', role: 'admin', password: 'demo-admin-2026' },
  { username: 'demo-clerk', role: 'clerk', password: 'demo-clerk-2026', sourceUnit: DEMO_SOURCE_UNIT.code },
  { username: 'demo-officer', role: 'officer', password: 'demo-officer-2026', regions: ['37'] },
];

const SEED = 2026;
const SEEDED_MARKER = 'demo-seeded';
const WITH_USERS = new Set(['sd-hub', 'city-jinan']);

/** A record about a subject registered in Jinan (USCC registration division, or a resident ID's address code). */
export function isJinanSubject(r: RecordJson): boolean {
  const code = r.subject.code ?? '';
  return r.subject.type === 'natural_person' ? code.startsWith('3701') : /^[0-9A-Z]{2}3701/.test(code);
}

/** The first `want` generated records of a category that are about Jinan subjects (deterministic). */
function jinanRecords(category: string, want: number): RecordJson[] {
  const out: RecordJson[] = [];
  for (const r of generateRecords({ category, count: want * 40, seed: SEED })) {
    if (!isJinanSubject(r)) continue;
    out.push(r);
    if (out.length >= want) break;
  }
  return out;
}

/**
 * What each node of the demo federation records itself, small enough that `npm start` is ready in seconds:
 * Jinan market regulation its penalties, licences and abnormal-operation list about Jinan companies;
 * provincial tax its ratings across the province (the Jinan ones go down to Jinan); the hub the
 * province-wide lists every child receives. Jinan itself records nothing: it shows what flows through it.
 */
export function demoData(): Record<string, RecordJson[]> {
  return {
    'sd-hub': [
      ...generateRecords({ category: 'serious_dishonesty_list', count: 30, seed: SEED }),
      ...generateRecords({ category: 'honor', count: 60, seed: SEED }),
    ],
    'city-jinan': [],
    'jinan-market': [
      ...jinanRecords('administrative_penalty', 120),
      ...jinanRecords('administrative_license', 120),
      ...jinanRecords('abnormal_operation_list', 40),
    ],
    'sd-tax': [...generateRecords({ category: 'tax_credit_rating', count: 300, seed: SEED })],
  };
}


/**
 * The ports of the demo nodes: an existing node keeps the port in its config (its children's parent URL
 * names it); a new one takes basePort + i, or a free port when basePort is 0.
 */
async function plan(dir: string, basePort: number): Promise<FederationNodeSpec[]> {
  const specs = demoFederation(basePort);
  const free = basePort === 0 ? await freePorts(specs.length) : [];
  return specs.map((s, i) => {
    const file = path.join(dir, s.id, 'credit-node.json');
    if (existsSync(file)) {
      const port = (JSON.parse(readFileSync(file, 'utf8')) as { listen?: { port?: number } }).listen?.port;
      if (typeof port === 'number' && port > 0) return { ...s, port };
    }
    return basePort === 0 ? { ...s, port: free[i] as number } : s;
  });
}

/** Demo configs: quick pushes after a change and a catch-up sync every 30 s, quiet logs (CREDIT_NODE_LOG_LEVEL=info to watch). */
function demoConfig(cfg: Record<string, unknown>): void {
  cfg['schedules'] = { syncUp: '*/30 * * * * *', syncDown: '*/30 * * * * *' };
  cfg['exchange'] = { pushDelayMs: 1000 };
  cfg['log'] = { level: 'warn' };
}

/** Records first (a re-run after an interruption finds them unchanged), users next, the marker last. */
async function seed(node: FederationNode, ctx: NodeContext, records: RecordJson[]): Promise<number> {
  const marker = path.join(node.dir, SEEDED_MARKER);
  if (existsSync(marker)) return 0;
  const results = await ctx.records.ingest(records);
  if (WITH_USERS.has(node.spec.id) && (await ctx.users.count()) === 0) for (const u of DEMO_USERS) await ctx.users.add(u);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return results.filter((r) => r.status === 'created').length;
}

const ROLE_LABEL: Record<string, string> = { province: '省级平台', city: '市级平台', industry: '行业系统', national: '国家平台' };

/** Display width in a terminal: CJK characters take two columns. */
function pad(s: string, width: number): string {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return s + ' '.repeat(Math.max(0, width - w));
}

async function startAll(nodes: FederationNode[]): Promise<RunningNode[]> {
  const env: NodeJS.ProcessEnv = process.env['CREDIT_NODE_LOG_LEVEL'] ? { CREDIT_NODE_LOG_LEVEL: process.env['CREDIT_NODE_LOG_LEVEL'] } : {};
  const running: RunningNode[] = [];
  try {
    for (const n of nodes) {
      try {
        // Only the log level is taken from the environment: a port or store override would hit all four nodes.
        running.push(await startNode(loadConfig(n.configFile, env), { schedule: false, jobs: true }));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`端口 ${n.spec.port} 已被占用（节点 ${n.spec.id}）：请先停止占用该端口的程序，或删除演示目录后用 --base-port 换一组端口`);
        throw err;
      }
    }
    return running;
  } catch (err) {
    for (const r of running.reverse()) await r.stop().catch(() => undefined);
    throw err;
  }
}

/** The demo's first sync: up from the deepest node, then down, so data visibly flows both ways before the URLs print. */
async function firstSync(byId: Map<string, RunningNode>): Promise<void> {
  const steps: Array<[string, { up: boolean; down: boolean }]> = [
    ['jinan-market', { up: true, down: true }],
    ['city-jinan', { up: true, down: true }],
    ['sd-tax', { up: true, down: true }],
    ['city-jinan', { up: false, down: true }],
    ['jinan-market', { up: false, down: true }],
  ];
  for (const [id, opts] of steps) {
    const node = byId.get(id) as RunningNode;
    try {
      const r = await node.ctx.sync.round(opts);
      if (r.up.sent || r.down.received) say(`  同步 ${pad(id, 13)} 上报 ${r.up.sent} 条，下行接收 ${r.down.received} 条`);
    } catch (err) {
      say(`  同步 ${id} 失败：${(err as Error).message}（稍后按计划重试）`);
    }
  }
  // Large received batches are projected just after them: the records are on every page before the URLs print.
  for (const node of byId.values()) await node.ctx.exchange.drainProjection();
}

/**
 * `npm start`: the demo federation of CONTRACT.md on loopback under ./demo — the hub, Jinan, Jinan market
 * regulation and provincial tax — created and seeded once, started in this process, synced once, with
 * scheduled syncs from then on.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { dir: { type: 'string', default: './demo' }, 'base-port': { type: 'string', default: '8370' } });
  const dir = path.resolve(String(values.dir));
  const basePort = Number(values['base-port']);
  if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65532) throw new UsageError(`端口不正确：${values['base-port']}`);
  const first = !existsSync(path.join(dir, 'sd-hub', 'credit-node.json'));
  if (first) say(`首次启动：正在 ${dir} 下创建演示联邦（省级平台、济南市平台、济南市市场监管局、省税务局）……`);
  if (existsSync(path.join(dir, 'credit-node.json'))) say(`提示：${dir}/credit-node.json 是旧版单节点演示的数据，已不再使用，可以删除。`);
  const nodes = await initFederation(dir, await plan(dir, basePort), (cfg) => demoConfig(cfg));
  const running = await startAll(nodes);
  const byId = new Map(nodes.map((n, i) => [n.spec.id, running[i] as RunningNode]));
  const schedulers: SyncScheduler[] = [];
  const stopAll = async () => {
    for (const s of schedulers) await s.stop();
    for (const r of [...running].reverse()) await r.stop();
  };
  try {
    const data = demoData();
    let loaded = 0;
    for (const n of nodes) loaded += await seed(n, (byId.get(n.spec.id) as RunningNode).ctx, data[n.spec.id] ?? []);
    if (loaded) say(`已载入 ${loaded} 条生成的信用记录（各节点录入本节点的数据）。`);
    say('正在同步……');
    await firstSync(byId);
    // Scheduled syncs start only now, so they never race the first rounds above.
    for (const r of running) {
      if (!r.ctx.config.parentUrl) continue;
      const s = new SyncScheduler(r.ctx.sync, r.ctx.config, r.ctx.log);
      r.ctx.eventLog.onChange(() => s.schedulePush());
      s.start();
      schedulers.push(s);
    }
    say('演示联邦已启动：');
    for (const n of nodes) {
      const r = byId.get(n.spec.id) as RunningNode;
      const records = (await recordsRepo.counts(r.ctx.store.knex))['records'] ?? 0;
      say(`  ${pad(n.spec.id, 13)} ${pad(ROLE_LABEL[n.spec.role] ?? n.spec.role, 9)} ${n.spec.region}  ${pad(r.url, 23)} ${pad(n.spec.name, 26)} 记录 ${records} 条`);
    }
    say('  健康检查：<地址>/healthz；同步状态：credit-node status --config <目录>/<节点>/credit-node.json');
    say('  演示账户（省级平台和济南市平台，POST /api/v1/auth/token）：');
    for (const u of DEMO_USERS) say(`    ${u.role.padEnd(8)} ${u.username} / ${u.password}`);
    const taxExample = data['sd-tax']?.find(isJinanSubject);
    if (taxExample) say(`  例：GET ${(byId.get('city-jinan') as RunningNode).url}/api/v1/subjects/${taxExample.subject.code}（济南市平台收到省税务局下发的纳税信用等级）`);
    say('  之后每 30 秒同步一次，本地数据变更后约 1 秒上报。按 Ctrl-C 停止。');
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
  await new Promise<void>((resolve) => {
    const stop = () => { stopAll().then(resolve, resolve); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
