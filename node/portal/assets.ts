import { createHash } from 'node:crypto';

/**
 * The portal's static files, kept as constants so the built program needs no asset copying. Their URLs carry
 * a digest of the content, so they can be cached for a year: a changed file gets a new URL.
 */
const CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;font-size:16px;line-height:1.6;color:#222;background:#f5f5f5}
a{color:#0b57a4}
a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #ffb300;outline-offset:1px}
.top{background:#b71c1c;color:#fff;padding:.5rem .75rem}
.brand{color:#fff;font-size:1.25rem;font-weight:bold;text-decoration:none;display:block}
.top nav{display:flex;flex-wrap:wrap;gap:.25rem .9rem;margin-top:.25rem}
.top nav a{color:#fff;text-decoration:none;padding:.2rem 0}
.top nav a[aria-current=page]{border-bottom:2px solid #fff}
main{max-width:60rem;margin:0 auto;padding:.75rem}
h1{font-size:1.35rem;margin:.5rem 0 .75rem;word-break:break-all}
h2{font-size:1.1rem;margin:1.25rem 0 .5rem;border-left:4px solid #b71c1c;padding-left:.5rem}
h3{font-size:1rem;margin:.25rem 0}
.card{background:#fff;border-radius:6px;padding:.75rem;margin:.5rem 0;box-shadow:0 1px 2px rgba(0,0,0,.08);overflow-wrap:anywhere}
.muted{color:#666;font-size:.9rem}
.notice{background:#fff8e1;border:1px solid #ffe082;padding:.5rem .75rem;border-radius:6px}
.errors{background:#ffebee;border:1px solid #ef9a9a;padding:.5rem .75rem;border-radius:6px}
.errors ul{margin:.25rem 0;padding-left:1.25rem}
.tag{display:inline-block;font-size:.8rem;padding:0 .4rem;border-radius:4px;background:#eceff1;margin-right:.25rem}
.tag.disputed{background:#fff3e0;color:#e65100;font-weight:bold}
.tag.serious{background:#ffebee;color:#b71c1c}
dl.fields{display:grid;grid-template-columns:1fr;gap:.1rem .75rem;margin:.5rem 0}
dl.fields dt{color:#555;font-size:.9rem}
dl.fields dd{margin:0 0 .35rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0}
.button,button{display:inline-block;background:#b71c1c;color:#fff;border:0;border-radius:4px;padding:.5rem 1rem;font-size:1rem;text-decoration:none;cursor:pointer;min-height:44px}
.button.secondary{background:#fff;color:#b71c1c;border:1px solid #b71c1c}
form.search{display:flex;gap:.5rem;margin:.5rem 0}
form.search input{flex:1;min-width:0}
input,select,textarea{font:inherit;padding:.5rem;border:1px solid #bbb;border-radius:4px;width:100%;max-width:100%;min-height:44px}
textarea{min-height:8rem}
label{display:block;margin:.75rem 0 .25rem;font-weight:bold}
label.check{font-weight:normal;display:flex;gap:.5rem;align-items:flex-start}
label.check input{width:auto;min-height:auto;margin-top:.35rem}
ul.list{list-style:none;padding:0;margin:0}
ul.list li{background:#fff;margin:.4rem 0;padding:.6rem .75rem;border-radius:6px;box-shadow:0 1px 2px rgba(0,0,0,.08);overflow-wrap:anywhere}
.pager{display:flex;justify-content:space-between;margin:1rem 0}
.chart{width:100%;height:auto;display:block}
.chart .bar{fill:#c62828}
.chart .label{font-size:12px;fill:#333}
.chart .value{font-size:12px;fill:#111}
.grid{display:grid;grid-template-columns:1fr;gap:.75rem}
.article{white-space:normal}
.error,.verify-result.invalid,.verify-match.error{color:#b71c1c}
.verify-result.valid{color:#1b5e20}
.verify-result{font-weight:bold}
.hint{color:#666;font-size:.9rem}
.report-issue,.report-verify,.report-problem,.report-facts{background:#fff;border-radius:6px;padding:.75rem;margin:.5rem 0;box-shadow:0 1px 2px rgba(0,0,0,.08);overflow-wrap:anywhere}
.foot{color:#666;font-size:.85rem;text-align:center;padding:1rem .75rem 2rem}
@media (min-width:48rem){
 .top{display:flex;align-items:center;justify-content:space-between;padding:.75rem 1.5rem}
 .top nav{margin-top:0}
 dl.fields{grid-template-columns:12rem 1fr}
 dl.fields dd{margin:0}
 .grid{grid-template-columns:1fr 1fr}
}
`;

/** The app icon: a plain red square with 信 (no external font needed at small sizes, SVG scales to any size). */
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512">
<rect width="512" height="512" rx="96" fill="#b71c1c"/>
<text x="256" y="340" font-size="280" text-anchor="middle" fill="#ffffff" font-family="'WenQuanYi Zen Hei','Noto Sans CJK SC',sans-serif">信</text>
</svg>
`;

export interface Asset { url: string; body: string; type: string; etag: string }

function asset(name: string, ext: string, body: string, type: string): Asset {
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { url: `/assets/${name}-${digest}.${ext}`, body, type, etag: `"${digest}"` };
}

export const ASSETS = {
  css: asset('portal', 'css', CSS, 'text/css; charset=utf-8'),
  icon: asset('icon', 'svg', ICON, 'image/svg+xml'),
} as const;

/** The web app manifest, so the site installs on a phone (名称 from the site). */
export function manifest(siteName: string, operator: string): Record<string, unknown> {
  return {
    name: siteName,
    short_name: siteName,
    description: `${siteName}：${operator}公示的信用信息查询`,
    lang: 'zh-CN',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    background_color: '#f5f5f5',
    theme_color: '#b71c1c',
    icons: [{ src: ASSETS.icon.url, sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
  };
}
