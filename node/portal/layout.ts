import { ASSETS } from './assets.ts';
import type { SiteInfo } from './site.ts';

/**
 * HTML of the portal pages, built by template functions. Every value interpolated with `html` is escaped unless
 * it is already `SafeHtml` (the output of another template), so markup can only come from these files.
 */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string { return this.text; }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text made safe for an element's content or a quoted attribute value. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

type Part = SafeHtml | string | number | null | undefined | false | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof SafeHtml) return part.text;
  if (Array.isArray(part)) return (part as readonly Part[]).map(render).join('');
  return esc(part);
}

/** The tagged template of every page fragment: interpolations are escaped, SafeHtml and arrays of it are kept. */
export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => { out += render(v) + (strings[i + 1] ?? ''); });
  return new SafeHtml(out);
}

/** A query string from parameters (undefined and empty values left out), for links built in templates. */
export function href(path: string, params: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export interface PageOptions {
  title: string;
  body: SafeHtml;
  site: SiteInfo;
  /** The navigation item to mark as current. */
  current?: 'home' | 'search' | 'articles' | 'tickets' | 'verify';
}

/**
 * The common layout: viewport for phones (375 px and up), one stylesheet, the web app manifest, no script at
 * all (the site works without JavaScript and the CSP allows none inline).
 */
export function page(opts: PageOptions): string {
  const { site } = opts;
  const nav = (key: NonNullable<PageOptions['current']>, url: string, label: string) =>
    html`<a href="${url}"${opts.current === key ? new SafeHtml(' aria-current="page"') : ''}>${label}</a>`;
  const title = opts.title === site.name ? site.name : `${opts.title} - ${site.name}`;
  return `<!doctype html>${html`<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta name="theme-color" content="#b71c1c">
<link rel="stylesheet" href="${ASSETS.css.url}">
<link rel="manifest" href="/manifest.webmanifest">
<link rel="icon" href="${ASSETS.icon.url}" type="image/svg+xml">
</head>
<body>
<header class="top">
<a class="brand" href="/">${site.name}</a>
<nav>${nav('home', '/', '首页')}${nav('search', '/search', '信用查询')}${nav('articles', '/articles', '政策动态')}${nav('tickets', '/tickets', '办件查询')}${nav('verify', '/verify', '报告核验')}</nav>
</header>
<main>
${opts.body}
</main>
<footer class="foot">
<p>${site.name} · ${site.operator}</p>
<p>本站仅公示依法可以社会公开的信用信息。对信息有异议的，可在信息页面提出异议申请。</p>
</footer>
</body>
</html>`}`;
}

/**
 * The portal's frame for pages other features render themselves (the credit report and its verification):
 * their body is HTML they have escaped already.
 */
export function pageFrame(site: SiteInfo): (title: string, bodyHtml: string) => string {
  return (title, bodyHtml) => page({ title, body: new SafeHtml(bodyHtml), site });
}
