import { checkCode } from '../identity/index.ts';
import type { PersonalIdVault } from '../access/personal-id.ts';
import type { RecordService } from '../records/service.ts';
import { BadRequest, NotFound } from '../errors.ts';
import type { Principal } from '../access/roles.ts';
import type { RecordView } from '../records/types.ts';

export interface SubjectReport {
  subject: { type: string; code: string; name: string; region: string | null };
  records: RecordView[];
}

/**
 * One subject with its records. The caller's principal is taken now so scope rules (regions, sectors,
 * publicity) can narrow the answer without changing the signature.
 */
export async function subjectReport(records: RecordService, vault: PersonalIdVault, code: string, _principal: Principal): Promise<SubjectReport> {
  const check = checkCode(code);
  if (!check.valid) throw new BadRequest(`代码不正确：${check.errors.map((e) => e.message).join('；')}`, check.errors.map((e) => ({ path: 'code', message: e.message, code: e.code })));
  const found = await records.subjectWithRecords(check.kind === 'resident_id' ? vault.hash(check.code) : check.code);
  if (!found) throw new NotFound(`未找到该主体：${check.kind === 'resident_id' ? '（自然人）' : check.code}`);
  return found;
}
