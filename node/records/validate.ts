import { checkCode, validateUscc, maskResidentId } from '../identity/index.ts';
import { canonicalize, canonicalizeWith } from '../exchange/canonical-json.ts';
import { chinaDate, type Clock } from '../clock.ts';
import type { PersonalIdVault } from '../access/personal-id.ts';
import type { SchemaRegistry } from './schema-registry.ts';
import type { FieldProblem, PreparedRecord, Publicity, RecordInput, StoredSubjectRef } from './types.ts';

export interface ValidateDeps {
  registry: SchemaRegistry;
  clock: Clock;
  vault: PersonalIdVault;
  legacyCodes: ReadonlySet<string>;
}

const SUBJECT_TYPE_LABEL: Record<string, string> = { legal_person: '企业', non_enterprise: '非企业法人', natural_person: '自然人' };
const SEVERITY_LABEL: Record<string, string> = { minor: '轻微', general: '一般', serious: '严重' };

function lookup(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * Validates one record: the envelope and category schemas, the identifiers, and the cross-field rules that a
 * schema cannot say (dates, subject type against its code, severity per category). Returns the prepared record,
 * or every problem found.
 */
export function prepareRecord(raw: unknown, index: number, deps: ValidateDeps): { record?: PreparedRecord; errors: FieldProblem[] } {
  const { registry } = deps;
  const errors: FieldProblem[] = [...registry.validateEnvelope(raw)];
  if (errors.length > 0) return { errors };
  const input = raw as RecordInput;
  if (!registry.has(input.category)) return { errors: [{ path: 'category', message: `未知的信用信息类别：${input.category}` }] };
  const meta = registry.meta(input.category);
  errors.push(...registry.validateData(input.category, input.data));

  // The subject's code decides what the subject is (DOMAIN.md §1-2).
  const subjectCheck = checkCode(input.subject.code, { legacyCodes: deps.legacyCodes, today: deps.clock() });
  for (const e of subjectCheck.errors) errors.push({ path: 'subject.code', message: e.message, code: e.code });
  if (subjectCheck.valid && subjectCheck.subjectType && subjectCheck.subjectType !== input.subject.type) {
    errors.push({
      path: 'subject.type',
      message: `主体类型与代码不一致：代码 ${subjectCheck.code} 属于${SUBJECT_TYPE_LABEL[subjectCheck.subjectType] ?? subjectCheck.subjectType}，但填写为${SUBJECT_TYPE_LABEL[input.subject.type] ?? input.subject.type}`,
      code: 'SUBJECT_TYPE_MISMATCH',
    });
  }
  if (meta.subjectTypes.length > 0 && !meta.subjectTypes.includes(input.subject.type)) {
    errors.push({ path: 'subject.type', message: `${meta.title}不适用于${SUBJECT_TYPE_LABEL[input.subject.type] ?? input.subject.type}` });
  }
  const unit = validateUscc(input.sourceUnit.code, { legacyCodes: deps.legacyCodes });
  for (const e of unit.errors) errors.push({ path: 'sourceUnit.code', message: `数据来源单位统一社会信用代码：${e.message}`, code: e.code });

  // Severity must be one the category allows; a category without severities takes none.
  if (input.severity !== undefined && !meta.severities.includes(input.severity)) {
    errors.push({
      path: 'severity',
      message: meta.severities.length === 0
        ? `${meta.title}不区分严重程度，不应填写严重程度`
        : `${meta.title}的严重程度只能是：${meta.severities.map((s) => SEVERITY_LABEL[s] ?? s).join('、')}`,
    });
  }
  if (input.severity === undefined && meta.severities.length > 1) {
    errors.push({ path: 'severity', message: `${meta.title}必须填写严重程度（轻微、一般或严重）` });
  }

  const today = chinaDate(deps.clock());
  if (input.decisionDate > today) errors.push({ path: 'decisionDate', message: `决定日期 ${input.decisionDate} 晚于今天（${today}）` });
  for (const [start, end] of meta.dateOrder) {
    const a = lookup(input.data, start);
    const b = lookup(input.data, end);
    if (typeof a === 'string' && typeof b === 'string' && b < a) {
      errors.push({ path: `data.${end}`, message: `${registry.label(input.category, end)}（${b}）早于${registry.label(input.category, start)}（${a}）` });
    }
  }
  if (errors.length > 0) return { errors };

  const subject = storedSubject(input, subjectCheck.code, deps.vault);
  const sourceUnit = { code: unit.code, name: input.sourceUnit.name.trim() };
  const content: Record<string, unknown> = {
    category: input.category,
    externalId: input.externalId.trim(),
    subject: { type: input.subject.type, key: subject.key, name: subject.name },
    sourceUnit,
    decisionDate: input.decisionDate,
    data: input.data,
  };
  if (input.severity) content['severity'] = input.severity;
  const normalised: RecordInput = { ...input, externalId: input.externalId.trim(), sourceUnit, subject: { type: input.subject.type, code: subjectCheck.code, name: subject.name } };
  const publicity: Publicity = meta.publicity.level;
  // Keyed, so the hash of a record cannot be used to guess an ID number inside it.
  const dataCanonical = canonicalize(input.data);
  const contentHash = deps.vault.hash(canonicalizeWith(content, { data: dataCanonical }));
  const { data: storedData, sealed } = sealPersonalIds(registry, input.category, input.data, deps.vault);
  const storedDataCanonical = storedData === input.data ? dataCanonical : canonicalize(storedData);
  return { record: { index, input: normalised, subject, content, contentHash, publicity, storedData, storedDataCanonical, sealed }, errors: [] };
}

const idFieldCache = new Map<string, string[]>();

/** Data fields holding a natural person's ID number (national codes *_ZJHM, e.g. 法定代表人证件号码 CF_FR_ZJHM). */
export function personalIdFields(registry: SchemaRegistry, category: string): string[] {
  let fields = idFieldCache.get(category);
  if (!fields) {
    const props = ((registry.schema(category) as { properties?: Record<string, { 'x-field-code'?: string }> }).properties) ?? {};
    fields = Object.entries(props).filter(([, p]) => /_ZJHM$/.test(p['x-field-code'] ?? '')).map(([k]) => k);
    idFieldCache.set(category, fields);
  }
  return fields;
}

/** ID numbers inside `data` are stored masked, with their ciphertext kept apart under `sealed`. */
function sealPersonalIds(registry: SchemaRegistry, category: string, data: Record<string, unknown>, vault: PersonalIdVault): { data: Record<string, unknown>; sealed: Record<string, string> } {
  const sealed: Record<string, string> = {};
  let out = data;
  for (const field of personalIdFields(registry, category)) {
    const value = data[field];
    if (typeof value !== 'string' || value === '') continue;
    if (out === data) out = { ...data };
    sealed[`data.${field}`] = vault.encrypt(value);
    out[field] = value.length >= 15 ? maskResidentId(value) : `${value.slice(0, 2)}${'*'.repeat(Math.max(0, value.length - 4))}${value.slice(-2)}`;
  }
  return { data: out, sealed };
}

function storedSubject(input: RecordInput, code: string, vault: PersonalIdVault): StoredSubjectRef {
  const name = input.subject.name.trim();
  if (input.subject.type === 'natural_person') {
    return { type: 'natural_person', name, key: vault.hash(code), codeCipher: vault.encrypt(code), codeMasked: maskResidentId(code), region: code.slice(0, 6) };
  }
  return { type: input.subject.type, name, key: code, code, region: code.slice(2, 8) };
}
