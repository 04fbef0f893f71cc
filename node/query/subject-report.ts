import type { Knex } from 'knex';
import { checkCode } from '../identity/index.ts';
import type { PersonalIdVault } from '../access/personal-id.ts';
import { recordsRepo } from '../records/repo.ts';
import { toView } from '../records/service.ts';
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
export async function subjectReport(db: Knex, vault: PersonalIdVault, code: string, _principal: Principal): Promise<SubjectReport> {
  const check = checkCode(code);
  if (!check.valid) throw new BadRequest(`代码不正确：${check.errors.map((e) => e.message).join('；')}`, check.errors.map((e) => ({ path: 'code', message: e.message, code: e.code })));
  const key = check.kind === 'resident_id' ? vault.hash(check.code) : check.code;
  const subject = await recordsRepo.subjectByKey(db, key);
  if (!subject) throw new NotFound(`未找到该主体：${check.kind === 'resident_id' ? '（自然人）' : check.code}`);
  let shownCode = check.code;
  if (subject.type === 'natural_person') shownCode = (await recordsRepo.naturalPerson(db, subject.id))?.id_masked ?? '';
  const rows = await recordsRepo.recordsOfSubject(db, subject.id);
  return {
    subject: { type: subject.type, code: shownCode, name: subject.name, region: subject.region },
    records: rows.map(toView),
  };
}
