import { html, type SafeHtml } from '../portal/layout.ts';
import { chinaWallTime } from '../clock.ts';
import type { DashboardNode, IntakeSeries } from './data.ts';

/**
 * Pictures of the dashboard as SVG drawn on the server: no script, presentation attributes only (the portal's
 * CSP allows no inline styles), every text through the escaping `html` template, so the output is also
 * well-formed XML.
 */

const BOX_W = 184;
const BOX_H = 108;
const GAP_X = 22;
const GAP_Y = 44;
const STACK_GAP = 14;
const INDENT = 24;
const MARGIN = 12;
const LINE = 16;

const ROLE_LABEL: Record<string, string> = { national: '国家平台', province: '省级平台', city: '市级平台', industry: '行业系统' };
const STATE_LABEL = { ok: '正常', error: '异常', revoked: '已撤销' } as const;

/** First `max` characters, with … when cut. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

/** An instant as China time, MM-DD HH:mm. */
export function chinaTime(iso: string | null): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return '—';
  return chinaWallTime(Date.parse(iso)).slice(5, 16).replace('T', ' ');
}

const count = (n: number) => n.toLocaleString('zh-CN');

function roleLabel(n: DashboardNode, parentRole: string | undefined): string {
  // Industry nodes straight under the hub: provincial bureaus and vertically managed sectors (DESIGN.md §1).
  if (n.role === 'industry' && (parentRole === 'province' || parentRole === 'national')) return '省直/垂管行业';
  return ROLE_LABEL[n.role] ?? n.role;
}

function lagLine(n: DashboardNode): string {
  if (n.link === 'self') return n.parent ? `上报滞后 ${n.lag.up ?? '—'} · 下行滞后 ${n.lag.down ?? '—'}` : '本级节点（无上级）';
  if (n.link === 'direct') return `滞后 ${n.lag.down ?? '—'} 条事件`;
  return `经 ${n.via ?? '—'} 交换`;
}

function contactLine(n: DashboardNode): string {
  if (n.link === 'relayed') return n.lastEventAt ? `最后事件 ${chinaTime(n.lastEventAt)}` : '暂无事件';
  if (n.link === 'self' && !n.parent) return n.lastEventAt ? `最后事件 ${chinaTime(n.lastEventAt)}` : '暂无事件';
  return n.lastContact ? `最后联系 ${chinaTime(n.lastContact)}` : '从未联系';
}

/** Everything about a node, for its tooltip (<title>). */
function describe(n: DashboardNode, parentRole: string | undefined): string {
  const parts = [`${n.name}（${n.id}）`, `${roleLabel(n, parentRole)} ${n.region}${n.sector ? ` ${n.sector}` : ''}`, `状态：${STATE_LABEL[n.state]}`, lagLine(n), contactLine(n), `记录 ${n.records}，事件 #${n.events}`];
  if (n.error) parts.push(`最近一次交换失败：${n.error}`);
  for (const a of n.alarms) parts.push(`告警 ${chinaTime(a.at)} ${a.code} ${a.detail}`);
  if (n.alarmCount > n.alarms.length) parts.push(`另有 ${n.alarmCount - n.alarms.length} 条告警`);
  return parts.join('\n');
}

const COLORS = {
  ok: { fill: '#ffffff', stroke: '#78909c', width: 1.5, text: '#222222', sub: '#555555', state: '#2e7d32' },
  error: { fill: '#ffebee', stroke: '#c62828', width: 2.5, text: '#222222', sub: '#5d4037', state: '#b71c1c' },
  revoked: { fill: '#eceff1', stroke: '#b0bec5', width: 1.5, text: '#9e9e9e', sub: '#9e9e9e', state: '#9e9e9e' },
} as const;

