import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { DisputesConfig } from '../config/types.ts';
import type { DirectoryEntry } from '../exchange/directory.ts';
import type { EventLog } from '../exchange/event-log.ts';
import type { RecordService } from '../records/service.ts';
import { recordsRepo } from '../records/repo.ts';
import { SYSTEM_PRINCIPAL, can, type Principal } from '../access/roles.ts';
import { BadRequest, Conflict, Forbidden, NotFound } from '../errors.ts';
import { chinaDay, isPubliclyVisible } from '../publicity/visibility.ts';
import { repairOpensOn } from '../publicity/repair.ts';
import type { EvidenceFile } from './evidence.ts';
import { evidenceForEvent, evidenceFromEvent } from './evidence.ts';
import type { Deadlines, Due } from './deadlines.ts';
import { routeComplaint } from './complaint-routing.ts';
import { LIMITS, readComplaint, readObjection, refuseIf, text, ticketNumber, type ComplaintInput, type ObjectionInput, type Problem } from './filing.ts';
import { ticketMessages, type TicketNotice } from './messages.ts';
import { ticketsRepo, type TicketFilter } from './tickets-repo.ts';
import { OUTCOMES, OUTCOMES_WITH_REASONS, REPAIRABLE_CATEGORIES, TICKET_TYPES, publicView, type PublicTicket, type Ticket, type TicketStatus, type TicketStep, type TicketType } from './ticket-types.ts';

export { REPAIRABLE_CATEGORIES } from './ticket-types.ts';

export interface RepairApplication {
  recordId: unknown;
  claimant: { name?: unknown; phone?: unknown } | undefined;
  commitment: unknown;
  evidence: unknown;
  description?: unknown;
}

/** Where notifications of ticket changes go (notify/outbox.ts), in the ticket's transaction. */
export interface TicketNotifier {
  enqueue(trx: Knex.Transaction, items: TicketNotice[]): Promise<number>;
}

export interface TicketServiceDeps {
  db: Knex;
  clock: Clock;
  nodeId: string;
  eventLog: EventLog;
  records: RecordService;
  log: Logger;
  deadlines: Deadlines;
  disputes: Pick<DisputesConfig, 'complaintRoutes'>;
  /** The federation's directory (complaint routing, the parent of a late unit). */
  directory: { snapshot(): Promise<DirectoryEntry[]> };
  notifier: TicketNotifier;
  /** Called after a transaction that queued notifications committed (sends them soon). */
  onNotified?: () => void;
  /** Ends the record's publicity at its origin (a new version with status repaired), in the ticket's transaction. */
  onRepairApproved: (trx: Knex.Transaction, recordId: string, at: string) => Promise<void>;
  /** Revokes the record at its origin (status revoked: it leaves public view at once), in the ticket's transaction. */
  onRecordRevoked: (trx: Knex.Transaction, recordId: string, at: string) => Promise<void>;
  /** Writes the corrected record as a new version (status corrected) at its origin; its version. */
  onRecordCorrected: (trx: Knex.Transaction, recordId: string, corrected: unknown) => Promise<number>;
  /** A ticket about a subject was decided here or arrived decided (the credit evaluation reads decided tickets). */
  onDecided?: ((trx: Knex.Transaction, subjectKey: string) => Promise<void>) | undefined;
}

/** A decision on a ticket: the outcome, reasons (a note), and for a correction the corrected record. */
export interface Decision { outcome?: unknown; reasons?: unknown; record?: unknown }

/**
 * Tickets across the federation (DESIGN.md §6): filed on any portal, decided by the node the record came from
 * (a complaint: the competent authority's node), answered back to the node where they were filed. Every change is
 * a `ticket` event carrying the whole ticket, so each node on the way keeps the same state (tickets table), the
 * exchange routes it by `to`, and an objection also goes wherever its record goes (its 异议处理中 mark).
 */
export class TicketService {
  constructor(private readonly deps: TicketServiceDeps) {}

  private today(): string {
    return chinaDay(this.deps.clock());
  }

