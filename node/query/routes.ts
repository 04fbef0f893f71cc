import { Router } from 'express';
import type { UserService } from '../access/users.ts';
import { requireAnyPermission, principalOf } from '../http/auth.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { ipOf, queryLimiter, type AccessHook } from '../access/access-hook.ts';
import { reportAsk, subjectNotFound, subjectReport, type SubjectReportDeps } from './subject-report.ts';
import type { QueryThreads } from './query-threads.ts';

export interface SubjectRouteDeps extends SubjectReportDeps {
  users: UserService;
  access: AccessHook;
  queryRateLimitPerMinute: number;
  /** The subject's credit evaluation with its full explanation (officers), where the node evaluates. */
  evaluationOf?: ((subjectKey: string) => Promise<unknown>) | undefined;
  /** Query threads (config query.threads, SQLite): reports are read and built there instead of on this thread. */
  threads?: QueryThreads | undefined;
}

/** GET /api/v1/subjects/:code — the subject report within the caller's scope, audited before it is sent. */
export function subjectRoutes(d: SubjectRouteDeps): Router {
  const r = Router();
  r.get('/:code', requireAnyPermission(d.users, ['records:read', 'records:write']), queryLimiter(d.queryRateLimitPerMinute), asyncHandler(async (req, res) => {
    const principal = principalOf(req);
    const code = String(req.params['code']);
    const reveal = req.query['reveal'] === '1' || req.query['reveal'] === 'true';
    const ask = reportAsk(d.vault, code, principal, { purpose: req.query['purpose'], reveal });
    const purpose = ask.purpose ?? null;
    const audit = (count: number) => d.access({ principal, action: 'query', subject: ask.key, count, purpose, ip: ipOf(req) });
    const evaluationOf = async () => (d.evaluationOf ? await d.evaluationOf(ask.key) : undefined);
    // A reveal (rare: an officer with a purpose) is built here, where the vault is; every other report on a thread.
    if (d.threads && !ask.reveal) {
      const built = await d.threads.report(ask, principal);
      if (!built) throw subjectNotFound(ask);
      await audit(built.count);
      const evaluation = await evaluationOf();
      // The report's JSON is an object: the evaluation joins it as its last member.
      res.type('application/json').send(evaluation ? `${built.json.slice(0, -1)},"evaluation":${JSON.stringify(evaluation)}}` : built.json);
      return;
    }
    const report = await subjectReport(d, code, principal, { purpose: req.query['purpose'], reveal });
    await audit(report.records.length);
    if (report.subject.codeRevealed) await d.access({ principal, action: 'reveal', subject: ask.key, count: 1, purpose, ip: ipOf(req) });
    const evaluation = await evaluationOf();
    res.json(evaluation ? { ...report, evaluation } : report);
  }));
  return r;
}
