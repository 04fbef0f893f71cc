import { Router } from 'express';
import type { RecordService } from '../records/service.ts';
import type { UserService } from '../access/users.ts';
import type { PersonalIdVault } from '../access/personal-id.ts';
import { requirePermission, principalOf } from '../http/auth.ts';
import { asyncHandler } from '../http/async-handler.ts';
import { subjectReport } from './subject-report.ts';

export function subjectRoutes(records: RecordService, vault: PersonalIdVault, users: UserService): Router {
  const r = Router();
  r.get('/:code', requirePermission(users, 'records:read'), asyncHandler(async (req, res) => {
    res.json(await subjectReport(records, vault, String(req.params['code']), principalOf(req)));
  }));
  return r;
}
