/** What a ticket is about: a credit repair application (信用修复), an objection (异议) or a complaint (投诉). */
export type TicketType = 'repair' | 'objection' | 'complaint';
export const TICKET_TYPES: readonly TicketType[] = ['repair', 'objection', 'complaint'];

/** received → in_review → resolved; forwarded while it travels to the deciding node. */
export type TicketStatus = 'received' | 'forwarded' | 'in_review' | 'resolved';

/** A repair is approved or refused. */
export type RepairOutcome = 'approved' | 'refused';

export const TYPE_LABELS: Readonly<Record<TicketType, string>> = { repair: '信用修复申请', objection: '异议申请', complaint: '投诉' };
export const STATUS_LABELS: Readonly<Record<TicketStatus, string>> = { received: '已受理', forwarded: '已转交办理单位', in_review: '办理中', resolved: '已办结' };
export const OUTCOME_LABELS: Readonly<Record<string, string>> = { approved: '准予修复', refused: '不予修复', upheld: '维持', corrected: '已更正', revoked: '已撤销', rejected: '不予受理' };

/** The person who filed it; shown only to the handling unit, never on a public page. */
export interface Claimant { name: string; phone: string }

export interface TicketStep { at: string; node: string; status: TicketStatus; outcome?: string; note?: string }

/**
 * A ticket as it travels: every `ticket` event carries the whole ticket at that version. `to` is the node that
 * must see this version next (the deciding node while it is open, the filing node once it is answered); the
 * exchange routes tickets down by it (DESIGN.md §4).
 */
export interface Ticket {
  number: string;
  type: TicketType;
  status: TicketStatus;
  outcome: string | null;
  /** Reasons given with the decision (a refusal always has them). */
  reasons: string | null;
  from: string;
  handler: string;
  to: string;
  region: string | null;
  recordId: string | null;
  subject: { key: string; name: string; code: string | null } | null;
  sourceUnit: { code: string; name: string } | null;
  claimant: Claimant;
  description: string;
  /** 信用承诺 (a repair application's commitment). */
  commitment: string | null;
  /** What the applicant says shows the penalty was fulfilled. */
  evidence: string | null;
  filedAt: string;
  updatedAt: string;
  version: number;
  history: TicketStep[];
}

/** What the public sees of a ticket by its number: never the claimant, never the subject's contact details. */
export interface PublicTicket {
  ticket: string;
  type: TicketType;
  status: TicketStatus;
  outcome: string | null;
  reasons: string | null;
  subjectName: string | null;
  filedAt: string;
  updatedAt: string;
  history: Array<{ at: string; status: TicketStatus; outcome?: string; note?: string }>;
}

export function publicView(t: Ticket): PublicTicket {
  return {
    ticket: t.number, type: t.type, status: t.status, outcome: t.outcome, reasons: t.reasons,
    subjectName: t.subject?.name ?? null, filedAt: t.filedAt, updatedAt: t.updatedAt,
    history: t.history.map((h) => ({ at: h.at, status: h.status, ...(h.outcome ? { outcome: h.outcome } : {}), ...(h.note ? { note: h.note } : {}) })),
  };
}
