import { html, page } from '../layout.ts';
import type { SiteInfo } from '../site.ts';

const TITLES: Record<number, string> = { 400: '请求有误', 403: '无权访问', 404: '页面不存在', 413: '提交的内容过长', 429: '访问过于频繁', 503: '暂时无法办理' };

/** An error page in Chinese: what went wrong for the visitor, never internals. */
export function errorPage(site: SiteInfo, status: number, message?: string): string {
  const title = TITLES[status] ?? (status >= 500 ? '服务暂时不可用' : '请求未能完成');
  const text = message ?? (status >= 500 ? '服务器处理请求时出现问题，请稍后再试。' : title);
  return page({ site, title, body: html`<h1>${title}</h1><div class="card"><p>${text}</p><p><a href="/">返回首页</a> · <a href="/search">信用查询</a></p></div>` });
}
