import { existsSync } from 'node:fs';
import path from 'node:path';
import { parse, say } from './common.ts';
import { initNode } from './init.ts';
import { loadConfig } from '../config/load.ts';
import { startNode } from '../app.ts';
import { UsageError } from '../errors.ts';
import { generateRecords, DEMO_SOURCE_UNIT } from '../../scripts/generate-data.ts';
import type { NodeContext } from '../app.ts';

/** Demo accounts: printed at start so a visitor can try the API; a real node creates its own users. */
const DEMO_USERS = [
  { username: 'demo-admin', role: 'admin', password: 'demo-admin-2026' },
  { username: 'demo-clerk', role: 'clerk', password: 'demo-clerk-2026', sourceUnit: DEMO_SOURCE_UNIT.code },
  { username: 'demo-officer', role: 'officer', password: 'demo-officer-2026', regions: ['37'] },
];

const DEMO_DATA: Array<[string, number]> = [
  ['registration', 300],
  ['administrative_license', 400],
  ['administrative_penalty', 600],
  ['serious_dishonesty_list', 30],
  ['abnormal_operation_list', 60],
  ['honor', 60],
  ['tax_credit_rating', 200],
  ['court_enforcement', 60],
];

/** Records first (a re-run after an interruption finds them unchanged), users last: users mean "seeded". */
async function seed(ctx: NodeContext): Promise<number> {
  let total = 0;
  for (const [category, count] of DEMO_DATA) {
    const raws = [...generateRecords({ category, count, seed: 2026 })];
    const results = await ctx.records.ingest(raws);
    total += results.filter((r) => r.status === 'created').length;
  }
  for (const u of DEMO_USERS) await ctx.users.add(u);
  return total;
}

/**
 * `npm start`: initialises a demo province node once (embedded SQLite, generated data, demo users) under
 * ./demo and starts it. The federation of the exchange issue builds on the same command.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { dir: { type: 'string', default: './demo' }, 'base-port': { type: 'string', default: '8370' } });
  const dir = path.resolve(String(values.dir));
  const port = Number(values['base-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`端口不正确：${values['base-port']}`);
  const file = path.join(dir, 'credit-node.json');
  if (!existsSync(file)) {
    say('首次启动：正在创建演示节点并生成数据……');
    await initNode({ dir, role: 'province', id: 'sd-hub', name: '山东省公共信用信息平台（演示）', region: '370000', port });
  }
  const node = await startNode(loadConfig(file, { ...process.env, CREDIT_NODE_PORT: String(port) }));
  // Seed when the store is still empty (also after a first start that was interrupted while seeding).
  if ((await node.ctx.users.count()) === 0) say(`已载入 ${await seed(node.ctx)} 条生成的信用记录。`);
  say(`演示节点已启动：${node.url}`);
  say(`  健康检查：${node.url}/healthz`);
  say('  演示账户（POST /api/v1/auth/token）：');
  for (const u of DEMO_USERS) say(`    ${u.role.padEnd(8)} ${u.username} / ${u.password}`);
  say('按 Ctrl-C 停止。');
  await new Promise<void>((resolve) => {
    const stop = () => { node.stop().then(resolve, resolve); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
