import { createHash } from 'node:crypto';
import { ASSETS } from '../portal/assets.ts';
import { barChart } from '../portal/charts.ts';
import { html, SafeHtml } from '../portal/layout.ts';
import type { Dashboard, DashboardNode } from './data.ts';
import { chinaTime, stackedColumns, treeSvg } from './svg.ts';

/** The dashboard's own rules on top of the portal stylesheet (served at a content-addressed URL, see routes.ts). */
const CSS = `
.ops-top{background:#263238}
.ops-top form{margin:0}
.ops-top button{min-height:36px;padding:.25rem .75rem;background:#fff;color:#263238}
.ops-user{color:#fff;font-size:.9rem;margin-right:.5rem}
.ops-bar{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem .5rem;margin-top:.25rem}
.scroll{overflow-x:auto;background:#fff;border-radius:6px;box-shadow:0 1px 2px rgba(0,0,0,.08);padding:.25rem;margin:.5rem 0}
.scroll svg.tree{display:block;max-width:none;height:auto;margin:0 auto}
.figures{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:.5rem;margin:.5rem 0}
.figure{background:#fff;border-radius:6px;padding:.5rem .75rem;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.figure b{display:block;font-size:1.3rem}
.figure.bad b{color:#b71c1c}
.legend{display:flex;flex-wrap:wrap;gap:.25rem .75rem;font-size:.85rem;color:#555;margin:.25rem 0}
.legend span::before{content:"";display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.25rem;vertical-align:-.1rem;border:1px solid #78909c;background:#fff}
.legend .l-error::before{background:#ffebee;border:2px solid #c62828}
.legend .l-revoked::before{background:#eceff1;border:1px dashed #b0bec5}
ul.problems li{border-left:4px solid #c62828}
.login{max-width:24rem;margin:1rem auto}
@media (min-width:48rem){.figures{grid-template-columns:repeat(4,minmax(0,1fr))}.ops-bar{margin-top:0}}
`;

const digest = createHash('sha256').update(CSS).digest('hex').slice(0, 12);
export const OPS_CSS = { url: `/ops/assets/ops-${digest}.css`, body: CSS, etag: `"${digest}"` } as const;

export interface Frame { nodeName: string; user?: { username: string; role: string }; csrf?: string }

const ROLE_TEXT: Record<string, string> = { admin: '管理员', operator: '运维人员' };

/** The frame of the operators' pages: no script, the portal stylesheet and the dashboard's, a sign-out form. */
export function opsPage(title: string, body: SafeHtml, frame: Frame): string {
  const user = frame.user;
  return `<!doctype html>${html`<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} - ${frame.nodeName}</title>
<link rel="stylesheet" href="${ASSETS.css.url}">
<link rel="stylesheet" href="${OPS_CSS.url}">
<link rel="icon" href="${ASSETS.icon.url}" type="image/svg+xml">
</head>
<body>
<header class="top ops-top">
<a class="brand" href="/ops/">运行监控 · ${frame.nodeName}</a>
${user ? html`<div class="ops-bar"><span class="ops-user">${user.username}（${ROLE_TEXT[user.role] ?? user.role}）</span><form method="post" action="/ops/logout"><input type="hidden" name="csrf" value="${frame.csrf ?? ''}"><button type="submit">退出登录</button></form></div>` : ''}
</header>
<main>
${body}
</main>
</body>
</html>`}`;
}

export function loginPage(frame: Frame, opts: { username?: string; error?: string; notice?: string } = {}): string {
  const body = html`<div class="login"><h1>运维人员登录</h1>
${opts.notice ? html`<p class="notice">${opts.notice}</p>` : ''}
${opts.error ? html`<div class="errors" role="alert"><p>${opts.error}</p></div>` : ''}
<form method="post" action="/ops/login" class="card">
<label for="f-username">用户名</label>
<input id="f-username" name="username" autocomplete="username" required maxlength="64" value="${opts.username ?? ''}">
<label for="f-password">密码</label>
<input id="f-password" name="password" type="password" autocomplete="current-password" required maxlength="200">
<div class="actions"><button type="submit">登录</button></div>
<p class="hint">仅限本节点的管理员和运维人员。连续输错 5 次密码，账户将锁定 15 分钟。</p>
</form></div>`;
  return opsPage('登录', body, frame);
}