  /** A public record of an organisation, as a ticket about it needs it. */
  private async publicRecord(recordId: string, what: string) {
    const record = await this.deps.records.get(recordId, SYSTEM_PRINCIPAL).catch((err: unknown) => {
      if (err instanceof NotFound) throw new NotFound(`未找到信用记录：${recordId}`, [{ path: 'recordId', message: '没有这条记录' }]);
      throw err;
    });
    const visible = isPubliclyVisible({ publicity: record.publicity, status: record.status, publish_from: record.publishFrom, publish_until: record.publishUntil }, this.today());
    if (!visible) throw new BadRequest(`该记录当前未在公示，${what}`, [{ path: 'recordId', message: '记录未公示' }]);
    if (record.subject.type === 'natural_person') throw new BadRequest('自然人的信用信息请到办理窗口提出申请', [{ path: 'recordId', message: '自然人记录' }]);
    return record;
  }

  /** The first version of a ticket: its step and due day, stored and sent with its evidence. */
  private async file(base: Omit<Ticket, 'number' | 'status' | 'outcome' | 'reasons' | 'from' | 'to' | 'filedAt' | 'updatedAt' | 'version' | 'history' | 'step' | 'dueOn'>, firstNote: string, files: EvidenceFile[]): Promise<PublicTicket> {
    const now = this.deps.clock();
    const day = chinaDay(now);
    const at = now.toISOString();
    const here = base.handler === this.deps.nodeId;
    const due = this.deps.deadlines.atFiling(base.type, day, here);
    const status: TicketStatus = here ? 'received' : 'forwarded';
    const steps: TicketStep[] = [{ at, node: this.deps.nodeId, status: 'received', note: firstNote, ...(here ? { due: due.dueOn } : {}) }];
    if (!here) steps.push({ at, node: this.deps.nodeId, status: 'forwarded', note: `已转交${base.sourceUnit ? `信息来源单位（${base.sourceUnit.name}）` : `办理单位（${base.handler}）`}办理`, due: due.dueOn });
    const ticket: Ticket = {
      ...base, number: ticketNumber(base.type, day), status, outcome: null, reasons: null, from: this.deps.nodeId, to: base.handler,
      filedAt: at, updatedAt: at, version: 1, history: steps, ...dueFields(due),
      ...(files.length ? { evidenceFiles: evidenceForEvent(files) } : {}),
    };
    await this.commit(ticket, 'create');
    this.deps.log.info({ ticket: ticket.number, type: ticket.type, handler: ticket.handler, due: ticket.dueOn }, 'ticket filed');
    return publicView(ticket);
  }

  /** 信用修复: checks the record may be repaired now, then files the application for its origin to decide. */
  async fileRepair(input: RepairApplication): Promise<PublicTicket> {
    const problems: Problem[] = [];
    const recordId = text(input.recordId, 'recordId', '信用记录编号', 1, 36, problems);
    const name = text(input.claimant?.name, 'claimant.name', '申请人姓名', 1, LIMITS.name, problems);
    const phone = text(input.claimant?.phone, 'claimant.phone', '联系电话', 1, LIMITS.phone, problems);
    if (phone && !/^[0-9+\-\s]{7,20}$/.test(phone)) problems.push({ path: 'claimant.phone', message: '联系电话只能包含数字、空格、+ 和 -，7 到 20 位' });
    const commitment = text(input.commitment, 'commitment', '信用承诺', 10, LIMITS.text, problems);
    const evidence = text(input.evidence, 'evidence', '已履行处罚义务的说明', 10, LIMITS.text, problems);
    const description = text(input.description ?? '', 'description', '补充说明', 0, LIMITS.text, problems);
    refuseIf(problems);
    const record = await this.publicRecord(recordId, '无需申请信用修复');
    if (!REPAIRABLE_CATEGORIES.has(record.category)) throw new BadRequest('该类信息不属于失信信息，不适用信用修复', [{ path: 'recordId', message: '类别不适用' }]);
    const opens = repairOpensOn(record.severity, record.decisionDate);
    if (this.today() < opens) throw new BadRequest(`该记录最短公示期未满，${opens} 起可以申请信用修复`, [{ path: 'recordId', message: `${opens} 起可申请` }]);
    if ((await ticketsRepo.openFor(this.deps.db, 'repair', [record.id])).size > 0) throw new Conflict('该记录已有正在办理的信用修复申请，请按受理编号查询进度');
    return this.file({
      type: 'repair', handler: record.origin, region: record.subjectRegion, recordId: record.id, recordCategory: record.category,
      subject: { key: record.subject.code, name: record.subject.name, code: record.subject.code }, sourceUnit: record.sourceUnit,
      claimant: { name, phone }, description, commitment, evidence,
    }, '已受理', []);
  }

