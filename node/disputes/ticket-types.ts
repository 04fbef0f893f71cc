/** What a ticket is about: a credit repair application (信用修复), an objection (异议) or a complaint (投诉). */
export type TicketType = 'repair' | 'objection' | 'complaint';
export const TICKET_TYPES: readonly TicketType[] = ['repair', 'objection', 'complaint'];

/** received → in_review → resolved; forwarded while it travels to the deciding node. */
export type TicketStatus = 'received' | 'forwarded' | 'in_review' | 'resolved';

/** A repair is approved or refused. */
export type RepairOutcome = 'approved' | 'refused';

/** What each type of ticket may end with (the deciding unit picks one). */
export const OUTCOMES: Readonly<Record<TicketType, readonly string[]>> = {
  repair: ['approved', 'refused'],
  objection: ['upheld', 'corrected', 'revoked', 'rejected'],
  complaint: ['substantiated', 'unsubstantiated', 'rejected'],
};

/** Outcomes that need reasons (the claimant is told why). */
export const OUTCOMES_WITH_REASONS: ReadonlySet<string> = new Set(['refused', 'rejected', 'upheld', 'unsubstantiated']);

/** The step an open ticket waits at: reaching the deciding unit (forward), or its decision (decide). */
export type TicketStepName = 'forward' | 'decide';

/** Categories whose records are 失信信息 a subject may apply to repair (licences, honours and registrations are not). */
export const REPAIRABLE_CATEGORIES: ReadonlySet<string> = new Set(['administrative_penalty', 'serious_dishonesty_list', 'abnormal_operation_list', 'bidding', 'construction']);

/** Grounds of an objection (CONTRACT.md). */
export const OBJECTION_REASONS: Readonly<Record<string, string>> = {
  wrong: '信息内容有误', missing: '信息有遗漏', duplicated: '信息重复', not_public: '不应当社会公开',
  overdue: '超过公示期限仍在公示', inconsistent: '与原始决定文书不一致',
};

/** Sectors a complaint may name (the competent authority's field); routing is in config disputes.complaintRoutes. */
export const COMPLAINT_SECTORS: Readonly<Record<string, string>> = {
  market: '市场监管', tax: '税务', environment: '生态环境', court: '法院', construction: '住房城乡建设',
  transport: '交通运输', hrss: '人力资源社会保障', health: '卫生健康', finance: '金融', other: '其他',
};

/** An evidence file as a ticket lists it; the first version of the ticket's event also carries `content` (base64). */
export interface TicketEvidence { name: string; type: string; size: number; sha256: string; content?: string }

export const TYPE_LABELS: Readonly<Record<TicketType, string>> = { repair: '信用修复申请', objection: '异议申请', complaint: '投诉' };
export const STATUS_LABELS: Readonly<Record<TicketStatus, string>> = { received: '已受理', forwarded: '已转交办理单位', in_review: '办理中', resolved: '已办结' };
export const OUTCOME_LABELS: Readonly<Record<string, string>> = {
  approved: '准予修复', refused: '不予修复', upheld: '维持原信息', corrected: '已更正', revoked: '已撤销', rejected: '不予受理',
  substantiated: '投诉属实，已依法处理', unsubstantiated: '经核查投诉不属实',
};

/** The person who filed it; shown only to the handling unit, never on a public page. */
export interface Claimant { name: string; phone: string }

export interface TicketStep { at: string; node: string; status: TicketStatus; outcome?: string; note?: string; due?: string }

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
  /** Objections: the ground (OBJECTION_REASONS). */
  reason?: string | null;
  /** Complaints: the sector named (COMPLAINT_SECTORS). */
  sector?: string | null;
  /** The category of the record (objections route like the record, so its 异议处理中 mark reaches every portal showing it). */
  recordCategory?: string | null;
  /** The step it waits at and the last day for it (China day, inclusive); null once resolved. */
  step?: TicketStepName | null;
  dueOn?: string | null;
  /** The due day ran into a year without a holiday table and counted Monday to Friday there. */
  dueProvisional?: boolean;
  evidenceFiles?: TicketEvidence[];
  /** Objections corrected: the record's new version. */
  correctedVersion?: number | null;
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
  /** The last day of the current step (China day), null once resolved. */
  due: string | null;
  recordId: string | null;
  history: Array<{ at: string; status: TicketStatus; outcome?: string; note?: string }>;
}

export function publicView(t: Ticket): PublicTicket {
  return {
    ticket: t.number, type: t.type, status: t.status, outcome: t.outcome, reasons: t.reasons,
    subjectName: t.subject?.name ?? null, filedAt: t.filedAt, updatedAt: t.updatedAt, due: t.dueOn ?? null, recordId: t.recordId,
    history: t.history.map((h) => ({ at: h.at, status: h.status, ...(h.outcome ? { outcome: h.outcome } : {}), ...(h.note ? { note: h.note } : {}) })),
  };
}
