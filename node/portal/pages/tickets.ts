import { html, page, type SafeHtml } from '../layout.ts';
import type { SiteInfo } from '../site.ts';
import { KIND_TEXT, OUTCOME_TEXT, TICKET_STATUS_TEXT, type TicketKind, type TicketStatusView } from '../tickets.ts';

const when = (iso: string) => iso.replace('T', ' ').slice(0, 16);

function statusCard(t: TicketStatusView): SafeHtml {
  const kind = KIND_TEXT[t.type as TicketKind] ?? t.type;
  return html`<div class="card">
<dl class="fields">
<dt>受理编号</dt><dd>${t.ticket}</dd>
<dt>办件类型</dt><dd>${kind}</dd>
${t.subjectName ? html`<dt>涉及主体</dt><dd>${t.subjectName}</dd>` : ''}
<dt>当前状态</dt><dd><strong>${TICKET_STATUS_TEXT[t.status] ?? t.status}</strong></dd>
${t.outcome ? html`<dt>办理结果</dt><dd>${OUTCOME_TEXT[t.outcome] ?? t.outcome}</dd>` : ''}
${t.reasons ? html`<dt>理由</dt><dd>${t.reasons}</dd>` : ''}
<dt>提交时间</dt><dd>${when(t.filedAt)}</dd>
${t.due ? html`<dt>办结期限</dt><dd>${t.due}</dd>` : ''}
</dl>
<h3>办理过程</h3>
<ul class="list">${t.history.map((h) => html`<li>${when(h.at)} · ${TICKET_STATUS_TEXT[h.status] ?? h.status}${h.outcome ? ` · ${OUTCOME_TEXT[h.outcome] ?? h.outcome}` : ''}${h.note ? html`<br><span class="muted">${h.note}</span>` : ''}</li>`)}</ul>
</div>`;
}

export function ticketLookupPage(site: SiteInfo, v: { number: string; ticket?: TicketStatusView; error?: string }): string {
  const body = html`<h1>办件查询</h1>
<p class="muted">输入提交异议、投诉或信用修复申请时获得的受理编号。</p>
<form class="search" action="/tickets" method="get">
<input name="number" type="text" value="${v.number}" maxlength="40" required aria-label="受理编号" placeholder="受理编号" autocomplete="off">
<button type="submit">查询</button>
</form>
${v.error ? html`<div class="errors" role="alert"><p>${v.error}</p></div>` : ''}
${v.ticket ? statusCard(v.ticket) : ''}`;
  return page({ site, title: '办件查询', body, current: 'tickets' });
}
