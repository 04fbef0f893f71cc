import { Router } from 'express';
import type { Knex } from 'knex';
import type { Clock } from '../clock.ts';
import type { UserService } from '../access/users.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { ipOf, type AccessHook } from '../access/access-hook.ts';
import { principalOf, requirePermission } from '../http/auth.ts';
import { ArticleService, articleId, type ArticleInput } from './articles.ts';

/** `access` records every change in the audit trail (a write naming the article). */
export interface ArticlesAdminDeps { db: Knex; clock: Clock; users: UserService; access: AccessHook }

/**
 * Operators manage the portal's news and policy articles (mounted at /api/v1/articles; operators and admins,
 * who hold node:operate):
 *   POST /            {"kind":"news"|"policy","title","body","publishedAt"?,"region"?} → 201 the article
 *   GET  /?kind=&page=&limit=   every article, future-dated ones too
 *   GET  /:id   DELETE /:id
 */
export function articlesAdminRoutes(deps: ArticlesAdminDeps): Router {
  const articles = new ArticleService({ db: deps.db, clock: deps.clock });
  const r = Router();
  const operator = requirePermission(deps.users, 'node:operate');
  r.post('/', operator, asyncHandler(async (req, res) => {
    const principal = principalOf(req);
    const a = await articles.add((req.body ?? {}) as ArticleInput, principal.username);
    await deps.access({ principal, action: 'write', target: `article:${a.id}`, count: 1, ip: ipOf(req), detail: { article: a.id, op: 'add', kind: a.kind } });
    res.status(201).json(a);
  }));
  r.get('/', operator, asyncHandler(async (req, res) => {
    res.json(await articles.list({ kind: req.query['kind'], page: req.query['page'], limit: req.query['limit'], publicOnly: false }));
  }));
  r.get('/:id', operator, asyncHandler(async (req, res) => {
    res.json(await articles.get(articleId(req.params['id']), { publicOnly: false }));
  }));
  r.delete('/:id', operator, asyncHandler(async (req, res) => {
    const removed = await articles.remove(articleId(req.params['id']));
    await deps.access({ principal: principalOf(req), action: 'write', target: `article:${removed.id}`, count: 1, ip: ipOf(req), detail: { article: removed.id, op: 'remove' } });
    res.json(removed);
  }));
  return r;
}
