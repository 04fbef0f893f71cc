import { html, page, type SafeHtml } from '../layout.ts';
import { barChart } from '../charts.ts';
import type { SiteInfo } from '../site.ts';
import type { PortalStatistics } from '../public-data.ts';
import type { Article } from '../articles.ts';
import { searchForm } from './common.ts';

type ListedArticle = Omit<Article, 'body'>;

function articleList(items: readonly ListedArticle[], more: string): SafeHtml {
  if (items.length === 0) return html`<p class="muted">暂无</p>`;
  return html`<ul class="list">${items.map((a) => html`<li><a href="/articles/${a.id}">${a.title}</a> <span class="muted">${a.publishedAt.slice(0, 10)}</span></li>`)}</ul><p><a href="${more}">更多</a></p>`;
}

export function homePage(site: SiteInfo, d: { news: readonly ListedArticle[]; policies: readonly ListedArticle[]; stats: PortalStatistics }): string {
  const scope = site.defaultRegionPrefix ? site.regionName : site.provinceName;
  const regionTitle = site.defaultRegionPrefix ? '各区县公示信息数量' : '各市公示信息数量';
  const body = html`<h1>${site.name}</h1>
<p class="muted">查询${scope}企业和其他组织依法公示的信用信息</p>
${searchForm()}
<div class="grid">
<section><h2>信用动态</h2>${articleList(d.news, '/articles?kind=news')}</section>
<section><h2>政策法规</h2>${articleList(d.policies, '/articles?kind=policy')}</section>
</div>
<section><h2>公示信息统计</h2>
${d.stats.pending ? html`<p class="muted">统计数据正在生成，请稍后刷新页面查看。</p>` : html`<p class="muted">截至 ${d.stats.asOf}，${scope}在公示期内的信用信息共 ${d.stats.total.toLocaleString('zh-CN')} 条</p>`}
<div class="grid">
<div class="card"><h3>按信息类别</h3>${barChart('按信息类别', d.stats.byCategory.map((c) => ({ label: c.title, value: c.count })))}</div>
<div class="card"><h3>${regionTitle}</h3>${barChart(regionTitle, d.stats.byRegion.map((r) => ({ label: r.name, value: r.count })))}</div>
</div>
</section>
<section><h2>办事服务</h2>
<ul class="list">
<li><a href="/search">查询企业信用信息、下载信用报告</a></li>
<li><a href="/tickets">查询异议、投诉、信用修复办理进度</a></li>
<li><a href="/verify">核验信用报告的真伪</a></li>
</ul>
</section>`;
  return page({ site, title: site.name, body, current: 'home' });
}
