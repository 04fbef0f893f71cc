import request from 'supertest';
import type { Express } from 'express';

/**
 * The portal leak scanner: walks every page and public API answer it can reach from a few starting points
 * (links and form targets in HTML, subject codes, record and article ids in JSON) and reports any response that
 * carries a forbidden string (ids and 文号 of records the public must not see, names of natural persons) or
 * anything shaped like a full 18-character resident ID number, in its body or its headers.
 */

/** Region, birth date (18xx–20xx), sequence and check character, not glued to other letters or digits. */
export const RESIDENT_ID_PATTERN = /(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])/g;

export interface Leak { url: string; what: string }

export function findLeaks(url: string, text: string, forbidden: readonly string[]): Leak[] {
  const leaks: Leak[] = [];
  for (const f of forbidden) if (f && text.includes(f)) leaks.push({ url, what: `forbidden string ${JSON.stringify(f)}` });
  for (const m of text.matchAll(RESIDENT_ID_PATTERN)) leaks.push({ url, what: `full resident ID number ${m[0].slice(0, 6)}…` });
  return leaks;
}

export interface ScanOptions {
  /** Paths to start from, e.g. '/', '/search?q=泉', '/public/v1/statistics'. */
  start: string[];
  forbidden: readonly string[];
  /** Stop after this many requests (default 600). */
  maxRequests?: number;
  /** Paths not to follow (prefixes). */
  skip?: string[];
}

export interface ScanResult { visited: Array<{ url: string; status: number; type: string }>; leaks: Leak[] }

const decodeEntities = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');

/** Same-origin paths linked from a page: href, src and GET form actions. */
function linksOf(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/\b(?:href|src|action)="([^"]*)"/g)) {
    const url = decodeEntities(m[1] ?? '');
    if (url.startsWith('/') && !url.startsWith('//')) out.push(url);
  }
  return out;
}

/** Follow-ups from a JSON answer: subject codes, record ids (their forms), article ids. */
function followUps(value: unknown, out: string[]): void {
  if (Array.isArray(value)) { for (const v of value) followUps(v, out); return; }
  if (!value || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  if (typeof o['code'] === 'string' && o['code'].length === 18) out.push(`/public/v1/subjects/${o['code']}`, `/subjects/${o['code']}`);
  if (typeof o['id'] === 'string' && typeof o['category'] === 'string') out.push(`/objections/new?record=${o['id']}`, `/repairs/new?record=${o['id']}`);
  if (typeof o['id'] === 'number' && typeof o['kind'] === 'string') out.push(`/public/v1/articles/${o['id']}`, `/articles/${o['id']}`);
  for (const v of Object.values(o)) followUps(v, out);
}

export async function scanPortal(app: Express, opts: ScanOptions): Promise<ScanResult> {
  const max = opts.maxRequests ?? 600;
  const queue = [...opts.start];
  const seen = new Set<string>();
  const result: ScanResult = { visited: [], leaks: [] };
  while (queue.length > 0 && result.visited.length < max) {
    const url = queue.shift() as string;
    if (seen.has(url) || (opts.skip ?? []).some((p) => url.startsWith(p))) continue;
    seen.add(url);
    const res = await request(app).get(url).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
    });
    const body = String(res.body ?? '');
    const type = String(res.headers['content-type'] ?? '');
    result.visited.push({ url, status: res.status, type });
    const headers = Object.entries(res.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\n');
    result.leaks.push(...findLeaks(url, `${headers}\n${body}`, opts.forbidden));
    if (type.includes('html')) queue.push(...linksOf(body));
    else if (type.includes('json')) {
      try { followUps(JSON.parse(body), queue); } catch { /* not JSON after all: nothing to follow */ }
    }
  }
  return result;
}
