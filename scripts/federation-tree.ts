/**
 * The federation as a node's directory knows it (run it on the province hub, whose directory holds every
 * node because enrollments travel up), with each node's chain head there, its last contact and down lag, and
 * the alarms that name it:
 *
 *   npx tsx scripts/federation-tree.ts --config hub/credit-node.json [--json]
 *       [--probe city-jinan=http://127.0.0.1:8371,jinan-market/credit-node.json,...]
 *
 * --probe asks the given nodes (id=url, or a node's config file) for their own heads with a node token of
 * the hub's, and adds the exact up lag: the node's own chain head minus what the hub holds of it. Every node
 * learns the hub's key from the directory its parent serves, so a token of the hub's is accepted throughout.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../node/config/load.ts';
import { openNode, type NodeContext } from '../node/app.ts';
import { signNodeToken } from '../node/exchange/node-auth.ts';
import { readTree, type Tree, type TreeNode } from '../node/dashboard/tree.ts';
import type { Output } from './sync-round.ts';
import { isMain } from './is-main.ts';

export { readTree, type Tree, type TreeNode };

const stdio: Output = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** Asks each node for its heads with a token of the viewer's and sets `probe` on the tree's nodes. */
export async function probe(ctx: NodeContext, tree: Tree, targets: Map<string, string>): Promise<void> {
  const all = new Map<string, TreeNode>();
  const walk = (n: TreeNode) => { all.set(n.id, n); n.children.forEach(walk); };
  tree.roots.forEach(walk);
  await Promise.all([...targets].map(async ([id, url]) => {
    const node = all.get(id);
    if (!node) return;
    try {
      const token = signNodeToken({ issuer: ctx.config.id, audience: id, privateKey: ctx.keys.privateKey, now: ctx.clock() });
      const res = await fetch(`${url.replace(/\/+$/, '')}/exchange/v1/heads`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
      const body = (await res.json().catch(() => undefined)) as { heads?: Array<{ origin: string; seq: number }>; error?: { code?: string; message?: string } } | undefined;
      if (!res.ok) throw new Error(`${res.status} ${body?.error?.code ?? ''} ${body?.error?.message ?? ''}`.trim());
      const seq = Number(body?.heads?.find((h) => h.origin === id)?.seq ?? 0);
      node.probe = { seq, upLag: Math.max(0, seq - (node.head?.seq ?? 0)) };
    } catch (err) {
      node.probe = { error: (err as Error).message };
    }
  }));
}

const ROLE_LABEL: Record<string, string> = { national: '国家平台', province: '省级平台', city: '市级平台', industry: '行业系统' };
const time = (iso: string | null | undefined): string => (iso ? iso.replace(/\.\d+Z$/, 'Z') : '—');

function describe(n: TreeNode, viewer: string): string {
  const parts = [`${n.id}（${n.name}）`, ROLE_LABEL[n.role] ?? n.role, n.region + (n.sector ? ` ${n.sector}` : ''), n.status === 'active' ? '正常' : '已撤销'];
  parts.push(n.head ? `链头 #${n.head.seq} ${time(n.head.at)}` : '链头 —');
  const c = n.contact;
  if (c && 'up' in c) {
    parts.push(`上报 ${time(c.up)}`, `下行 ${time(c.down)}`, `下行滞后 ${n.downLag ?? '—'}`);
    if (c.error) parts.push(`最近失败：${c.error}`);
  } else if (c) {
    parts.push(c.via ? `经 ${c.via} 上报，最后事件 ${time(c.lastEventAt)}` : `不在 ${viewer} 之下`);
  }
  if (n.probe) parts.push('error' in n.probe ? `探测失败：${n.probe.error}` : `本地链头 #${n.probe.seq}，上报滞后 ${n.probe.upLag}`);
  return parts.join('  ');
}

/** The tree with box-drawing lines; alarms under their node. */
export function formatTree(tree: Tree): string {
  const lines: string[] = [];
  const walk = (n: TreeNode, prefix: string, last: boolean, root: boolean) => {
    lines.push(`${prefix}${root ? '' : last ? '└─ ' : '├─ '}${describe(n, tree.viewer)}`);
    const inner = root ? prefix : `${prefix}${last ? '   ' : '│  '}`;
    for (const a of n.alarms) lines.push(`${inner}${n.children.length ? '│' : ' '}  ⚠ ${a.code} ${time(a.at)} ${a.detail}`);
    n.children.forEach((c, i) => walk(c, inner, i === n.children.length - 1, false));
  };
  tree.roots.forEach((r) => walk(r, '', true, true));
  return lines.join('\n');
}

/** `id=url` or a node's config file (its id and listen address). */
function probeTargets(list: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq > 0) { out.set(item.slice(0, eq), item.slice(eq + 1)); continue; }
    const c = loadConfig(item, {});
    out.set(c.id, c.listen.publicUrl ?? `http://${c.listen.host.includes(':') ? `[${c.listen.host}]` : c.listen.host}:${c.listen.port}`);
  }
  return out;
}

const USAGE = '用法：npx tsx scripts/federation-tree.ts --config <省级节点配置文件> [--json] [--probe id=url,...|配置文件,...]';

export async function main(argv: string[], io: Output = stdio): Promise<number> {
  let values: { config?: string; json?: boolean; probe?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, strict: true, options: { config: { type: 'string' }, json: { type: 'boolean' }, probe: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    io.err(`错误：${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) { io.err(`${USAGE}\n`); return 0; }
  if (!values.config) { io.err(`错误：缺少 --config\n${USAGE}\n`); return 2; }
  let ctx: NodeContext;
  let targets: Map<string, string> | undefined;
  try {
    targets = values.probe ? probeTargets(values.probe) : undefined;
    ctx = await openNode(loadConfig(values.config, {}), { log: pino({ level: 'silent' }), schedule: false });
  } catch (err) {
    io.err(`错误：${(err as Error).message}\n`);
    return 1;
  }
  try {
    const tree = await readTree(ctx);
    if (targets) await probe(ctx, tree, targets);
    io.out(values.json ? `${JSON.stringify(tree)}\n` : `${formatTree(tree)}\n`);
    return 0;
  } finally {
    await ctx.close();
  }
}

if (isMain(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
