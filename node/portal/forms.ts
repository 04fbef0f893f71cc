import { FORM_LIMITS, OBJECTION_REASONS, REPAIR_COMMITMENT, SECTOR_OPTIONS, type TicketFields, type TicketKind } from './tickets.ts';

/** One input of a ticket form, with the limits the browser and the server both enforce. */
export interface FieldSpec {
  name: keyof TicketFields | 'agree';
  label: string;
  input: 'text' | 'tel' | 'textarea' | 'select' | 'checkbox';
  min: number;
  max: number;
  options?: ReadonlyArray<[string, string]>;
  hint?: string;
}

const NAME: FieldSpec = { name: 'claimantName', label: '联系人姓名', input: 'text', min: 1, max: FORM_LIMITS.name };
const PHONE: FieldSpec = { name: 'claimantPhone', label: '联系电话', input: 'tel', min: 7, max: FORM_LIMITS.phone, hint: '数字、空格、+ 或 -，7 到 20 位；仅用于办理单位联系您，不会公开' };

export const FORM_FIELDS: Readonly<Record<TicketKind, readonly FieldSpec[]>> = {
  objection: [
    { name: 'reason', label: '异议类型', input: 'select', min: 1, max: 20, options: OBJECTION_REASONS },
    { name: 'description', label: '异议理由及说明', input: 'textarea', min: FORM_LIMITS.minText, max: FORM_LIMITS.text, hint: `${FORM_LIMITS.minText} 到 ${FORM_LIMITS.text} 个字；请说明哪里有误及事实依据` },
    NAME, PHONE,
  ],
  complaint: [
    { name: 'sector', label: '失信行为所属领域', input: 'select', min: 1, max: 20, options: SECTOR_OPTIONS, hint: '决定由哪个主管部门办理' },
    { name: 'description', label: '投诉内容', input: 'textarea', min: FORM_LIMITS.minText, max: FORM_LIMITS.text, hint: `${FORM_LIMITS.minText} 到 ${FORM_LIMITS.text} 个字；请写明失信行为的时间、地点、经过` },
    NAME, PHONE,
  ],
  repair: [
    { name: 'evidence', label: '已履行处罚义务的说明', input: 'textarea', min: FORM_LIMITS.minText, max: FORM_LIMITS.text, hint: '如罚款缴纳凭证编号、整改完成情况等' },
    { name: 'description', label: '补充说明（可不填）', input: 'textarea', min: 0, max: FORM_LIMITS.text },
    NAME, PHONE,
    { name: 'agree', label: `信用承诺：${REPAIR_COMMITMENT}`, input: 'checkbox', min: 1, max: 10 },
  ],
};

export interface FormProblem { field: string; message: string }

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** The submitted text of a field: one value only, control characters removed, trimmed. */
function value(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  const s = typeof v === 'string' ? v : '';
  return s.replace(/\r\n?/g, '\n').replace(CONTROL, '').trim();
}

/** Checks a submitted form against its fields (the same limits as the form's maxlength); values are kept for re-display. */
export function readTicketForm(kind: TicketKind, body: Record<string, unknown>): { fields: TicketFields; values: Record<string, string>; problems: FormProblem[] } {
  const values: Record<string, string> = {};
  const problems: FormProblem[] = [];
  for (const spec of FORM_FIELDS[kind]) {
    const raw = body[spec.name];
    if (raw !== undefined && typeof raw !== 'string') {
      problems.push({ field: spec.name, message: `${spec.label}只能填写一次` });
      continue;
    }
    const v = value(body, spec.name);
    values[spec.name] = [...v].slice(0, spec.max).join('');
    const n = [...v].length;
    if (spec.input === 'checkbox') {
      if (v !== 'yes') problems.push({ field: spec.name, message: '请阅读并勾选信用承诺' });
    } else if (spec.input === 'select') {
      if (!spec.options?.some(([k]) => k === v)) problems.push({ field: spec.name, message: `请选择${spec.label}` });
    } else if (n < spec.min) {
      problems.push({ field: spec.name, message: spec.min <= 1 ? `请填写${spec.label}` : `${spec.label}至少 ${spec.min} 个字` });
    } else if (n > spec.max) {
      problems.push({ field: spec.name, message: `${spec.label}最多 ${spec.max} 个字` });
    } else if (spec.input === 'tel' && !/^[0-9+\-\s]{7,20}$/.test(v)) {
      problems.push({ field: spec.name, message: '联系电话只能包含数字、空格、+ 和 -，7 到 20 位' });
    }
  }
  const fields: TicketFields = {
    claimantName: values['claimantName'] ?? '',
    claimantPhone: values['claimantPhone'] ?? '',
    description: values['description'] ?? '',
    ...(kind === 'objection' ? { reason: values['reason'] ?? '' } : {}),
    ...(kind === 'complaint' ? { sector: values['sector'] ?? '' } : {}),
    ...(kind === 'repair' ? { evidence: values['evidence'] ?? '', commitment: REPAIR_COMMITMENT } : {}),
  };
  return { fields, values, problems };
}
