import { html, href, page, type SafeHtml } from '../layout.ts';
import type { SiteInfo } from '../site.ts';
import type { PublicEvaluation, PublicRecord, PublicSection, PublicSubjectPage } from '../public-data.ts';
import { REPAIRABLE_CATEGORIES } from '../tickets.ts';

/** Sections left out when empty (the rest say 暂无 so a visitor sees what was checked). */
const OPTIONAL_SECTIONS: ReadonlySet<string> = new Set(['commitments', 'evaluation', 'other']);

export function recordCard(r: PublicRecord, actions = true): SafeHtml {
  const tags = html`${r.disputed ? html`<span class="tag disputed">异议处理中</span>` : ''}${r.severityText ? html`<span class="tag${r.severity === 'serious' ? ' serious' : ''}">${r.severityText}</span>` : ''}`;
  const links = actions ? html`<div class="actions"><a class="button secondary" href="${href('/objections/new', { record: r.id })}">提出异议</a>${REPAIRABLE_CATEGORIES.has(r.category) ? html`<a class="button secondary" href="${href('/repairs/new', { record: r.id })}">申请信用修复</a>` : ''}</div>` : '';
  return html`<article class="card" id="r-${r.id}">
<h3>${r.categoryTitle} ${tags}</h3>
<dl class="fields">
<dt>${r.externalIdLabel}</dt><dd>${r.externalId}</dd>
<dt>决定日期</dt><dd>${r.decisionDate}</dd>
<dt>数据来源单位</dt><dd>${r.sourceUnit.name}</dd>
${r.fields.map((f) => html`<dt>${f.label}</dt><dd>${f.value}</dd>`)}
${r.publishUntil ? html`<dt>公示截止日期</dt><dd>${r.publishUntil}</dd>` : ''}
</dl>
${r.disputed ? html`<p class="muted">该信息正在异议处理中，处理结果以信息来源单位的核实为准。</p>` : ''}
${links}
</article>`;
}

function section(s: PublicSection): SafeHtml | '' {
  if (s.records.length === 0 && OPTIONAL_SECTIONS.has(s.key)) return '';
  return html`<section id="${s.key}"><h2>${s.title}</h2>${s.records.length === 0 ? html`<p class="muted">暂无公示信息</p>` : s.records.map((r) => recordCard(r))}</section>`;
}

/** 信用评价: the grade and the contribution of each indicator the public may see. */
function evaluationCard(e: PublicEvaluation): SafeHtml {
  const signed = (n: number) => `${n > 0 ? '+' : ''}${n}`;
  return html`<section id="credit-evaluation"><h2>公共信用综合评价</h2><div class="card">
<p><strong class="grade grade-${e.grade}">${e.grade}</strong> ${e.gradeText} · 得分 ${String(e.score)}</p>
<p class="muted">评价模型 ${e.modelVersion}，评价日期 ${e.asOf}；各项加减分如下。</p>
<dl class="fields">${e.factors.map((f) => html`<dt>${f.label}</dt><dd>${signed(f.points)} 分${f.note ? html` <span class="muted">${f.note}</span>` : ''}</dd>`)}</dl>
</div></section>`;
}

export function subjectPage(site: SiteInfo, v: PublicSubjectPage): string {
  const s = v.subject;
  const body = html`<h1>${s.name}</h1>
<div class="card">
<dl class="fields">
<dt>统一社会信用代码</dt><dd>${s.code}</dd>
${s.typeText ? html`<dt>主体类型</dt><dd>${s.typeText}</dd>` : ''}
${s.regionName ? html`<dt>所在地区</dt><dd>${s.regionName}</dd>` : ''}
</dl>
<p class="muted">以下为截至 ${v.asOf} 在公示期内的信用信息。</p>
<div class="actions">
<a class="button" href="${href('/reports/new', { code: s.code })}">下载信用报告</a>
<a class="button secondary" href="${href('/complaints/new', { code: s.code })}">投诉举报</a>
</div>
</div>
${v.evaluation ? evaluationCard(v.evaluation) : ''}
${v.sections.map(section)}`;
  return page({ site, title: s.name, body, current: 'search' });
}