  /**
   * 异议: about a record shown to the public; marked 异议处理中 at once here (and wherever the ticket reaches),
   * decided by the record's origin.
   */
  async fileObjection(input: ObjectionInput, files: EvidenceFile[] = []): Promise<PublicTicket> {
    const o = readObjection(input);
    const record = await this.publicRecord(o.recordId, '不能提出异议');
    if (o.subjectCode && o.subjectCode.toUpperCase() !== record.subject.code) throw new BadRequest('统一社会信用代码与该记录的主体不一致', [{ path: 'subjectCode', message: '与记录不一致' }]);
    if ((await ticketsRepo.openFor(this.deps.db, 'objection', [record.id])).size > 0) throw new Conflict('该记录已有正在办理的异议申请，请按受理编号查询进度');
    return this.file({
      type: 'objection', handler: record.origin, region: record.subjectRegion, recordId: record.id, recordCategory: record.category,
      subject: { key: record.subject.code, name: record.subject.name, code: record.subject.code }, sourceUnit: record.sourceUnit,
      claimant: o.claimant, description: o.description, commitment: null, evidence: null, reason: o.reason,
    }, '已受理，已在公示信息上标注“异议处理中”', files);
  }

  /** 投诉: about an organisation of the store, routed to the competent authority's node by sector and region. */
  async fileComplaint(input: ComplaintInput, files: EvidenceFile[] = []): Promise<PublicTicket> {
    const c = readComplaint(input);
    const subject = (await recordsRepo.subjectsByKeys(this.deps.db, [c.subjectCode])).get(c.subjectCode);
    if (!subject) throw new NotFound('未找到被投诉的企业或组织，请核对统一社会信用代码', [{ path: 'subjectCode', message: '本平台没有该主体' }]);
    const region = subject.region ?? (/^[0-9A-Z]{2}\d{6}/.test(c.subjectCode) ? c.subjectCode.slice(2, 8) : null);
    const route = routeComplaint(this.deps.disputes.complaintRoutes, await this.deps.directory.snapshot(), region, c.sector, this.deps.nodeId);
    return this.file({
      type: 'complaint', handler: route.node, region, recordId: null, recordCategory: null,
      subject: { key: c.subjectCode, name: subject.name, code: c.subjectCode }, sourceUnit: null,
      claimant: c.claimant, description: c.description, commitment: null, evidence: null, sector: c.sector,
    }, '已受理', files);
  }

  /** What the public sees by ticket number (of one type when `type` is given). */
  async lookup(number: unknown, type?: TicketType): Promise<PublicTicket> {
    const n = typeof number === 'string' ? number.trim().toUpperCase() : '';
    if (!/^[A-Z]{2}\d{16}$/.test(n)) throw new BadRequest('受理编号格式不正确', [{ path: 'number', message: '受理编号为 2 个字母加 16 位数字' }]);
    const t = await ticketsRepo.get(this.deps.db, n);
    if (!t || (type && t.type !== type)) throw new NotFound(`未找到受理编号为 ${n} 的申请；刚提交的申请可能需要几分钟才能同步到本平台`);
    return publicView(t);
  }