export function opsErrorPage(frame: Frame, status: number, message: string): string {
  const title = status === 403 ? '无权访问' : status === 429 ? '请求过于频繁' : status >= 500 ? '服务暂时不可用' : '请求未能完成';
  return opsPage(title, html`<h1>${title}</h1><div class="card"><p>${message}</p><p><a href="/ops/">返回运行监控</a> · <a href="/ops/login">登录</a></p></div>`, frame);
}

function flatten(n: DashboardNode, out: DashboardNode[] = []): DashboardNode[] {
  out.push(n);
  for (const c of n.children) flatten(c, out);
  return out;
}

/** Nodes that need a look: a failed last round or recent alarms (revoked nodes are left out). */
function problems(nodes: DashboardNode[]): SafeHtml {
  const bad = nodes.filter((n) => n.state === 'error');
  if (bad.length === 0) return html`<p class="muted">所有节点最近一次交换均成功，近 7 日无告警。</p>`;
  return html`<ul class="list problems">${bad.map((n) => html`<li><b>${n.name}</b>（${n.id}）
${n.error ? html`<br>最近一次交换失败：${n.error}` : ''}
${n.alarms.map((a) => html`<br>告警 ${chinaTime(a.at)} ${a.code}：${a.detail}`)}
${n.alarmCount > n.alarms.length ? html`<br>另有 ${n.alarmCount - n.alarms.length} 条告警` : ''}</li>`)}</ul>`;
}

export function dashboardPage(frame: Frame, d: Dashboard): string {
  const nodes = flatten(d.tree);
  const errors = nodes.filter((n) => n.state === 'error').length;
  const revoked = nodes.filter((n) => n.state === 'revoked').length;
  const figure = (label: string, value: number, bad = false) => html`<div class="figure${bad ? ' bad' : ''}">${label}<b>${value.toLocaleString('zh-CN')}</b></div>`;
  const unitBars = (by: 'node' | 'sourceUnit') => d.overdue.filter((u) => u.by === by).map((u) => ({ label: u.name, value: u.overdue }));
  const body = html`<h1>联邦运行总览</h1>
<p class="muted">数据时间 ${chinaTime(d.node.asOf)}（北京时间） · 本节点 ${d.node.name}（${d.node.id}）</p>
<div class="figures">
${figure('节点', nodes.length)}${figure('异常节点', errors, errors > 0)}${figure('已撤销', revoked)}${figure(`近 ${d.intake.days.length} 日接收记录`, d.intake.total)}
${figure('未办结办件', d.tickets.open)}${figure('逾期办件', d.tickets.overdue, d.tickets.overdue > 0)}
</div>
<h2>联邦拓扑</h2>
<div class="legend"><span class="l-ok">正常</span><span class="l-error">异常（最近一次交换失败或近 7 日有告警）</span><span class="l-revoked">已撤销</span></div>
<div class="scroll">${treeSvg(d.tree)}</div>
<p class="hint">滞后：本节点尚未被下级拉取的事件数（本节点框内为与上级之间的上报、下行滞后）。最后联系：最近一次成功的上报或下行。</p>
<h2>需要关注的节点</h2>
${problems(nodes)}
<div class="grid">
<section><h2>每日接收记录（按地市）</h2>${stackedColumns('每日接收记录（按地市）', d.intake.days, d.intake.byCity)}</section>
<section><h2>每日接收记录（按类别）</h2>${stackedColumns('每日接收记录（按类别）', d.intake.days, d.intake.byCategory)}</section>
<section><h2>逾期办件（按办理节点）</h2>${barChart('逾期办件（按办理节点）', unitBars('node'))}</section>
<section><h2>逾期办件（按数据来源单位）</h2>${barChart('逾期办件（按数据来源单位）', unitBars('sourceUnit'))}</section>
</div>
<p class="hint">同样的数据以 JSON 提供给脚本：GET /api/v1/federation/dashboard（管理员或运维人员的登录凭证）。</p>`;
  return opsPage('联邦运行总览', body, frame);
}
