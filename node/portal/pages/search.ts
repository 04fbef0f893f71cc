import { html, href, page, SafeHtml } from '../layout.ts';
import type { SiteInfo } from '../site.ts';
import type { PublicSearch } from '../public-data.ts';
import { pager, searchForm } from './common.ts';

export interface SearchView { q: string; wholeProvince: boolean; result?: PublicSearch; error?: string }

export function searchPage(site: SiteInfo, v: SearchView): string {
  const city = site.defaultRegionPrefix !== undefined;
  const scopeInput = v.wholeProvince ? new SafeHtml('<input type="hidden" name="scope" value="province">') : '';
  const scopeNote = !city ? '' : v.wholeProvince
    ? html`<p class="notice">正在查询${site.provinceName}全省。<a href="${href('/search', { q: v.q })}">只查${site.regionName}</a></p>`
    : html`<p class="notice">正在查询${site.regionName}。<a href="${href('/search', { q: v.q, scope: 'province' })}">查询${site.provinceName}全省</a></p>`;
  const r = v.result;
  let results: SafeHtml | '' = '';
  if (v.error) results = html`<div class="errors" role="alert"><p>${v.error}</p></div>`;
  else if (r) {
    const capped = r.totalCapped ? html`<p class="notice">匹配结果超过 ${r.total} 个，请输入更完整的名称。</p>` : '';
    const items = r.items.length === 0
      ? html`<p class="card">没有找到匹配的企业或组织。请检查名称或统一社会信用代码${city && !v.wholeProvince ? html`，或<a href="${href('/search', { q: v.q, scope: 'province' })}">查询全省</a>` : ''}。</p>`
      : html`<ul class="list">${r.items.map((i) => html`<li><a href="/subjects/${i.code}"><strong>${i.name}</strong></a><br><span class="muted">统一社会信用代码：${i.code}${i.regionName ? ` · ${i.regionName}` : ''} · 公示信息 ${i.publicRecords} 条</span></li>`)}</ul>`;
    results = html`<p class="muted">共找到 ${r.total} 个结果</p>${capped}${items}${pager('/search', { q: v.q, scope: v.wholeProvince ? 'province' : undefined }, r.page, r.limit, r.total)}`;
  }
  const body = html`<h1>信用查询</h1>
${searchForm(v.q, scopeInput)}
${scopeNote}
${results}`;
  return page({ site, title: v.q ? `${v.q} 的查询结果` : '信用查询', body, current: 'search' });
}
