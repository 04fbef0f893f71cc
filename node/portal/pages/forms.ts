import { html, page, SafeHtml } from '../layout.ts';
import type { SiteInfo } from '../site.ts';
import type { PublicRecord, PublicSubject } from '../public-data.ts';
import { FORM_FIELDS, type FieldSpec } from '../forms.ts';
import { KIND_TEXT, TICKET_STATUS_TEXT, type TicketKind, type TicketReceipt } from '../tickets.ts';
import { problemsBox } from './common.ts';
import { recordCard } from './subject.ts';
import { megabytes, type EvidenceLimits } from '../../disputes/evidence.ts';

export const FORM_PATHS: Readonly<Record<TicketKind, string>> = { objection: '/objections', complaint: '/complaints', repair: '/repairs' };

const INTRO: Readonly<Record<TicketKind, string>> = {
  objection: '认为下列公示信息有误、遗漏或不应公开的，可以提出异议。提交后该信息将标注“异议处理中”，由信息来源单位核实处理。',
  complaint: '发现下列主体有失信行为的，可以投诉举报，平台将转交有管辖权的部门办理。',
  repair: '已履行行政处罚决定、纠正失信行为并达到最短公示期的，可以申请信用修复。修复通过后提前停止公示。',
};

export interface FormView {
  kind: TicketKind;
  record?: PublicRecord;
  subject: PublicSubject;
  values: Record<string, string>;
  problems: readonly string[];
  /** Objections and complaints take evidence files within these limits (none without). */
  evidence?: EvidenceLimits | undefined;
}

/** The evidence files input (objections and complaints); the server checks the same limits and the content type. */
function evidenceInput(limits: EvidenceLimits): SafeHtml {
  return html`<label for="f-evidenceFiles">证明材料（可不提交）</label><span class="muted">PDF、JPG 或 PNG，最多 ${String(limits.maxFiles)} 个文件，每个不超过 ${megabytes(limits.maxFileBytes)}，合计不超过 ${megabytes(limits.maxTotalBytes)}</span><input id="f-evidenceFiles" type="file" name="evidenceFiles" multiple accept="application/pdf,image/jpeg,image/png">`;
}

function input(spec: FieldSpec, value: string, problems: readonly string[]): SafeHtml {
  const id = `f-${spec.name}`;
  const req = spec.min > 0 ? new SafeHtml(' required') : '';
  const invalid = problems.length > 0 ? new SafeHtml(' aria-invalid="true"') : '';
  const hint = spec.hint ? html`<span class="muted">${spec.hint}</span>` : '';
  switch (spec.input) {
    case 'textarea':
      return html`<label for="${id}">${spec.label}</label>${hint}<textarea id="${id}" name="${spec.name}" maxlength="${spec.max}"${spec.min > 0 ? new SafeHtml(` minlength="${spec.min}"`) : ''}${req}${invalid}>${value}</textarea>`;
    case 'select':
      return html`<label for="${id}">${spec.label}</label><select id="${id}" name="${spec.name}"${req}${invalid}><option value="">请选择</option>${(spec.options ?? []).map(([k, text]) => html`<option value="${k}"${k === value ? new SafeHtml(' selected') : ''}>${text}</option>`)}</select>`;
    case 'checkbox':
      return html`<label class="check" for="${id}"><input id="${id}" type="checkbox" name="${spec.name}" value="yes"${value === 'yes' ? new SafeHtml(' checked') : ''}${req}${invalid}><span>${spec.label}</span></label>`;
    default:
      return html`<label for="${id}">${spec.label}</label>${hint}<input id="${id}" type="${spec.input}" name="${spec.name}" value="${value}" maxlength="${spec.max}"${spec.input === 'tel' ? new SafeHtml(' inputmode="tel" autocomplete="tel"') : new SafeHtml(' autocomplete="name"')}${req}${invalid}>`;
  }
}

export function ticketFormPage(site: SiteInfo, v: FormView): string {
  const title = KIND_TEXT[v.kind];
  const files = v.kind !== 'repair' && v.evidence && v.evidence.maxFiles > 0 ? v.evidence : undefined;
  const hidden = v.record
    ? html`<input type="hidden" name="record" value="${v.record.id}">`
    : html`<input type="hidden" name="code" value="${v.subject.code}">`;
  const body = html`<h1>${title}</h1>
<p>${INTRO[v.kind]}</p>
<div class="card"><strong>${v.subject.name}</strong><br><span class="muted">统一社会信用代码：${v.subject.code}</span></div>
${v.record ? recordCard(v.record, false) : ''}
${problemsBox(v.problems)}
<form method="post" action="${FORM_PATHS[v.kind]}" class="card"${files ? new SafeHtml(' enctype="multipart/form-data"') : ''}>
${hidden}
${FORM_FIELDS[v.kind].map((spec) => input(spec, v.values[spec.name] ?? '', v.problems))}
${files ? evidenceInput(files) : ''}
<p><button type="submit">提交${title}</button></p>
</form>`;
  return page({ site, title, body });
}

export function ticketDonePage(site: SiteInfo, kind: TicketKind, receipt: TicketReceipt): string {
  const title = `${KIND_TEXT[kind]}已提交`;
  const body = html`<h1>${title}</h1>
<div class="card">
<p>受理编号：<strong>${receipt.ticket}</strong></p>
<p>当前状态：${TICKET_STATUS_TEXT[receipt.status] ?? receipt.status}</p>
${receipt.due ? html`<p>预计办结期限：${receipt.due}</p>` : ''}
<p>请保存受理编号，凭编号可随时<a href="/tickets?number=${receipt.ticket}">查询办理进度</a>。</p>
</div>`;
  return page({ site, title, body });
}

/** When the node has no ticket service wired: say so plainly rather than pretend to accept the form. */
export function ticketUnavailablePage(site: SiteInfo, what: string): string {
  const body = html`<h1>暂时无法在线办理</h1>
<div class="card"><p>本平台暂未开通${what}在线受理。请稍后再试，或到信用信息来源单位的办事窗口办理。</p><p><a href="/">返回首页</a></p></div>`;
  return page({ site, title: '暂时无法在线办理', body });
}