  /** Tickets this node decides, for an operator (all) or a clerk (their own source unit's). */
  async list(principal: Principal, f: Omit<TicketFilter, 'handler' | 'sourceUnit'> & { overdue?: boolean } = {}, limit = 100): Promise<Ticket[]> {
    const scope = this.handlingScope(principal);
    const { overdue, ...rest } = f;
    return ticketsRepo.list(this.deps.db, { ...rest, handler: this.deps.nodeId, ...(scope ? { sourceUnit: scope } : {}), ...(overdue ? { overdueOn: this.today() } : {}) }, Math.min(Math.max(1, limit), 500));
  }

  async show(principal: Principal, number: string): Promise<Ticket> {
    const t = await ticketsRepo.get(this.deps.db, number.trim().toUpperCase());
    if (!t) throw new NotFound(`未找到受理编号为 ${number} 的申请`);
    const scope = this.handlingScope(principal);
    if (scope && t.sourceUnit?.code !== scope) throw new Forbidden('该申请不由您所在单位办理');
    return t;
  }

  /** One evidence file of a ticket (its handling unit's operators and clerks), read from the ticket's first event. */
  async evidenceFile(principal: Principal, number: string, index: number): Promise<EvidenceFile> {
    const t = await this.show(principal, number);
    const at = await ticketsRepo.firstEvent(this.deps.db, t.number);
    const [first] = at ? await this.deps.eventLog.eventsOf(this.deps.db, at.origin, at.seq - 1, 1) : [];
    const body = first?.entityId === t.number ? (first.body as Record<string, unknown>) : undefined;
    const file = evidenceFromEvent(body?.['evidenceFiles'])[index];
    if (!file) throw new NotFound(`申请 ${t.number} 没有第 ${index + 1} 份证明材料`);
    return file;
  }

  /**
   * The deciding unit's answer (at the ticket's handler node only). A repair approved ends the record's
   * publicity; an objection corrected writes the corrected record as a new version, revoked revokes the
   * record (both here, at its origin); refusals and rejections need reasons. The answer travels back.
   */
  async resolve(principal: Principal, number: string, decision: Decision): Promise<Ticket> {
    const t = await this.show(principal, number);
    if (t.handler !== this.deps.nodeId) throw new Forbidden(`该申请由节点 ${t.handler} 办理，本节点不能作出决定`);
    if (t.status === 'resolved') throw new Conflict(`该申请已于 ${t.updatedAt} 办结`);
    const outcomes = OUTCOMES[t.type];
    const outcome = typeof decision.outcome === 'string' ? decision.outcome : '';
    if (!outcomes.includes(outcome)) throw new BadRequest(`办理结果须为 ${outcomes.join('、')} 之一`, [{ path: 'outcome', message: `可选：${outcomes.join('、')}` }]);
    const problems: Problem[] = [];
    const reasons = text(decision.reasons ?? '', 'reasons', '理由', OUTCOMES_WITH_REASONS.has(outcome) ? 2 : 0, LIMITS.text, problems);
    if (problems.length) throw new BadRequest(problems.map((p) => `${outcome === 'refused' ? '不予修复' : '该办理结果'}须说明理由：${p.message}`).join('；'), problems);
    if (outcome === 'corrected' && (decision.record === undefined || decision.record === null)) {
      throw new BadRequest('更正须提供更正后的信用记录（--record-file 或 record）', [{ path: 'record', message: '必填' }]);
    }
    const at = this.deps.clock().toISOString();
    const next: Ticket = {
      ...t, status: 'resolved', outcome, reasons: reasons || null, to: t.from, updatedAt: at, version: t.version + 1, step: null, dueOn: null,
      history: [...t.history, { at, node: this.deps.nodeId, status: 'resolved', outcome, ...(reasons ? { note: reasons } : {}) }],
    };
    await this.commit(next, 'update', async (trx) => {
      if (next.subject) await this.deps.onDecided?.(trx, next.subject.key);
      if (!t.recordId) return;
      if (t.type === 'repair' && outcome === 'approved') await this.deps.onRepairApproved(trx, t.recordId, at);
      if (t.type === 'objection' && outcome === 'revoked') await this.deps.onRecordRevoked(trx, t.recordId, at);
      if (t.type === 'objection' && outcome === 'corrected') next.correctedVersion = await this.deps.onRecordCorrected(trx, t.recordId, decision.record);
    });
    this.deps.log.info({ ticket: next.number, outcome, by: principal.username }, 'ticket resolved');
    return next;
  }

