import { Router, type Request, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { UserService } from '../access/users.ts';
import type { Principal } from '../access/roles.ts';
import { requirePermission, principalOf } from '../http/auth.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { BadRequest } from '../errors.ts';
import { searchSubjects } from './search.ts';
import type { QueryThreads } from './query-threads.ts';

export interface SearchInfo {
  /** The query as searched; a resident ID number arrives masked. */
  q: string;
  /** Subjects in the answer (this page). */
  count: number;
  /** Whether natural persons were searched (a purpose was given). */
  naturalPersons: boolean;
  purpose: string | null;
  ip: string | null;
}

export interface SearchRouteDeps {
  db: Knex;
  users: UserService;
  /** The lookup key of a resident ID number (the vault's keyed hash). */
  subjectKeyOf: (code: string) => string;
  /** Called before the answer is sent (the audit log); a failure fails the request. */
  onSearch?: (principal: Principal, info: SearchInfo) => Promise<void>;
  /** Region prefixes the principal's search is limited to; undefined (the default): no region filter. */
  regionsOf?: (principal: Principal) => string[] | undefined;
  /** Runs after authentication, before the search (e.g. the per-user query limit). */
  limiter?: RequestHandler;
  /** Query threads (config query.threads, SQLite): the search runs there instead of on this thread. */
  threads?: QueryThreads | undefined;
}

const MAX_PURPOSE_CHARS = 200;

function singleParam(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BadRequest(`参数 ${name} 只能出现一次`, [{ path: name, message: '只能出现一次' }]);
  return v;
}

function intParam(req: Request, name: string, label: string): number | undefined {
  const v = singleParam(req, name);
  if (v === undefined || v === '') return undefined;
  if (!/^\d{1,7}$/.test(v)) throw new BadRequest(`${label} ${name} 须为正整数`, [{ path: name, message: '须为正整数' }]);
  return Number(v);
}

/** 查询事由: optional; when given, at least 2 characters, and it lets natural persons into the search. */
function purposeParam(req: Request): string | null {
  const text = (singleParam(req, 'purpose') ?? '').trim();
  if (text === '') return null;
  if ([...text].length < 2) throw new BadRequest('查询事由 purpose 至少 2 个字', [{ path: 'purpose', message: '至少 2 个字' }]);
  if ([...text].length > MAX_PURPOSE_CHARS) throw new BadRequest(`查询事由 purpose 过长（最多 ${MAX_PURPOSE_CHARS} 个字）`, [{ path: 'purpose', message: `最多 ${MAX_PURPOSE_CHARS} 个字` }]);
  return text;
}

/**
 * GET / ?q=&page=&limit=&purpose= — subjects by code or any part of the name (mounted at /api/v1/subjects).
 * Natural persons are searched only with a stated purpose (查询事由), and shown with masked numbers.
 */
export function searchRoutes(deps: SearchRouteDeps): Router {
  const r = Router();
  const limiter: RequestHandler = deps.limiter ?? ((_req, _res, next) => next());
  r.get('/', requirePermission(deps.users, 'records:read'), limiter, asyncHandler(async (req, res) => {
    const principal = principalOf(req);
    const purpose = purposeParam(req);
    const limit = intParam(req, 'limit', '每页条数');
    const page = intParam(req, 'page', '页码');
    const options = {
      includeNaturalPersons: purpose !== null,
      regionPrefixes: deps.regionsOf?.(principal),
      ...(limit === undefined ? {} : { limit }),
      ...(page === undefined ? {} : { page }),
    };
    const audit = (q: string, count: number) => deps.onSearch?.(principal, { q, count, naturalPersons: purpose !== null, purpose, ip: req.ip ?? null });
    if (deps.threads) {
      const found = await deps.threads.search(req.query['q'], options);
      await audit(found.query, found.count);
      res.type('application/json').send(found.json);
      return;
    }
    const result = await searchSubjects(deps.db, req.query['q'], { ...options, subjectKeyOf: deps.subjectKeyOf });
    await audit(result.query, result.items.length);
    res.json(result);
  }));
  return r;
}
