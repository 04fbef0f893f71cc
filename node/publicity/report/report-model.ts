import { REPORT_SECTIONS } from '../../query/subject-report.ts';
import { isPubliclyVisible } from '../visibility.ts';
import type { SchemaRegistry } from '../../records/schema-registry.ts';
import type { RecordView } from '../../records/types.ts';

/**
 * What a public credit report (公共信用信息报告) says, before it becomes a PDF: the subject and the sections of
 * DOMAIN.md §7 with the records the public may see on the report's day (visibility.ts) — nothing shared among
 * government (政务共享), nothing by authorisation (授权查询), nothing withdrawn, revoked, repaired or outside its
 * publicity window. Pure: the same subject, records and day give the same model.
 */
export interface ReportModel {
  subject: { name: string; code: string; type: string; typeLabel: string };
  /** The day (YYYY-MM-DD, China Standard Time) the records were selected on. */
  asOf: string;
  sections: ReportSection[];
  recordCount: number;
  /** The platform's credit evaluation of the subject as the public may see it (信用评价信息), where one runs. */
  evaluation?: ReportEvaluation;
}

export interface ReportEvaluation {
  grade: string;
  gradeText: string;
  score: number;
  modelVersion: string;
  asOf: string;
  factors: Array<{ label: string; points: number }>;
}

export interface ReportSection {
  key: string;
  title: string;
  entries: ReportEntry[];
}

export interface ReportEntry {
  /** The record's id (for tests and audit; not printed). */
  id: string;
  category: string;
  /** The category's name from its schema (行政处罚, 行政许可 ...). */
  categoryLabel: string;
  decisionDate: string;
  decisionDateLabel: string;
  sourceUnit: string;
  /** The decision's document number (行政处罚决定书文号 ...), when the record has one. */
  document: { label: string; value: string } | null;
  /** 异议处理中: an objection to the record is being handled. */
  disputed: boolean;
  publishUntil: string | null;
  fields: Array<{ label: string; value: string }>;
}

/** What the model needs of a stored record (RecordView as records/ hands it out). */
export type ReportRecord = Pick<RecordView, 'id' | 'category' | 'externalId' | 'sourceUnit' | 'decisionDate' | 'data' | 'status' | 'publicity' | 'publishFrom' | 'publishUntil'>;

export interface ReportSubject { name: string; code: string; type: string }

/**
 * The fields of `data` a report prints per category, in order: what the decision was and who made it. Codes of
 * deciding authorities, ID numbers and types of ID of legal representatives, and internal numbers are left out.
 */
export const REPORT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  registration: ['entityType', 'legalRepresentative', 'registeredCapital', 'registeredCapitalCurrency', 'establishmentDate', 'operatingPeriodFrom', 'operatingPeriodTo', 'registrationAuthority', 'approvalDate', 'address', 'businessScope', 'industry', 'registrationStatus', 'revocationDate', 'cancellationDate'],
  administrative_license: ['licenseDocumentName', 'certificateName', 'licenseNumber', 'licenseCategory', 'licenseContent', 'validFrom', 'validUntil', 'licensingAuthority', 'status'],
  administrative_penalty: ['violationType', 'violationFacts', 'penaltyBasis', 'penaltyTypes', 'penaltyContent', 'fineAmount', 'confiscatedAmount', 'suspendedOrRevokedLicense', 'penaltyAuthority'],
  professional_qualification: ['qualificationName', 'qualificationLevel', 'speciality', 'certificateNumber', 'issuingAuthority', 'validUntil', 'certificateStatus'],
  annual_assessment: ['assessmentYear', 'assessmentType', 'conclusion', 'issues', 'assessmentAuthority', 'validUntil'],
  bidding: ['projectName', 'partyRole', 'violationType', 'violationFacts', 'handlingBasis', 'handlingResult', 'disqualifiedFrom', 'disqualifiedUntil', 'handlingAuthority'],
  construction: ['recordType', 'projectName', 'projectLocation', 'qualificationName', 'behaviorDescription', 'basis', 'result', 'decidingAuthority'],
  environmental: ['evaluationYear', 'rating', 'deductions', 'validUntil', 'evaluationAuthority'],
  energy_saving: ['assessmentYear', 'assessmentType', 'result', 'assessmentAuthority'],
  honor: ['honorName', 'honorLevel', 'reason', 'validUntil', 'grantingAuthority'],
  serious_dishonesty_list: ['listType', 'listingReason', 'facts', 'legalBasis', 'measures', 'validUntil', 'decidingAuthority'],
  abnormal_operation_list: ['listingReason', 'decidingAuthority', 'removalDate', 'removalReason', 'removalAuthority'],
  tax_credit_rating: ['evaluationYear', 'grade', 'ratingAuthority'],
  court_enforcement: ['caseNumber', 'caseType', 'court', 'obligation', 'enforcementAmount', 'unperformedAmount', 'caseStatus', 'dishonestDebtor', 'dishonestConduct', 'performance'],
  contract_performance: ['contractName', 'contractType', 'performanceStatus', 'breachDescription', 'handlingResult'],
};

