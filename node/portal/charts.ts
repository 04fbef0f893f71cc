import { html, type SafeHtml } from './layout.ts';

export interface Bar { label: string; value: number }

const WIDTH = 360;
const ROW = 26;
const LABEL_W = 118;
const VALUE_W = 58;

/**
 * A horizontal bar chart as inline SVG, drawn on the server (no script; presentation attributes only, so the
 * CSP needs no inline styles). Horizontal bars leave room for Chinese labels on a 375 px screen.
 */
export function barChart(title: string, bars: readonly Bar[]): SafeHtml {
  if (bars.length === 0) return html`<p class="muted">暂无数据</p>`;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const area = WIDTH - LABEL_W - VALUE_W;
  const height = bars.length * ROW + 4;
  const label = (s: string) => ([...s].length > 9 ? `${[...s].slice(0, 8).join('')}…` : s);
  const rows = bars.map((b, i) => {
    const y = i * ROW + 2;
    const w = b.value === 0 ? 0 : Math.max(2, Math.round((b.value / max) * area));
    return html`<g><title>${b.label}：${b.value}</title><text class="label" x="${LABEL_W - 6}" y="${y + 17}" text-anchor="end">${label(b.label)}</text><rect class="bar" x="${LABEL_W}" y="${y + 4}" width="${w}" height="${ROW - 8}" rx="2"></rect><text class="value" x="${LABEL_W + w + 4}" y="${y + 17}">${b.value.toLocaleString('zh-CN')}</text></g>`;
  });
  const summary = bars.map((b) => `${b.label} ${b.value}`).join('，');
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${title}：${summary}" xmlns="http://www.w3.org/2000/svg">${rows}</svg>`;
}
