import type { Knex } from 'knex';
import type { Clock } from '../clock.ts';
import { BadRequest, NotFound, type ErrorDetail } from '../errors.ts';
import { isKnownRegion } from '../identity/index.ts';
import { chinaDay } from '../publicity/visibility.ts';
import { articlesRepo, type ArticleFilter, type ArticleRow } from './articles-repo.ts';

export type ArticleKind = 'news' | 'policy';
export const ARTICLE_KINDS: readonly ArticleKind[] = ['news', 'policy'];
export const KIND_TEXT: Readonly<Record<ArticleKind, string>> = { news: '信用动态', policy: '政策法规' };

export const ARTICLE_LIMITS = { title: 200, body: 20_000 } as const;
const MAX_PAGE_SIZE = 50;

export interface ArticleInput { kind?: unknown; title?: unknown; body?: unknown; publishedAt?: unknown; region?: unknown }

/** An article as operators see it. */
export interface Article {
  id: number;
  kind: ArticleKind;
  title: string;
  body: string;
  publishedAt: string;
  region: string | null;
  createdBy: string;
  createdAt: string;
}

/** An article as the public sees it (who typed it in stays internal). */
export interface PublicArticle { id: number; kind: ArticleKind; kindText: string; title: string; publishedAt: string; publishedOn: string; region: string | null; body?: string }

export interface ArticlePage<T> { page: number; limit: number; total: number; items: T[] }

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function toArticle(r: ArticleRow): Article {
  return { id: Number(r.id), kind: r.kind as ArticleKind, title: r.title, body: r.body, publishedAt: r.published_at, region: r.region, createdBy: r.created_by, createdAt: r.created_at };
}

function listItem(r: Omit<ArticleRow, 'body'>): Omit<Article, 'body'> {
  return { id: Number(r.id), kind: r.kind as ArticleKind, title: r.title, publishedAt: r.published_at, region: r.region, createdBy: r.created_by, createdAt: r.created_at };
}

export function publicArticle(a: Omit<Article, 'body'> & { body?: string }, withBody: boolean): PublicArticle {
  return {
    id: a.id, kind: a.kind, kindText: KIND_TEXT[a.kind] ?? a.kind, title: a.title, publishedAt: a.publishedAt,
    publishedOn: chinaDay(new Date(a.publishedAt)), region: a.region,
    ...(withBody && a.body !== undefined ? { body: a.body } : {}),
  };
}

/** A positive id from a path or an option; NOT_FOUND for anything else (an id is not worth a 400). */
export function articleId(raw: unknown): number {
  const s = String(raw ?? '');
  if (!/^\d{1,9}$/.test(s) || Number(s) < 1) throw new NotFound('未找到该文章');
  return Number(s);
}

/** News and policy articles of the portal, added and removed by operators (CLI or admin API). */
export class ArticleService {
  constructor(private readonly deps: { db: Knex; clock: Clock }) {}

  validate(input: ArticleInput): { kind: ArticleKind; title: string; body: string; publishedAt: string | null; region: string | null } {
    const problems: ErrorDetail[] = [];
    const kind = input.kind;
    if (typeof kind !== 'string' || !(ARTICLE_KINDS as readonly string[]).includes(kind)) problems.push({ path: 'kind', message: '文章类别 kind 须为 news（信用动态）或 policy（政策法规）' });
    const title = typeof input.title === 'string' ? input.title.trim().replace(/\s+/g, ' ') : '';
    if (!title) problems.push({ path: 'title', message: '请填写标题 title' });
    else if ([...title].length > ARTICLE_LIMITS.title) problems.push({ path: 'title', message: `标题 title 最多 ${ARTICLE_LIMITS.title} 个字` });
    else if (CONTROL.test(title)) problems.push({ path: 'title', message: '标题 title 含有控制字符' });
    const body = typeof input.body === 'string' ? input.body.replace(/\r\n?/g, '\n').trim() : '';
    if (!body) problems.push({ path: 'body', message: '请填写正文 body' });
    else if ([...body].length > ARTICLE_LIMITS.body) problems.push({ path: 'body', message: `正文 body 最多 ${ARTICLE_LIMITS.body} 个字` });
    else if (CONTROL.test(body.replace(/\t/g, ' '))) problems.push({ path: 'body', message: '正文 body 含有控制字符' });
    const publishedAt = this.publishedAt(input.publishedAt, problems);
    let region: string | null = null;
    if (input.region !== undefined && input.region !== null && input.region !== '') {
      if (typeof input.region !== 'string' || !/^\d{6}$/.test(input.region) || !isKnownRegion(input.region)) problems.push({ path: 'region', message: '地区 region 须为 6 位行政区划代码' });
      else region = input.region;
    }
    if (problems.length > 0) throw new BadRequest(problems.map((p) => p.message).join('；'), problems);
    return { kind: kind as ArticleKind, title, body, publishedAt, region };
  }

