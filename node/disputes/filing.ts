import { randomInt } from 'node:crypto';
import { BadRequest } from '../errors.ts';
import { checkCode } from '../identity/index.ts';
import { COMPLAINT_SECTORS, OBJECTION_REASONS, type Claimant, type TicketType } from './ticket-types.ts';

/** Field limits shared by every form and API that files a ticket. */
export const LIMITS = { name: 50, phone: 20, text: 2000, minText: 10 } as const;

export type Problem = { path: string; message: string };

/** A trimmed text field within its length, or a problem naming it. */
export function text(v: unknown, path: string, label: string, min: number, max: number, problems: Problem[]): string {
  const s = typeof v === 'string' ? v.trim() : '';
  if (v !== undefined && v !== null && typeof v !== 'string') problems.push({ path, message: `${label}须为文本` });
  else if (s.length < min) problems.push({ path, message: min <= 1 ? `请填写${label}` : `${label}至少 ${min} 个字` });
  else if (s.length > max) problems.push({ path, message: `${label}最多 ${max} 个字` });
  return s;
}

export function claimantOf(input: { name?: unknown; phone?: unknown } | undefined, problems: Problem[]): Claimant {
  const name = text(input?.name, 'claimant.name', '联系人姓名', 1, LIMITS.name, problems);
  const phone = text(input?.phone, 'claimant.phone', '联系电话', 1, LIMITS.phone, problems);
  if (phone && !/^[0-9+\-\s]{7,20}$/.test(phone)) problems.push({ path: 'claimant.phone', message: '联系电话只能包含数字、空格、+ 和 -，7 到 20 位' });
  return { name, phone };
}

export function refuseIf(problems: Problem[]): void {
  if (problems.length) throw new BadRequest(problems.map((p) => p.message).join('；'), problems);
}

/** A ticket number: type prefix, the filing day, eight random digits (not guessable from another number). */
export function ticketNumber(type: TicketType, day: string): string {
  const prefix = { repair: 'XF', objection: 'YY', complaint: 'TS' }[type];
  return `${prefix}${day.replace(/-/g, '')}${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

export interface ObjectionInput {
  recordId: unknown;
  subjectCode?: unknown;
  reason: unknown;
  description: unknown;
  claimant: { name?: unknown; phone?: unknown } | undefined;
}

/** 异议: the record, a ground from the usual list, what is wrong, who to contact. */
export function readObjection(input: ObjectionInput): { recordId: string; subjectCode: string | null; reason: string; description: string; claimant: Claimant } {
  const problems: Problem[] = [];
  const recordId = text(input.recordId, 'recordId', '信用记录编号', 1, 36, problems);
  const code = text(input.subjectCode ?? '', 'subjectCode', '统一社会信用代码', 0, 18, problems);
  const reason = typeof input.reason === 'string' ? input.reason : '';
  if (!(reason in OBJECTION_REASONS)) problems.push({ path: 'reason', message: `异议类型须为 ${Object.keys(OBJECTION_REASONS).join('、')} 之一` });
  const description = text(input.description, 'description', '异议理由及说明', LIMITS.minText, LIMITS.text, problems);
  const claimant = claimantOf(input.claimant, problems);
  refuseIf(problems);
  return { recordId, subjectCode: code || null, reason, description, claimant };
}

export interface ComplaintInput {
  subjectCode: unknown;
  sector?: unknown;
  description: unknown;
  claimant: { name?: unknown; phone?: unknown } | undefined;
}

/** 投诉: the organisation complained about (its USCC), the sector of the behaviour, what happened, who to contact. */
export function readComplaint(input: ComplaintInput): { subjectCode: string; sector: string; description: string; claimant: Claimant } {
  const problems: Problem[] = [];
  const raw = text(input.subjectCode, 'subjectCode', '被投诉主体的统一社会信用代码', 1, 18, problems);
  const check = raw ? checkCode(raw) : undefined;
  if (check && !(check.valid && check.kind === 'uscc')) problems.push({ path: 'subjectCode', message: '被投诉主体的统一社会信用代码不正确' });
  const sector = input.sector === undefined || input.sector === '' ? 'other' : typeof input.sector === 'string' ? input.sector : '';
  if (!(sector in COMPLAINT_SECTORS)) problems.push({ path: 'sector', message: `投诉领域须为 ${Object.keys(COMPLAINT_SECTORS).join('、')} 之一` });
  const description = text(input.description, 'description', '投诉内容', LIMITS.minText, LIMITS.text, problems);
  const claimant = claimantOf(input.claimant, problems);
  refuseIf(problems);
  return { subjectCode: check?.code ?? raw, sector, description, claimant };
}
