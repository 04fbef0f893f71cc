import { html, page } from '../layout.ts';
import type { SiteInfo } from '../site.ts';
import { KIND_TEXT, type Article, type ArticleKind, type ArticlePage } from '../articles.ts';
import { renderArticleBody } from '../article-markup.ts';
import { pager } from './common.ts';

export function articleListPage(site: SiteInfo, kind: ArticleKind | undefined, list: ArticlePage<Omit<Article, 'body'>>): string {
  const title = kind ? KIND_TEXT[kind] : '政策动态';
  const tabs = html`<p class="actions"><a href="/articles"${kind === undefined ? html` aria-current="page"` : ''}>全部</a><a href="/articles?kind=news"${kind === 'news' ? html` aria-current="page"` : ''}>信用动态</a><a href="/articles?kind=policy"${kind === 'policy' ? html` aria-current="page"` : ''}>政策法规</a></p>`;
  const body = html`<h1>${title}</h1>${tabs}
${list.items.length === 0 ? html`<p class="muted">暂无文章</p>` : html`<ul class="list">${list.items.map((a) => html`<li><a href="/articles/${a.id}">${a.title}</a><br><span class="muted">${KIND_TEXT[a.kind] ?? ''} · ${a.publishedAt.slice(0, 10)}</span></li>`)}</ul>`}
${pager('/articles', { kind }, list.page, list.limit, list.total)}`;
  return page({ site, title, body, current: 'articles' });
}

export function articlePage(site: SiteInfo, a: Article, publishedOn: string): string {
  const body = html`<article class="card article">
<h1>${a.title}</h1>
<p class="muted">${KIND_TEXT[a.kind] ?? ''} · 发布日期 ${publishedOn}</p>
${renderArticleBody(a.body)}
</article>
<p><a href="/articles?kind=${a.kind}">返回${KIND_TEXT[a.kind] ?? '列表'}</a></p>`;
  return page({ site, title: a.title, body, current: 'articles' });
}