  /**
   * Ticket events received from other nodes: each node on the way keeps the latest version; the deciding node
   * acknowledges a forwarded ticket at once (in_review, with the decision's due day), in the same transaction.
   */
  async applyRemote(trx: Knex.Transaction, events: Array<{ origin: string; seq: number; body: unknown }>): Promise<void> {
    for (const ev of events) {
      const t = ev.body as Ticket;
      if (!t || typeof t.number !== 'string' || !TICKET_TYPES.includes(t.type) || typeof t.version !== 'number' || !Array.isArray(t.history)) {
        this.deps.log.warn({ origin: ev.origin, seq: ev.seq }, 'ticket event with an unreadable body: kept in the log, not applied');
        continue;
      }
      if (!(await ticketsRepo.put(trx, t, { origin: ev.origin, seq: ev.seq }))) continue;
      await this.notify(trx, t);
      if (t.status === 'resolved' && t.subject) await this.deps.onDecided?.(trx, t.subject.key);
      if (t.handler === this.deps.nodeId && t.status === 'forwarded') await this.receive(trx, t);
    }
  }

  private async receive(trx: Knex.Transaction, t: Ticket): Promise<void> {
    const now = this.deps.clock();
    const at = now.toISOString();
    const due = this.deps.deadlines.atReceipt(t.type, chinaDay(now), chinaDay(new Date(t.filedAt)));
    const next: Ticket = {
      ...t, status: 'in_review', updatedAt: at, version: t.version + 1, ...dueFields(due),
      history: [...t.history, { at, node: this.deps.nodeId, status: 'in_review', note: `${t.sourceUnit ? '信息来源单位' : '办理单位'}已收到，正在核实办理`, due: due.dueOn }],
    };
    // Only the first version carries the evidence files; the event log keeps them.
    if (next.evidenceFiles) next.evidenceFiles = next.evidenceFiles.map(({ content: _c, ...meta }) => meta);
    await ticketsRepo.put(trx, next);
    await this.deps.eventLog.append(trx, [{ kind: 'ticket', entityId: next.number, op: 'update', body: next }], at);
    await this.notify(trx, next);
  }

  /** Stores a version made here, its event and its notifications in one transaction. */
  private async commit(t: Ticket, op: 'create' | 'update', before?: (trx: Knex.Transaction) => Promise<void>): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      if (before) await before(trx);
      const [ev] = await this.deps.eventLog.append(trx, [{ kind: 'ticket', entityId: t.number, op, body: t }], t.updatedAt);
      await ticketsRepo.put(trx, t, ev ? { origin: this.deps.nodeId, seq: ev.seq } : undefined);
      await this.notify(trx, t);
    });
    this.deps.onNotified?.();
  }

  /** The claimant hears of every change from the node where they filed; the handling unit from its own node. */
  private async notify(trx: Knex.Transaction, t: Ticket): Promise<void> {
    const notices = ticketMessages(t, this.deps.nodeId);
    if (notices.length) await this.deps.notifier.enqueue(trx, notices);
  }

  /** undefined: every ticket of this node; a source unit code: a clerk's own unit only. */
  private handlingScope(p: Principal): string | undefined {
    if (can(p.role, 'node:operate')) return undefined;
    if (p.role === 'clerk' && p.sourceUnit) return p.sourceUnit;
    throw new Forbidden(`当前角色（${p.role}）不能办理申请`);
  }
}

function dueFields(due: Due): Pick<Ticket, 'step' | 'dueOn' | 'dueProvisional'> {
  return { step: due.step, dueOn: due.dueOn, dueProvisional: due.provisional };
}