function box(n: DashboardNode, x: number, y: number, parentRole: string | undefined): SafeHtml {
  const c = COLORS[n.state];
  const self = n.link === 'self';
  const stroke = self && n.state === 'ok' ? '#263238' : c.stroke;
  const tx = x + 8;
  const line = (i: number) => y + 4 + LINE * (i + 1);
  const dash = n.state === 'revoked' ? '5 3' : null;
  return html`<g class="node ${n.state}${self ? ' self' : ''}" data-node="${n.id}"><title>${describe(n, parentRole)}</title>\
<rect x="${x}" y="${y}" width="${BOX_W}" height="${BOX_H}" rx="6" fill="${c.fill}" stroke="${stroke}" stroke-width="${self ? 2.5 : c.width}"${dash ? html` stroke-dasharray="${dash}"` : ''}></rect>\
<text x="${tx}" y="${line(0)}" font-size="13" font-weight="bold" fill="${c.text}">${clip(n.name, 13)}</text>\
<text x="${tx}" y="${line(1)}" font-size="11" fill="${c.sub}">${clip(n.id, 28)}</text>\
<text x="${tx}" y="${line(2)}" font-size="11" fill="${c.sub}">${roleLabel(n, parentRole)}${self ? '（本节点）' : ''} · <tspan fill="${c.state}" font-weight="bold">${STATE_LABEL[n.state]}</tspan></text>\
<text x="${tx}" y="${line(3)}" font-size="11" fill="${c.sub}">${clip(lagLine(n), 24)}</text>\
<text x="${tx}" y="${line(4)}" font-size="11" fill="${c.sub}">${contactLine(n)}</text>\
<text x="${tx}" y="${line(5)}" font-size="11" fill="${c.sub}">记录 ${count(n.records)} · 事件 #${count(n.events)}</text></g>`;
}

interface Placed { node: DashboardNode; x: number; y: number; depth: number; parent: Placed | undefined }

function countNodes(n: DashboardNode): { all: number; error: number; revoked: number } {
  const out = { all: 1, error: n.state === 'error' ? 1 : 0, revoked: n.state === 'revoked' ? 1 : 0 };
  for (const c of n.children) {
    const s = countNodes(c);
    out.all += s.all; out.error += s.error; out.revoked += s.revoked;
  }
  return out;
}

/**
 * The federation tree: the viewing node at the top, its children (cities, then industry nodes reporting to it
 * directly) side by side, and below each child its own subtree as an indented column, so sixteen cities with
 * their bureaus stay a picture a phone can scroll sideways through.
 */
export function treeSvg(root: DashboardNode): SafeHtml {
  const columns = root.children.map((head) => {
    const items: Array<{ node: DashboardNode; depth: number; parentIndex: number }> = [];
    const walk = (n: DashboardNode, depth: number, parentIndex: number) => {
      const me = items.length;
      items.push({ node: n, depth, parentIndex });
      for (const c of n.children) walk(c, depth + 1, me);
    };
    walk(head, 0, -1);
    return { items, width: BOX_W + INDENT * Math.max(...items.map((i) => i.depth)) };
  });
  const inner = columns.reduce((w, c) => w + c.width, 0) + GAP_X * Math.max(0, columns.length - 1);
  const width = Math.max(BOX_W, inner) + 2 * MARGIN;
  const rowY = MARGIN + BOX_H + GAP_Y;
  const tallest = Math.max(0, ...columns.map((c) => c.items.length));
  const height = tallest ? rowY + tallest * (BOX_H + STACK_GAP) - STACK_GAP + MARGIN : BOX_H + 2 * MARGIN;
  const rootX = Math.round((width - BOX_W) / 2);
  const top: Placed = { node: root, x: rootX, y: MARGIN, depth: 0, parent: undefined };
  const lines: SafeHtml[] = [];
  const boxes: SafeHtml[] = [box(root, rootX, MARGIN, undefined)];
  const path = (d: string, revoked: boolean) => html`<path d="${d}" fill="none" stroke="${revoked ? '#cfd8dc' : '#90a4ae'}" stroke-width="1.5"${revoked ? html` stroke-dasharray="5 3"` : ''}></path>`;
  let x = MARGIN + Math.max(0, Math.round((width - 2 * MARGIN - inner) / 2));
  const busY = MARGIN + BOX_H + GAP_Y / 2;
  for (const col of columns) {
    const placed: Placed[] = [];
    col.items.forEach((it, k) => {
      const p: Placed = { node: it.node, x: x + it.depth * INDENT, y: rowY + k * (BOX_H + STACK_GAP), depth: it.depth, parent: it.parentIndex >= 0 ? placed[it.parentIndex] : top };
      placed.push(p);
      const parentRole = p.parent?.node.role;
      boxes.push(box(it.node, p.x, p.y, parentRole));
      const revoked = it.node.state === 'revoked';
      if (it.depth === 0) {
        const cx = p.x + BOX_W / 2;
        lines.push(path(`M${rootX + BOX_W / 2} ${MARGIN + BOX_H}V${busY}H${cx}V${p.y}`, revoked));
      } else if (p.parent) {
        const px = p.parent.x + 10;
        lines.push(path(`M${px} ${p.parent.y + BOX_H}V${p.y + BOX_H / 2}H${p.x}`, revoked));
      }
    });
    x += col.width + GAP_X;
  }
  const n = countNodes(root);
  const label = `联邦拓扑：${n.all} 个节点，${n.error} 个异常，${n.revoked} 个已撤销`;
  return html`<svg class="tree" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${label}" font-family="'PingFang SC','Microsoft YaHei','Noto Sans CJK SC','WenQuanYi Zen Hei',sans-serif"><title>${label}</title>${lines}${boxes}</svg>`;
}

