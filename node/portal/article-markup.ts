import { esc, SafeHtml } from './layout.ts';

/**
 * The limited markup of article bodies, rendered safely: blank lines separate paragraphs, `## ` and `### `
 * start headings, lines starting with `- ` or `1. ` form lists, `**bold**`, and links written
 * `[text](https://…)` or `[text](/path)`. Everything else is text, escaped; no HTML passes through.
 */
const INLINE = /\[([^\]\n]{1,200})\]\(((?:https?:\/\/|\/(?!\/))[^\s()<>"']{0,500})\)|\*\*([^*\n]{1,500})\*\*/g;

function inline(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    out += esc(text.slice(last, m.index));
    if (m[1] !== undefined && m[2] !== undefined) {
      const external = m[2].startsWith('http');
      out += `<a href="${esc(m[2])}"${external ? ' rel="noopener noreferrer nofollow"' : ''}>${esc(m[1])}</a>`;
    } else {
      out += `<strong>${esc(m[3])}</strong>`;
    }
    last = (m.index ?? 0) + m[0].length;
  }
  return out + esc(text.slice(last));
}

export function renderArticleBody(body: string): SafeHtml {
  const blocks = body.replace(/\r\n?/g, '\n').split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
  const out = blocks.map((block) => {
    const lines = block.split('\n').map((l) => l.trim());
    if (lines.length === 1 && lines[0]?.startsWith('### ')) return `<h3>${inline(lines[0].slice(4))}</h3>`;
    if (lines.length === 1 && lines[0]?.startsWith('## ')) return `<h3>${inline(lines[0].slice(3))}</h3>`;
    if (lines.every((l) => l.startsWith('- '))) return `<ul>${lines.map((l) => `<li>${inline(l.slice(2))}</li>`).join('')}</ul>`;
    if (lines.every((l) => /^\d{1,3}[.、]\s?/.test(l))) return `<ol>${lines.map((l) => `<li>${inline(l.replace(/^\d{1,3}[.、]\s?/, ''))}</li>`).join('')}</ol>`;
    return `<p>${lines.map(inline).join('<br>')}</p>`;
  });
  return new SafeHtml(out.join('\n'));
}

/** The first characters of an article as plain text (lists and the API). */
export function excerpt(body: string, chars = 80): string {
  const plain = body.replace(INLINE, (_m, text?: string, _url?: string, bold?: string) => text ?? bold ?? '').replace(/^(#{2,3}|-|\d{1,3}[.、])\s?/gm, '').replace(/\s+/g, ' ').trim();
  const list = [...plain];
  return list.length > chars ? `${list.slice(0, chars).join('')}…` : plain;
}
