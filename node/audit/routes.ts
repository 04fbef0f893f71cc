import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type Request } from 'express';
import type { UserService } from '../access/users.ts';
import type { Principal } from '../access/roles.ts';
import { requirePermission, principalOf } from '../http/auth.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { BadRequest, isCreditNodeError } from '../errors.ts';
import { CHINA_OFFSET_MS, chinaDate } from '../clock.ts';
import { isAuditAction, QUERY_LIMIT_MAX, type AuditAction, type AuditFilter, type AuditLog } from './audit-log.ts';

export interface AuditRoutesDeps {
  audit: AuditLog;
  users: UserService;
  /** The subject key of a code as typed: the USCC, or the keyed hash of a resident ID number. */
  subjectKeyOf: (code: string) => string;
}

const PARAMS = new Set(['user', 'subject', 'action', 'since', 'until', 'purpose', 'before', 'limit', 'format']);
const DAY_MS = 86_400_000;

const bad = (param: string, message: string) => new BadRequest(message, [{ path: param, message }]);

function one(req: Request, param: string): string | undefined {
  const v = req.query[param];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(param, `参数 ${param} 只能出现一次`);
  return v;
}

/**
 * A point in time: `30d` (30 days before now), a calendar date (China Standard Time; `until` then means the end
 * of that day) or an ISO date-time.
 */
export function parseTime(param: 'since' | 'until', value: string, now: Date): string {
  const days = /^(\d{1,4})d$/.exec(value);
  if (days) return new Date(now.getTime() - Number(days[1]) * DAY_MS).toISOString();
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    // A calendar date in China starts at 16:00 UTC the day before.
    const start = Date.parse(`${value}T00:00:00Z`) - CHINA_OFFSET_MS;
    if (!Number.isNaN(start) && chinaDate(new Date(start)) === value) return new Date(param === 'until' ? start + DAY_MS : start).toISOString();
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value))) {
    return new Date(value).toISOString();
  }
  throw bad(param, `参数 ${param}（时间）不正确：应为 ISO 日期或时间（如 2026-06-01、2026-06-01T08:00:00+08:00）或 30d（最近 30 天）`);
}

function positiveInt(param: string, value: string, max?: number): number {
  const n = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1) || (max !== undefined && n > max)) throw bad(param, `参数 ${param} 应为${max ? ` 1 到 ${max} 之间的` : '正'}整数`);
  return n;
}

/** The filter a request asks for; every bad parameter is a BadRequest naming it. */
function filterOf(req: Request, deps: AuditRoutesDeps): AuditFilter {
  for (const k of Object.keys(req.query)) if (!PARAMS.has(k)) throw bad(k, `不支持的查询参数：${k}`);
  const f: AuditFilter = {};
  const user = one(req, 'user');
  if (user !== undefined) {
    if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(user)) throw bad('user', '参数 user（用户名）不正确');
    f.username = user;
  }
  const subject = one(req, 'subject');
  if (subject !== undefined) {
    try {
      f.subject = deps.subjectKeyOf(subject);
    } catch (err) {
      // Never echo the code: it may be a resident ID number.
      throw bad('subject', `参数 subject（主体代码）不是有效的统一社会信用代码或身份证号码${isCreditNodeError(err) ? `：${err.message.replace(/[0-9Xx]{15,18}/g, '…')}` : ''}`);
    }
  }
  const action = one(req, 'action');
  if (action !== undefined) {
    const actions = action.split(',').map((a) => a.trim()).filter(Boolean);
    const wrong = actions.filter((a) => !isAuditAction(a));
    if (actions.length === 0 || wrong.length) throw bad('action', `参数 action（操作）不正确：${wrong.join('、') || '为空'}`);
    f.action = actions as AuditAction[];
  }
  const now = deps.audit.now();
  for (const param of ['since', 'until'] as const) {
    const v = one(req, param);
    if (v !== undefined) f[param] = parseTime(param, v, now);
  }
  const purpose = one(req, 'purpose');
  if (purpose !== undefined && purpose !== '') f.purpose = purpose;
  return f;
}

const auditUser = (p: Principal) => ({ id: p.userId, username: p.username, role: p.role });

/** What an audit_read entry says about the read: the filter as given, never a raw code. */
function readDetail(f: AuditFilter, format: string, before: number | undefined, limit: number | undefined): Record<string, unknown> {
  const { subject: _subject, ...rest } = f;
  return { format, filter: rest, ...(before !== undefined ? { before } : {}), ...(limit !== undefined ? { limit } : {}) };
}

/**
 * GET / (mounted at /api/v1/audit): the audit log for auditors, filtered and paged newest first, or the whole
 * filtered set as a CSV download. Every read is itself audited (action audit_read, count = rows returned).
 */
export function auditRoutes(deps: AuditRoutesDeps): Router {
  const r = Router();
  r.get('/', requirePermission(deps.users, 'audit:read'), asyncHandler(async (req, res) => {
    const principal = principalOf(req);
    const filter = filterOf(req, deps);
    const beforeText = one(req, 'before');
    const before = beforeText === undefined ? undefined : positiveInt('before', beforeText);
    const limitText = one(req, 'limit');
    const limit = limitText === undefined ? undefined : positiveInt('limit', limitText, QUERY_LIMIT_MAX);
    const format = one(req, 'format') ?? (/\btext\/csv\b/i.test(req.get('accept') ?? '') ? 'csv' : 'json');
    if (format !== 'csv' && format !== 'json') throw bad('format', '参数 format 只能是 csv 或 json');
    const read = { action: 'audit_read' as const, user: auditUser(principal), ip: req.ip ?? null, subject: filter.subject ?? null, detail: readDetail(filter, format, before, limit) };
    if (format === 'json') {
      const page = await deps.audit.query(filter, { ...(before !== undefined ? { before } : {}), ...(limit !== undefined ? { limit } : {}) });
      await deps.audit.record({ ...read, count: page.entries.length });
      res.json(page);
      return;
    }
    // The export is the whole filtered set (below `before`), streamed page by page. The read is recorded with
    // the number of rows actually sent before the response ends: a download is complete only once it is audited.
    let rows = 0;
    let sent = false;
    res.set('content-type', 'text/csv; charset=utf-8');
    res.set('content-disposition', `attachment; filename="audit-${chinaDate(deps.audit.now())}.csv"`);
    try {
      await pipeline(Readable.from(deps.audit.exportCsv(filter, before, () => { rows += 1; })), res, { end: false });
      sent = true;
    } catch (err) {
      // Once rows went out no error response can follow; the download ends short and is recorded so.
      if (!res.headersSent) throw err;
    }
    try {
      await deps.audit.record({ ...read, count: rows, detail: { ...read.detail, complete: sent } });
    } catch (err) {
      res.destroy(err as Error);
      return;
    }
    if (sent) res.end();
  }));
  return r;
}
