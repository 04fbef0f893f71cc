import { checkCode } from '../identity/index.ts';
import type { PersonalIdVault } from '../access/personal-id.ts';
import type { RecordService, RecordWithHistory, SubjectWithRecords } from '../records/service.ts';
import { BadRequest, Forbidden, NotFound } from '../errors.ts';
import type { Principal } from '../access/roles.ts';
import { requirePurpose } from '../access/scope.ts';

/** The sections of a public credit report (DOMAIN.md §7), each with the categories it shows. */
export const REPORT_SECTIONS: ReadonlyArray<{ key: string; title: string; categories: readonly string[] }> = [
  { key: 'registration', title: '登记注册基础信息', categories: ['registration'] },
  { key: 'administrative', title: '行政管理信息', categories: ['administrative_license', 'administrative_penalty', 'professional_qualification', 'annual_assessment', 'bidding', 'construction', 'environmental', 'energy_saving'] },
  { key: 'honors', title: '诚实守信相关荣誉信息', categories: ['honor'] },
  { key: 'dishonesty', title: '严重失信主体名单信息', categories: ['serious_dishonesty_list'] },
  { key: 'abnormal', title: '经营（活动）异常名录', categories: ['abnormal_operation_list'] },
  { key: 'commitments', title: '信用承诺信息', categories: [] },
  { key: 'evaluation', title: '信用评价信息', categories: ['tax_credit_rating'] },
  { key: 'judicial', title: '司法判决及执行信息', categories: ['court_enforcement'] },
  { key: 'other', title: '其他信息', categories: [] },
];

const SECTION_OF = new Map(REPORT_SECTIONS.flatMap((s) => s.categories.map((c) => [c, s.key] as const)));

/** Roles that may see a natural person's full ID number, with a stated purpose and an explicit request. */
const REVEAL_ROLES: ReadonlySet<string> = new Set(['officer']);

export interface SubjectReport {
  subject: { type: string; code: string; name: string; region: string | null; codeRevealed?: boolean };
  /** 查询事由 as recorded (natural persons only). */
  purpose?: string;
  sections: Array<{ key: string; title: string; records: string[] }>;
  records: Array<RecordWithHistory & { originName: string | null }>;
}

export interface SubjectReportDeps {
  records: RecordService;
  vault: PersonalIdVault;
  /** Names of the directory's nodes by id (a record's origin node). */
  nodeNames: () => Promise<ReadonlyMap<string, string>>;
}

export interface ReportOptions { purpose?: unknown; reveal?: boolean }

/** The subject's lookup key from a code as typed: a USCC, or the keyed hash of a resident ID number. */
export function subjectKeyOf(vault: PersonalIdVault, code: string): { key: string; naturalPerson: boolean; code: string } {
  const check = checkCode(code);
  if (!check.valid) throw new BadRequest(`代码不正确：${check.errors.map((e) => e.message).join('；')}`, check.errors.map((e) => ({ path: 'code', message: e.message, code: e.code })));
  return check.kind === 'resident_id' ? { key: vault.hash(check.code), naturalPerson: true, code: check.code } : { key: check.code, naturalPerson: false, code: check.code };
}

/** A report request, checked: the subject's lookup key, its code as normalised, the purpose (natural persons). */
export interface ReportAsk { key: string; naturalPerson: boolean; code: string; purpose?: string; reveal: boolean }

/**
 * Checks a report request before anything is read: the code, the stated purpose for a natural person, and that
 * only an officer asks for a natural person's full number.
 */
export function reportAsk(vault: PersonalIdVault, code: string, principal: Principal, opts: ReportOptions = {}): ReportAsk {
  const { key, naturalPerson, code: normalized } = subjectKeyOf(vault, code);
  const purpose = naturalPerson ? requirePurpose(opts.purpose) : undefined;
  if (opts.reveal && !naturalPerson) throw new BadRequest('只有自然人的身份证号码需要 reveal 参数', [{ path: 'reveal', message: '仅用于自然人' }]);
  if (opts.reveal && !REVEAL_ROLES.has(principal.role)) throw new Forbidden(`当前角色（${principal.role}）不能查看完整身份证号码`);
  return { key, naturalPerson, code: normalized, ...(purpose ? { purpose } : {}), reveal: opts.reveal === true };
}

/** NOT_FOUND for a subject not stored here; a natural person's number is never echoed. */
export const subjectNotFound = (ask: ReportAsk) => new NotFound(`未找到该主体：${ask.naturalPerson ? '（自然人）' : ask.code}`);

/** The report of a subject read with its records (masked numbers only), grouped in the report's sections. */
export function assembleReport(found: SubjectWithRecords, names: ReadonlyMap<string, string>, purpose: string | undefined): SubjectReport {
  const subject: SubjectReport['subject'] = { type: found.subject.type, code: found.subject.code, name: found.subject.name, region: found.subject.region };
  const sections = REPORT_SECTIONS.map((s) => ({ key: s.key, title: s.title, records: [] as string[] }));
  const byKey = new Map(sections.map((s) => [s.key, s]));
  for (const r of found.records) (byKey.get(SECTION_OF.get(r.category) ?? 'other') as { records: string[] }).records.push(r.id);
  return {
    subject,
    ...(purpose ? { purpose } : {}),
    sections,
    records: found.records.map((r) => ({ ...r, originName: names.get(r.origin) ?? null })),
  };
}

/**
 * One subject across the three databases with the records the principal may read (scope.ts), grouped in the
 * sections of a credit report. A natural person needs a stated purpose; the full ID number is shown only to an
 * officer who asks for it (reveal) with that purpose — everything else carries the masked number.
 */
export async function subjectReport(deps: SubjectReportDeps, code: string, principal: Principal, opts: ReportOptions = {}): Promise<SubjectReport> {
  const ask = reportAsk(deps.vault, code, principal, opts);
  const found = await deps.records.subjectWithRecords(ask.key, principal);
  if (!found) throw subjectNotFound(ask);
  const report = assembleReport(found, await deps.nodeNames(), ask.purpose);
  if (ask.reveal) {
    const cipher = await deps.records.naturalPersonCipher(found.subject.id);
    if (cipher) {
      report.subject.code = deps.vault.decrypt(cipher);
      report.subject.codeRevealed = true;
    }
  }
  return report;
}
