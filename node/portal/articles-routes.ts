import { Router } from 'express';
import type { Knex } from 'knex';
import type { Clock } from '../clock.ts';
import type { UserService } from '../access/users.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { principalOf, requirePermission } from '../http/auth.ts';
import { ArticleService, articleId, type ArticleInput } from './articles.ts';

export interface ArticlesAdminDeps { db: Knex; clock: Clock; users: UserService }

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
    res.status(201).json(await articles.add((req.body ?? {}) as ArticleInput, principalOf(req).username));
  }));
  r.get('/', operator, asyncHandler(async (req, res) => {
    res.json(await articles.list({ kind: req.query['kind'], page: req.query['page'], limit: req.query['limit'], publicOnly: false }));
  }));
  r.get('/:id', operator, asyncHandler(async (req, res) => {
    res.json(await articles.get(articleId(req.params['id']), { publicOnly: false }));
  }));
  r.delete('/:id', operator, asyncHandler(async (req, res) => {
    res.json(await articles.remove(articleId(req.params['id'])));
  }));
  return r;
}
