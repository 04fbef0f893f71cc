import type { Knex } from 'knex';
import type { Clock } from '../clock.ts';
import { BadRequest, type ErrorDetail } from '../errors.ts';
import { outboxRepo, type NotificationRow } from './outbox-repo.ts';

/** Who a notification is for: the person who filed the ticket, the unit that handles it, the operators it was escalated to. */
export type Audience = 'claimant' | 'handler' | 'escalation';
export const AUDIENCES: readonly Audience[] = ['claimant', 'handler', 'escalation'];

export type NotificationStatus = 'pending' | 'sent' | 'failed';
export const NOTIFICATION_STATUSES: readonly NotificationStatus[] = ['pending', 'sent', 'failed'];

export interface NotificationInput {
  /** The ticket number and the ticket version that caused it. */
  ticket: string;
  version: number;
  audience: Audience;
  /** A node id (handler, escalation: the unit's node) or 'claimant'. */
  recipient: string;
  /** The handling source unit's name (handler) if known. */
  unit?: string | null;
  /** The claimant's contact (claimant audience only; dropped for the others). */
  contact?: { name: string; phone: string } | null;
  /** filed, forwarded, in_review, resolved, overdue, ... */
  event: string;
  /** Chinese text, ready to send. */
  title: string;
  message: string;
}

export interface Notification extends NotificationInput {
  id: number;
  status: NotificationStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface NotificationCounts { pending: number; sent: number; failed: number }

/** Column widths (the migration's); text beyond them is cut rather than failing the ticket's transaction. */
const WIDTH = { ticket: 40, recipient: 64, unit: 200, contactName: 100, contactPhone: 40, event: 40, title: 200 } as const;
/** Stored sender errors are short (the column holds 500): enough to tell a timeout from a refusal. */
const ERROR_CHARS = 300;
export const MAX_LIST = 500;

const cut = (s: string, n: number) => ([...s].length > n ? [...s].slice(0, n).join('') : s);

function toNotification(r: NotificationRow): Notification {
  return {
    id: Number(r.id), ticket: r.ticket, version: Number(r.version), audience: r.audience as Audience, recipient: r.recipient,
    unit: r.unit, contact: r.contact_phone !== null || r.contact_name !== null ? { name: r.contact_name ?? '', phone: r.contact_phone ?? '' } : null,
    event: r.event, title: r.title, message: r.message, status: r.status as NotificationStatus, attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at, lastError: r.last_error, createdAt: r.created_at, sentAt: r.sent_at,
  };
}

/** A notification the workflow built wrong is a bug in the workflow: said plainly, in English, for the developer. */
function checkInput(n: NotificationInput): void {
  const bad = (what: string) => { throw new Error(`notification for ticket ${String(n.ticket)}: ${what}`); };
  if (typeof n.ticket !== 'string' || n.ticket.length === 0 || n.ticket.length > WIDTH.ticket) bad('ticket must be a ticket number');
  if (!Number.isInteger(n.version) || n.version < 1) bad('version must be a positive integer');
  if (!AUDIENCES.includes(n.audience)) bad(`unknown audience ${String(n.audience)}`);
  if (typeof n.recipient !== 'string' || n.recipient.length === 0 || n.recipient.length > WIDTH.recipient) bad('recipient must be a node id or claimant');
  if (typeof n.event !== 'string' || n.event.length === 0 || n.event.length > WIDTH.event) bad('event must be a short name');
  if (typeof n.title !== 'string' || n.title.trim().length === 0 || typeof n.message !== 'string') bad('title and message must be text');
}

/**
 * The notification outbox: the workflow enqueues in its own transaction (so a notification exists exactly when
 * the ticket change does), the dispatcher sends them afterwards and records the outcome. Delivery is at least
 * once: a node stopped between sending and recording sends again, and receivers deduplicate by `id`.
 */
export class Outbox {
  constructor(private readonly deps: { db: Knex; clock: Clock }) {}

