import { Router } from 'express';
import type { RecordService } from './service.ts';
import type { UserService } from '../access/users.ts';
import { requireAnyPermission, requirePermission, principalOf } from '../http/auth.ts';
import { ipOf, queryLimiter, type AccessHook } from '../access/access-hook.ts';
import { requirePurpose } from '../access/scope.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { BadRequest, RecordInvalid } from '../errors.ts';

/** At most this many records per request; bigger loads go through `credit-node import`. */
const MAX_RECORDS = 1000;

export interface RecordRouteDeps { access: AccessHook; queryRateLimitPerMinute: number }

export function recordRoutes(records: RecordService, users: UserService, d: RecordRouteDeps): Router {
  const r = Router();
  r.post('/', requirePermission(users, 'records:write'), asyncHandler(async (req, res) => {
    const body = req.body as unknown;
    if (body === null || typeof body !== 'object') throw new BadRequest('请求体必须是一条记录或 {"records":[...]}');
    const list = Array.isArray((body as { records?: unknown }).records) ? ((body as { records: unknown[] }).records) : [body];
    if (list.length === 0) throw new BadRequest('records 不能为空');
    if (list.length > MAX_RECORDS) throw new BadRequest(`一次最多提交 ${MAX_RECORDS} 条记录，请使用批量导入`);
    const principal = principalOf(req);
    const results = await records.ingest(list, principal);
    const accepted = results.filter((x) => x.status !== 'rejected').map((x) => ({ index: x.index, id: x.id, status: x.status, version: x.version }));
    const rejected = results.filter((x) => x.status === 'rejected').map((x) => ({ index: x.index, errors: x.errors ?? [] }));
    if (accepted.length === 0) {
      throw new RecordInvalid(rejected.length === 1 ? `信用记录校验未通过：${rejected[0]?.errors.map((e) => e.message).join('；')}` : `全部 ${rejected.length} 条记录校验未通过`, { rejected });
    }
    await d.access({ principal, action: 'write', count: accepted.length, ip: ipOf(req), detail: { accepted: accepted.length, rejected: rejected.length } });
    res.status(201).json({ accepted, rejected });
  }));
  // Clerks read their own unit's records too; the service decides what each principal may see.
  r.get('/:id', requireAnyPermission(users, ['records:read', 'records:write']), queryLimiter(d.queryRateLimitPerMinute), asyncHandler(async (req, res) => {
    const principal = principalOf(req);
    const view = await records.get(String(req.params['id']), principal);
    const purpose = view.subject.type === 'natural_person' ? requirePurpose(req.query['purpose']) : null;
    await d.access({ principal, action: 'query', target: view.id, count: 1, purpose, ip: ipOf(req), detail: { category: view.category } });
    res.json(view);
  }));
  return r;
}
