/**
 * What the portal's objection (异议), complaint (投诉) and credit repair (信用修复) forms hand over, and how a
 * ticket's status is looked up. The node wires both to the disputes feature's tickets; without them the forms
 * answer 503 with a clear Chinese page instead of pretending to accept anything.
 */
import type { EvidenceFileInput } from '../disputes/evidence.ts';
import { COMPLAINT_SECTORS, OBJECTION_REASONS as REASONS, OUTCOME_LABELS, STATUS_LABELS } from '../disputes/ticket-types.ts';

export type TicketKind = 'objection' | 'complaint' | 'repair';
export const TICKET_KINDS: readonly TicketKind[] = ['objection', 'complaint', 'repair'];

export interface TicketFields {
  /** 联系人（申请人）姓名. */
  claimantName: string;
  claimantPhone: string;
  /** Objections: wrong, missing, duplicated, not_public, overdue or inconsistent (CONTRACT.md). */
  reason?: string;
  description: string;
  /** Repairs: the credit commitment (信用承诺) the applicant agreed to, as shown on the form. */
  commitment?: string;
  /** Repairs: how the penalty was fulfilled (已履行处罚义务的说明). */
  evidence?: string;
  /** Complaints: the sector of the behaviour (COMPLAINT_SECTORS), which decides the competent authority. */
  sector?: string;
}

export interface TicketSubmission {
  kind: TicketKind;
  /** The public record objected to or to be repaired (objection, repair). */
  recordId: string | null;
  /** The organisation's USCC (complaint; for the others the record's subject). */
  subjectCode: string | null;
  fields: TicketFields;
  /** Evidence files of an objection or complaint, as uploaded (checked by the ticket service). */
  files?: EvidenceFileInput[];
  ip: string | null;
}

export interface TicketReceipt { ticket: string; status: string; due?: string | null }

/**
 * Files a ticket. A 4xx CreditNodeError (BAD_REQUEST with details, CONFLICT …) is shown on the form with its
 * message; anything else is a server error page.
 */
export type SubmitTicket = (submission: TicketSubmission) => Promise<TicketReceipt>;

/** What the public may see of a ticket by its number (never the claimant). */
export interface TicketStatusView {
  ticket: string;
  type: string;
  status: string;
  outcome?: string | null;
  reasons?: string | null;
  subjectName?: string | null;
  filedAt: string;
  updatedAt?: string;
  due?: string | null;
  history: Array<{ at: string; status: string; outcome?: string; note?: string }>;
}

/** A ticket by number; undefined or NOT_FOUND when there is none. A BAD_REQUEST message is shown as given. */
export type LookupTicket = (number: string) => Promise<TicketStatusView | undefined>;

export const KIND_TEXT: Readonly<Record<TicketKind, string>> = { objection: '异议申请', complaint: '投诉', repair: '信用修复申请' };
export const TICKET_STATUS_TEXT: Readonly<Record<string, string>> = STATUS_LABELS;
export const OUTCOME_TEXT: Readonly<Record<string, string>> = OUTCOME_LABELS;

export const OBJECTION_REASONS: ReadonlyArray<[string, string]> = Object.entries(REASONS);
export const SECTOR_OPTIONS: ReadonlyArray<[string, string]> = Object.entries(COMPLAINT_SECTORS);

/** 失信信息 a subject may apply to repair (licences, honours and registrations are not). */
export { REPAIRABLE_CATEGORIES } from '../disputes/ticket-types.ts';

/** The credit commitment (信用承诺) a repair applicant agrees to on the form. */
export const REPAIR_COMMITMENT = '本单位承诺：已按要求履行行政处罚决定或相关义务，所提交的材料真实、准确、完整；如有虚假，愿意承担相应法律责任，并接受将虚假承诺记入信用记录。';

export const FORM_LIMITS = { name: 50, phone: 20, text: 2000, minText: 10 } as const;
