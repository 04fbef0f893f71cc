/**
 * One sync round for several nodes of a federation, in an order that lets data cross it in one run:
 *
 *   npx tsx scripts/sync-round.ts [--up] [--down] [--json] <config> [<config> ...]
 *   npx tsx scripts/sync-round.ts --configs a/credit-node.json,b/credit-node.json
 *
 * Up first, deepest nodes first (a node is deeper than another when its chain of parentId among the given
 * configs is longer; ties keep the given order), so a grandchild's events reach its parent before the parent
 * pushes them on. Then down, top-down, so what a parent just received from one child can go down to another
 * in the same run. Each step is what `credit-node sync --up` / `--down` does (the directory is refreshed
 * first). A node whose up failed skips its down; a failing node never stops the others. Nodes without a parent
 * are listed and skipped. Prints a table (or JSON with --json); exit 1 when any node failed, 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../node/config/load.ts';
import { openNode, type NodeContext } from '../node/app.ts';
import { createLogger } from '../node/log.ts';
import type { Config } from '../node/config/types.ts';
import { isMain } from './is-main.ts';

export interface SyncRow {
  node: string;
  config: string;
  up: { sent: number; batches: number } | null;
  down: { received: number; batches: number } | null;
  /** Time spent syncing, null when the node was not synced (no parent, or its config failed). */
  ms: number | null;
  /** Why the node failed, or null. */
  error: string | null;
  /** A node without a parent has nothing to sync. */
  skipped?: string;
}

export interface Output { out: (s: string) => void; err: (s: string) => void }

const stdio: Output = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** Terminal width of a string: CJK characters take two columns. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}

export function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

/** Rows of cells as aligned columns, the first row being the header. */
export function formatTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, displayWidth(c)); });
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : padEnd(c, widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

interface Member { file: string; config?: Config; ctx?: NodeContext; row: SyncRow; index: number; ran: boolean }

/** Depth among the given nodes: how many of its ancestors (by parentId) are also given. */
function depths(members: Member[]): Map<Member, number> {
  const byId = new Map(members.filter((m) => m.config).map((m) => [m.config?.id as string, m]));
  const out = new Map<Member, number>();
  for (const m of members) {
    let d = 0;
    const seen = new Set<string>();
    for (let p = m.config?.parentId; p && byId.has(p) && !seen.has(p); p = byId.get(p)?.config?.parentId) { seen.add(p); d += 1; }
    out.set(m, d);
  }
  return out;
}

/** Runs the round (see the file comment) and returns one row per config, in the order of the up pass. */
export async function syncRound(files: string[], opts: { up?: boolean; down?: boolean; logLevel?: string } = {}): Promise<SyncRow[]> {
  const doUp = opts.up ?? true;
  const doDown = opts.down ?? true;
  const members: Member[] = files.map((file, index) => ({ file, index, ran: false, row: { node: file, config: file, up: null, down: null, ms: 0, error: null } }));
  for (const m of members) {
    try {
      // No environment overrides: a port or store override would apply to every node.
      m.config = loadConfig(m.file, {});
      m.row.node = m.config.id;
      if (!m.config.parentUrl) m.row.skipped = '无上级节点';
    } catch (err) {
      m.row.error = (err as Error).message;
    }
  }
  const depth = depths(members);
  const upOrder = [...members].sort((a, b) => (depth.get(b) ?? 0) - (depth.get(a) ?? 0) || a.index - b.index);
  const downOrder = [...members].sort((a, b) => (depth.get(a) ?? 0) - (depth.get(b) ?? 0) || a.index - b.index);
  const active = (m: Member) => m.config && !m.row.error && !m.row.skipped;
  const step = async (m: Member, direction: 'up' | 'down') => {
    const started = performance.now();
    m.ran = true;
    try {
      if (!m.ctx) m.ctx = await openNode(m.config as Config, { log: createLogger(m.row.node, opts.logLevel ?? 'error'), schedule: false });
      const r = await m.ctx.sync.round({ up: direction === 'up', down: direction === 'down' });
      if (direction === 'up') m.row.up = r.up;
      else m.row.down = r.down;
    } catch (err) {
      m.row.error = `${direction === 'up' ? '上报' : '下行'}失败：${(err as Error).message}`;
    } finally {
      m.row.ms = (m.row.ms ?? 0) + performance.now() - started;
    }
  };
  try {
    if (doUp) for (const m of upOrder) if (active(m)) await step(m, 'up');
    if (doDown) for (const m of downOrder) if (active(m)) await step(m, 'down');
  } finally {
    for (const m of members) await m.ctx?.close().catch(() => undefined);
  }
  return upOrder.map((m) => ({ ...m.row, ms: m.ran ? Math.round(m.row.ms ?? 0) : null }));
}

export function formatRows(rows: SyncRow[]): string {
  const cell = (v: { a: number; b: number } | null, skipped?: string) => (skipped ? '-' : v ? `${v.a}/${v.b}` : '');
  return formatTable([
    ['节点', '上报（条/批）', '下行（条/批）', '耗时', '错误'],
    ...rows.map((r) => [
      r.node,
      cell(r.up && { a: r.up.sent, b: r.up.batches }, r.skipped),
      cell(r.down && { a: r.down.received, b: r.down.batches }, r.skipped),
      r.ms === null ? '-' : `${(r.ms / 1000).toFixed(2)} s`,
      r.error ?? r.skipped ?? '',
    ]),
  ]);
}

const USAGE = '用法：npx tsx scripts/sync-round.ts [--up] [--down] [--json] <配置文件> [<配置文件> ...]\n      或 --configs a.json,b.json';

export async function main(argv: string[], io: Output = stdio): Promise<number> {
  let values: { configs?: string; up?: boolean; down?: boolean; json?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { configs: { type: 'string' }, up: { type: 'boolean' }, down: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    io.err(`错误：${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) { io.err(`${USAGE}\n`); return 0; }
  const files = [...(values.configs ?? '').split(',').map((s) => s.trim()).filter(Boolean), ...positionals];
  if (files.length === 0) { io.err(`错误：没有给出节点配置文件\n${USAGE}\n`); return 2; }
  const both = !values.up && !values.down;
  const rows = await syncRound(files, { up: both || !!values.up, down: both || !!values.down, ...(process.env['CREDIT_NODE_LOG_LEVEL'] ? { logLevel: process.env['CREDIT_NODE_LOG_LEVEL'] } : {}) });
  const failed = rows.filter((r) => r.error).length;
  if (values.json) io.out(`${JSON.stringify({ ok: failed === 0, rows })}\n`);
  else io.out(`${formatRows(rows)}\n`);
  if (failed) io.err(`${failed} 个节点同步失败。\n`);
  return failed ? 1 : 0;
}


if (isMain(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
