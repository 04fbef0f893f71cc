import { html, href, type SafeHtml } from '../layout.ts';

export function searchForm(q = '', extra: SafeHtml | '' = ''): SafeHtml {
  return html`<form class="search" action="/search" method="get" role="search">
<input id="q" name="q" type="search" aria-label="查询词" value="${q}" maxlength="100" required placeholder="企业名称的任意部分或统一社会信用代码" autocomplete="off">
${extra}<button type="submit">查询</button>
</form>`;
}

/** 上一页 / 下一页 links for a 1-based page of `limit` items out of `total`. */
export function pager(path: string, params: Record<string, string | undefined>, page: number, limit: number, total: number): SafeHtml {
  const last = Math.max(1, Math.ceil(total / limit));
  if (last <= 1) return html``;
  const prev = page > 1 ? html`<a href="${href(path, { ...params, page: page - 1 })}" rel="prev">上一页</a>` : html`<span></span>`;
  const next = page < last ? html`<a href="${href(path, { ...params, page: page + 1 })}" rel="next">下一页</a>` : html`<span></span>`;
  return html`<nav class="pager" aria-label="分页">${prev}<span class="muted">第 ${page} / ${last} 页</span>${next}</nav>`;
}

export function problemsBox(messages: readonly string[]): SafeHtml | '' {
  if (messages.length === 0) return '';
  return html`<div class="errors" role="alert"><p>请修改以下内容后重新提交：</p><ul>${messages.map((m) => html`<li>${m}</li>`)}</ul></div>`;
}