  /** YYYY-MM-DD (midnight, China time) or an ISO instant with its offset; absent: now. */
  private publishedAt(raw: unknown, problems: ErrorDetail[]): string | null {
    if (raw === undefined || raw === null || raw === '') return null;
    const s = typeof raw === 'string' ? raw.trim() : '';
    const iso = /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00+08:00` : s;
    const d = /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(iso) ? new Date(iso) : new Date(Number.NaN);
    if (Number.isNaN(d.getTime())) {
      problems.push({ path: 'publishedAt', message: '发布时间 publishedAt 须为 YYYY-MM-DD 或带时区的 ISO 时间' });
      return null;
    }
    return d.toISOString();
  }

  async add(input: ArticleInput, createdBy: string): Promise<Article> {
    const v = this.validate(input);
    const now = this.deps.clock().toISOString();
    const row = { kind: v.kind, title: v.title, body: v.body, published_at: v.publishedAt ?? now, region: v.region, created_by: createdBy.slice(0, 64), created_at: now };
    const id = await articlesRepo.insert(this.deps.db, row);
    return toArticle({ id, ...row });
  }

  /**
   * A page of articles, newest first. `publicOnly`: only those already published, for every site or for the
   * site's region (`regionPrefix`).
   */
  async list(opts: { kind?: unknown; page?: unknown; limit?: unknown; regionPrefix?: string | undefined; publicOnly: boolean }): Promise<ArticlePage<Omit<Article, 'body'>>> {
    const problems: ErrorDetail[] = [];
    if (opts.kind !== undefined && (typeof opts.kind !== 'string' || !(ARTICLE_KINDS as readonly string[]).includes(opts.kind))) problems.push({ path: 'kind', message: '文章类别 kind 须为 news 或 policy' });
    const page = intIn(opts.page, 1, 1, 100_000, 'page', '页码', problems);
    const limit = intIn(opts.limit, 20, 1, MAX_PAGE_SIZE, 'limit', '每页条数', problems);
    if (problems.length > 0) throw new BadRequest(problems.map((p) => p.message).join('；'), problems);
    const filter: ArticleFilter = {
      kind: opts.kind as string | undefined,
      regionPrefix: opts.regionPrefix,
      publishedBy: opts.publicOnly ? this.deps.clock().toISOString() : undefined,
    };
    const [rows, total] = await Promise.all([articlesRepo.list(this.deps.db, filter, limit, (page - 1) * limit), articlesRepo.count(this.deps.db, filter)]);
    return { page, limit, total, items: rows.map(listItem) };
  }

  /** One article; with `publicOnly`, NOT_FOUND unless it is published and meant for this site's region. */
  async get(id: number, opts: { regionPrefix?: string | undefined; publicOnly: boolean }): Promise<Article> {
    const row = await articlesRepo.byId(this.deps.db, id);
    const shown = row && (!opts.publicOnly || (row.published_at <= this.deps.clock().toISOString()
      && (row.region === null || opts.regionPrefix === undefined || row.region.startsWith(opts.regionPrefix))));
    if (!row || !shown) throw new NotFound('未找到该文章');
    return toArticle(row);
  }

  async remove(id: number): Promise<{ id: number; removed: true }> {
    if ((await articlesRepo.remove(this.deps.db, id)) === 0) throw new NotFound(`未找到编号为 ${id} 的文章`);
    return { id, removed: true };
  }
}

function intIn(raw: unknown, fallback: number, min: number, max: number, path: string, label: string, problems: ErrorDetail[]): number {
  if (raw === undefined || raw === '') return fallback;
  const s = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : '';
  const n = /^\d{1,7}$/.test(s) ? Number(s) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push({ path, message: `${label} ${path} 须为 ${min} 到 ${max} 之间的整数` });
    return fallback;
  }
  return n;
}