const PALETTE = ['#c62828', '#1565c0', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#8d6e63'];
const OTHER_COLOR = '#9e9e9e';

/** The largest series, the rest summed as 其他 (one colour each in a chart a phone can tell apart). */
export function topSeries(series: readonly IntakeSeries[], max = PALETTE.length): IntakeSeries[] {
  if (series.length <= max + 1) return [...series];
  const rest = series.slice(max);
  const perDay = (rest[0]?.perDay ?? []).map((_, i) => rest.reduce((s, r) => s + (r.perDay[i] ?? 0), 0));
  return [...series.slice(0, max), { key: '*', name: `其他（${rest.length} 项）`, total: rest.reduce((s, r) => s + r.total, 0), perDay }];
}

/** A round upper bound for the y axis. */
function niceMax(v: number): number {
  if (v <= 4) return 4;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 4, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

/**
 * Records received per day as stacked columns, one colour per series (city or category), with a legend of
 * totals: 360 units wide like the portal's charts, so it fills a 375 px phone.
 */
export function stackedColumns(title: string, days: readonly string[], all: readonly IntakeSeries[]): SafeHtml {
  const series = topSeries(all);
  const totals = days.map((_, i) => series.reduce((s, r) => s + (r.perDay[i] ?? 0), 0));
  if (totals.every((t) => t === 0)) return html`<p class="muted">近 ${days.length} 日没有接收到记录</p>`;
  const W = 360; const left = 40; const right = 8; const top = 10; const plotH = 140;
  const plotW = W - left - right;
  const colW = plotW / days.length;
  const max = niceMax(Math.max(...totals));
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const grid = [0, max / 2, max].filter(Number.isInteger).map((v) => html`<line x1="${left}" x2="${W - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e0e0e0" stroke-width="1"></line><text x="${left - 4}" y="${(y(v) + 4).toFixed(1)}" font-size="10" text-anchor="end" fill="#555555">${count(v)}</text>`);
  const bars: SafeHtml[] = [];
  days.forEach((day, i) => {
    let base = 0;
    series.forEach((s, k) => {
      const v = s.perDay[i] ?? 0;
      if (v === 0) return;
      const y0 = y(base + v);
      bars.push(html`<rect x="${(left + i * colW + colW * 0.15).toFixed(1)}" y="${y0.toFixed(1)}" width="${(colW * 0.7).toFixed(1)}" height="${Math.max(0.5, y(base) - y0).toFixed(1)}" fill="${s.key === '*' ? OTHER_COLOR : PALETTE[k] ?? OTHER_COLOR}"><title>${day} ${s.name}：${v}</title></rect>`);
      base += v;
    });
  });
  const ticks = days.map((d, i) => ((days.length - 1 - i) % 7 === 0 ? html`<text x="${(left + i * colW + colW / 2).toFixed(1)}" y="${top + plotH + 14}" font-size="10" text-anchor="middle" fill="#555555">${d.slice(5)}</text>` : ''));
  const legendTop = top + plotH + 24;
  const legend = series.map((s, k) => {
    const lx = 4 + (k % 2) * 178; const ly = legendTop + Math.floor(k / 2) * 18;
    return html`<rect x="${lx}" y="${ly}" width="10" height="10" fill="${s.key === '*' ? OTHER_COLOR : PALETTE[k] ?? OTHER_COLOR}"></rect><text x="${lx + 14}" y="${ly + 9}" font-size="11" fill="#333333">${clip(s.name, 11)} ${count(s.total)}</text>`;
  });
  const height = legendTop + Math.ceil(series.length / 2) * 18 + 4;
  const summary = series.map((s) => `${s.name} ${s.total}`).join('，');
  return html`<svg class="chart intake" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${title}：${summary}"><title>${title}</title>${grid}${bars}${ticks}${legend}</svg>`;
}