/** Fields never printed for a category the table above does not know: codes and personal identifiers. */
const NEVER_PRINTED = /(Code|IdNumber|IdType)$|^idType$|^subjectCategory$/;

const SUBJECT_TYPE_LABELS: Readonly<Record<string, string>> = { legal_person: '法人', non_enterprise: '非法人组织', natural_person: '自然人' };

const SECTION_OF = new Map(REPORT_SECTIONS.flatMap((s) => s.categories.map((c) => [c, s.key] as const)));
const CATEGORY_ORDER = new Map(REPORT_SECTIONS.flatMap((s) => s.categories).map((c, i) => [c, i] as const));

/** A value of `data` as one line of text; empty for nothing to print. */
export function printable(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value)) return value.map(printable).filter((v) => v !== '').join('；');
  return '';
}

/** The labels a report takes from the schema registry (x-label, title), as one small interface for tests. */
export interface ReportLabels {
  category(category: string): string;
  field(category: string, field: string): string;
  /** The label of the record's document number (行政处罚决定书文号 ...). */
  document(category: string): string;
  decisionDate(category: string): string;
}

export function registryLabels(registry: SchemaRegistry): ReportLabels {
  const known = (c: string) => registry.has(c);
  return {
    category: (c) => (known(c) ? registry.meta(c).title : c),
    field: (c, f) => (known(c) ? registry.label(c, f) : f),
    document: (c) => (known(c) ? registry.meta(c).envelope.externalId?.[0]?.label ?? registry.envelopeLabel('externalId') : '文书号'),
    decisionDate: (c) => (known(c) ? registry.meta(c).envelope.decisionDate?.[0]?.label ?? registry.envelopeLabel('decisionDate') : '决定日期'),
  };
}

function entryOf(r: ReportRecord, labels: ReportLabels): ReportEntry {
  const data = (r.data ?? {}) as Record<string, unknown>;
  const names = REPORT_FIELDS[r.category] ?? Object.keys(data).filter((f) => !NEVER_PRINTED.test(f));
  const fields: ReportEntry['fields'] = [];
  for (const name of names) {
    const value = printable(data[name]);
    if (value !== '') fields.push({ label: labels.field(r.category, name), value });
  }
  const external = r.externalId.trim();
  return {
    id: r.id,
    category: r.category,
    categoryLabel: labels.category(r.category),
    decisionDate: r.decisionDate,
    decisionDateLabel: labels.decisionDate(r.category),
    sourceUnit: r.sourceUnit.name,
    // Registration records carry the USCC as their external id: already printed as the subject's code.
    document: external !== '' && r.category !== 'registration' ? { label: labels.document(r.category), value: external } : null,
    disputed: r.status === 'disputed',
    publishUntil: r.publishUntil,
    fields,
  };
}

/**
 * The report of one subject on `today` (YYYY-MM-DD, China Standard Time): every record the public may see,
 * in the sections of DOMAIN.md §7 (a category no section names goes to 其他信息), each section by category
 * order then the latest decision first.
 */
export function buildReportModel(subject: ReportSubject, records: readonly ReportRecord[], today: string, labels: ReportLabels, evaluation?: ReportEvaluation): ReportModel {
  const visible = records.filter((r) => isPubliclyVisible({ publicity: r.publicity, status: r.status, publish_from: r.publishFrom, publish_until: r.publishUntil }, today));
  const order = (c: string) => CATEGORY_ORDER.get(c) ?? Number.MAX_SAFE_INTEGER;
  visible.sort((a, b) => order(a.category) - order(b.category) || a.category.localeCompare(b.category)
    || b.decisionDate.localeCompare(a.decisionDate) || a.externalId.localeCompare(b.externalId) || a.id.localeCompare(b.id));
  const sections: ReportSection[] = REPORT_SECTIONS.map((s) => ({ key: s.key, title: s.title, entries: [] }));
  const byKey = new Map(sections.map((s) => [s.key, s]));
  for (const r of visible) (byKey.get(SECTION_OF.get(r.category) ?? 'other') as ReportSection).entries.push(entryOf(r, labels));
  return {
    subject: { name: subject.name, code: subject.code, type: subject.type, typeLabel: SUBJECT_TYPE_LABELS[subject.type] ?? subject.type },
    asOf: today,
    sections,
    recordCount: visible.length,
    ...(evaluation ? { evaluation } : {}),
  };
}