  /**
   * Adds the notifications in the caller's transaction. A notification already there for the same ticket
   * version, audience and recipient (a replayed ticket event) is skipped. Returns how many were added.
   */
  async enqueue(trx: Knex.Transaction | Knex, items: readonly NotificationInput[]): Promise<number> {
    if (items.length === 0) return 0;
    const now = this.deps.clock().toISOString();
    const rows = items.map((n): Omit<NotificationRow, 'id'> => {
      checkInput(n);
      const contact = n.audience === 'claimant' && n.contact ? n.contact : null;
      return {
        ticket: n.ticket, version: n.version, audience: n.audience, recipient: n.recipient,
        unit: n.unit ? cut(n.unit, WIDTH.unit) : null,
        contact_name: contact ? cut(contact.name, WIDTH.contactName) : null,
        contact_phone: contact ? cut(contact.phone, WIDTH.contactPhone) : null,
        event: n.event, title: cut(n.title.trim(), WIDTH.title), message: n.message,
        status: 'pending', attempts: 0, next_attempt_at: now, last_error: null, created_at: now, sent_at: null,
      };
    });
    return outboxRepo.insertIgnore(trx, rows);
  }

  /** Pending notifications due now, oldest due first. */
  async due(limit: number): Promise<Notification[]> {
    return (await outboxRepo.due(this.deps.db, this.deps.clock().toISOString(), Math.max(1, limit))).map(toNotification);
  }

  async get(id: number): Promise<Notification | undefined> {
    const row = await outboxRepo.byId(this.deps.db, id);
    return row ? toNotification(row) : undefined;
  }

  /** Sent at `at`. Returns false when it was no longer pending. */
  async markSent(id: number, at: Date): Promise<boolean> {
    return (await outboxRepo.markSent(this.deps.db, id, at.toISOString())) > 0;
  }

  /**
   * One more failed attempt with the sender's error (cut short; callers mask contact details in it first):
   * tried again at `nextAttemptAt`, or, with null, failed for good.
   */
  async markFailed(id: number, error: string, nextAttemptAt: Date | null): Promise<boolean> {
    const text = cut(error.replace(/\s+/g, ' ').trim() || 'error', ERROR_CHARS);
    return (await outboxRepo.markFailed(this.deps.db, id, text, nextAttemptAt ? nextAttemptAt.toISOString() : null)) > 0;
  }

  /** Newest first, at most `limit` (1–500); BAD_REQUEST naming the field for a bad filter. */
  async list(filter: { ticket?: string | undefined; status?: string | undefined; audience?: string | undefined }, limit = 100): Promise<Notification[]> {
    const problems: ErrorDetail[] = [];
    if (filter.status !== undefined && !(NOTIFICATION_STATUSES as readonly string[]).includes(filter.status)) problems.push({ path: 'status', message: '发送状态 status 须为 pending、sent 或 failed' });
    if (filter.audience !== undefined && !(AUDIENCES as readonly string[]).includes(filter.audience)) problems.push({ path: 'audience', message: '通知对象 audience 须为 claimant、handler 或 escalation' });
    const ticket = filter.ticket?.trim().toUpperCase();
    if (ticket !== undefined && (ticket.length === 0 || ticket.length > WIDTH.ticket)) problems.push({ path: 'ticket', message: `办件编号 ticket 须为 1 到 ${WIDTH.ticket} 个字符` });
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST) problems.push({ path: 'limit', message: `条数 limit 须为 1 到 ${MAX_LIST} 之间的整数` });
    if (problems.length > 0) throw new BadRequest(problems.map((p) => p.message).join('；'), problems);
    return (await outboxRepo.list(this.deps.db, { ticket, status: filter.status, audience: filter.audience }, limit)).map(toNotification);
  }

  async counts(): Promise<NotificationCounts> {
    const out: NotificationCounts = { pending: 0, sent: 0, failed: 0 };
    for (const r of await outboxRepo.counts(this.deps.db)) {
      if (r.status === 'pending' || r.status === 'sent' || r.status === 'failed') out[r.status] = Number(r.n);
    }
    return out;
  }
}
