import { Router } from 'express';
import type { UserService } from '../access/users.ts';
import { requireAnyPermission, principalOf } from '../http/auth.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { ipOf, queryLimiter, type AccessHook } from '../access/access-hook.ts';
import { subjectKeyOf, subjectReport, type SubjectReportDeps } from './subject-report.ts';

export interface SubjectRouteDeps extends SubjectReportDeps {
  users: UserService;
  access: AccessHook;
  queryRateLimitPerMinute: number;
  /** The subject's credit evaluation with its full explanation (officers), where the node evaluates. */
  evaluationOf?: ((subjectKey: string) => Promise<unknown>) | undefined;
}

/** GET /api/v1/subjects/:code — the subject report within the caller's scope, audited before it is sent. */
export function subjectRoutes(d: SubjectRouteDeps): Router {
  const r = Router();
  r.get('/:code', requireAnyPermission(d.users, ['records:read', 'records:write']), queryLimiter(d.queryRateLimitPerMinute), asyncHandler(async (req, res) => {
    const principal = principalOf(req);
    const code = String(req.params['code']);
    const reveal = req.query['reveal'] === '1' || req.query['reveal'] === 'true';
    const report = await subjectReport(d, code, principal, { purpose: req.query['purpose'], reveal });
    const subject = subjectKeyOf(d.vault, code).key;
    const purpose = report.purpose ?? null;
    await d.access({ principal, action: 'query', subject, count: report.records.length, purpose, ip: ipOf(req) });
    if (report.subject.codeRevealed) await d.access({ principal, action: 'reveal', subject, count: 1, purpose, ip: ipOf(req) });
    const evaluation = d.evaluationOf ? await d.evaluationOf(subject) : undefined;
    res.json(evaluation ? { ...report, evaluation } : report);
  }));
  return r;
}
