import { randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { EventLog } from '../exchange/event-log.ts';
import type { RecordService } from '../records/service.ts';
import { SYSTEM_PRINCIPAL, can, type Principal } from '../access/roles.ts';
import { BadRequest, Conflict, Forbidden, NotFound } from '../errors.ts';
import { chinaDay, isPubliclyVisible } from '../publicity/visibility.ts';
import { repairOpensOn } from '../publicity/repair.ts';
import { ticketsRepo, type TicketFilter } from './tickets-repo.ts';
import { TICKET_TYPES, publicView, type PublicTicket, type Ticket, type TicketStatus, type TicketType } from './ticket-types.ts';

/** Categories whose records are 失信信息 a subject may apply to repair (licences, honours and registrations are not). */
export const REPAIRABLE_CATEGORIES: ReadonlySet<string> = new Set(['administrative_penalty', 'serious_dishonesty_list', 'abnormal_operation_list', 'bidding', 'construction']);

const LIMITS = { name: 50, phone: 20, text: 2000 } as const;

export interface RepairApplication {
  recordId: unknown;
  claimant: { name?: unknown; phone?: unknown } | undefined;
  commitment: unknown;
  evidence: unknown;
  description?: unknown;
}

export interface TicketServiceDeps {
  db: Knex;
  clock: Clock;
  nodeId: string;
  eventLog: EventLog;
  records: RecordService;
  log: Logger;
  /** Ends the record's publicity at its origin (a new version with status repaired), in the ticket's transaction. */
  onRepairApproved: (trx: Knex.Transaction, recordId: string, at: string) => Promise<void>;
}

type Problem = { path: string; message: string };

function text(v: unknown, path: string, label: string, min: number, max: number, problems: Problem[]): string {
  const s = typeof v === 'string' ? v.trim() : '';
  if (s.length < min) problems.push({ path, message: min <= 1 ? `请填写${label}` : `${label}至少 ${min} 个字` });
  else if (s.length > max) problems.push({ path, message: `${label}最多 ${max} 个字` });
  return s;
}

/** A ticket number: type prefix, the filing day, eight random digits (not guessable from another number). */
function ticketNumber(type: TicketType, day: string): string {
  const prefix = { repair: 'XF', objection: 'YY', complaint: 'TS' }[type];
  return `${prefix}${day.replace(/-/g, '')}${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

/**
 * Tickets across the federation (DESIGN.md §6): filed on any portal, decided by the node the record came from,
 * answered back to the node where they were filed. Every change is a `ticket` event carrying the whole ticket,
 * so each node on the way keeps the same state (tickets table) and the exchange routes it by `to`.
 */
export class TicketService {
  constructor(private readonly deps: TicketServiceDeps) {}

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
    if (problems.length) throw new BadRequest(problems.map((p) => p.message).join('；'), problems);

    const record = await this.deps.records.get(recordId, SYSTEM_PRINCIPAL).catch((err: unknown) => {
      if (err instanceof NotFound) throw new NotFound(`未找到信用记录：${recordId}`, [{ path: 'recordId', message: '没有这条记录' }]);
      throw err;
    });
    const now = this.deps.clock();
    const today = chinaDay(now);
    const visible = isPubliclyVisible({ publicity: record.publicity, status: record.status, publish_from: record.publishFrom, publish_until: record.publishUntil }, today);
    if (!visible) throw new BadRequest('该记录当前未在公示，无需申请信用修复', [{ path: 'recordId', message: '记录未公示' }]);
    if (record.subject.type === 'natural_person') throw new BadRequest('自然人的信用修复请到办理窗口申请', [{ path: 'recordId', message: '自然人记录' }]);
    if (!REPAIRABLE_CATEGORIES.has(record.category)) throw new BadRequest('该类信息不属于失信信息，不适用信用修复', [{ path: 'recordId', message: '类别不适用' }]);
    const opens = repairOpensOn(record.severity, record.decisionDate);
    if (today < opens) throw new BadRequest(`该记录最短公示期未满，${opens} 起可以申请信用修复`, [{ path: 'recordId', message: `${opens} 起可申请` }]);
    if ((await ticketsRepo.openFor(this.deps.db, 'repair', [record.id])).size > 0) throw new Conflict('该记录已有正在办理的信用修复申请，请按受理编号查询进度');

    const at = now.toISOString();
    const handler = record.origin;
    const status: TicketStatus = handler === this.deps.nodeId ? 'received' : 'forwarded';
    const ticket: Ticket = {
      number: ticketNumber('repair', today), type: 'repair', status, outcome: null, reasons: null,
      from: this.deps.nodeId, handler, to: handler, region: record.subjectRegion,
      recordId: record.id, subject: { key: record.subject.code, name: record.subject.name, code: record.subject.code }, sourceUnit: record.sourceUnit,
      claimant: { name, phone }, description, commitment, evidence,
      filedAt: at, updatedAt: at, version: 1,
      history: [{ at, node: this.deps.nodeId, status, note: status === 'forwarded' ? `已转交信息来源单位（${record.sourceUnit.name}）办理` : '已受理' }],
    };
    await this.deps.db.transaction(async (trx) => {
      await ticketsRepo.put(trx, ticket);
      await this.deps.eventLog.append(trx, [{ kind: 'ticket', entityId: ticket.number, op: 'create', body: ticket }], at);
    });
    this.deps.log.info({ ticket: ticket.number, type: ticket.type, handler }, 'ticket filed');
    return publicView(ticket);
  }

  /** What the public sees by ticket number. */
  async lookup(number: unknown): Promise<PublicTicket> {
    const n = typeof number === 'string' ? number.trim().toUpperCase() : '';
    if (!/^[A-Z]{2}\d{16}$/.test(n)) throw new BadRequest('受理编号格式不正确', [{ path: 'number', message: '受理编号为 2 个字母加 16 位数字' }]);
    const t = await ticketsRepo.get(this.deps.db, n);
    if (!t) throw new NotFound(`未找到受理编号为 ${n} 的申请；刚提交的申请可能需要几分钟才能同步到本平台`);
    return publicView(t);
  }

  /** Tickets this node decides, for an operator (all) or a clerk (their own source unit's). */
  async list(principal: Principal, f: Omit<TicketFilter, 'handler' | 'sourceUnit'> = {}, limit = 100): Promise<Ticket[]> {
    const scope = this.handlingScope(principal);
    return ticketsRepo.list(this.deps.db, { ...f, handler: this.deps.nodeId, ...(scope ? { sourceUnit: scope } : {}) }, Math.min(Math.max(1, limit), 500));
  }

  async show(principal: Principal, number: string): Promise<Ticket> {
    const t = await ticketsRepo.get(this.deps.db, number);
    if (!t) throw new NotFound(`未找到受理编号为 ${number} 的申请`);
    const scope = this.handlingScope(principal);
    if (scope && t.sourceUnit?.code !== scope) throw new Forbidden('该申请不由您所在单位办理');
    return t;
  }

  /**
   * The deciding unit's answer (here, at the ticket's handler node only): a repair approved ends the record's
   * publicity (a new version at its origin), refused needs reasons. The answer travels back to the filing node.
   */
  async resolve(principal: Principal, number: string, decision: { outcome?: unknown; reasons?: unknown }): Promise<Ticket> {
    const t = await this.show(principal, number);
    if (t.handler !== this.deps.nodeId) throw new Forbidden(`该申请由节点 ${t.handler} 办理，本节点不能作出决定`);
    if (t.status === 'resolved') throw new Conflict(`该申请已于 ${t.updatedAt} 办结`);
    const outcomes = t.type === 'repair' ? ['approved', 'refused'] : ['upheld', 'corrected', 'revoked', 'rejected'];
    const outcome = typeof decision.outcome === 'string' ? decision.outcome : '';
    if (!outcomes.includes(outcome)) throw new BadRequest(`办理结果须为 ${outcomes.join('、')} 之一`, [{ path: 'outcome', message: `可选：${outcomes.join('、')}` }]);
    const problems: Problem[] = [];
    const reasons = text(decision.reasons ?? '', 'reasons', '理由', outcome === 'refused' || outcome === 'rejected' ? 2 : 0, LIMITS.text, problems);
    if (problems.length) throw new BadRequest(problems.map((p) => (outcome === 'refused' ? `不予修复须说明理由：${p.message}` : p.message)).join('；'), problems);
    const at = this.deps.clock().toISOString();
    const next: Ticket = {
      ...t, status: 'resolved', outcome, reasons: reasons || null, to: t.from, updatedAt: at, version: t.version + 1,
      history: [...t.history, { at, node: this.deps.nodeId, status: 'resolved', outcome, ...(reasons ? { note: reasons } : {}) }],
    };
    await this.deps.db.transaction(async (trx) => {
      if (t.type === 'repair' && outcome === 'approved' && t.recordId) await this.deps.onRepairApproved(trx, t.recordId, at);
      await ticketsRepo.put(trx, next);
      await this.deps.eventLog.append(trx, [{ kind: 'ticket', entityId: next.number, op: 'update', body: next }], at);
    });
    this.deps.log.info({ ticket: next.number, outcome, by: principal.username }, 'ticket resolved');
    return next;
  }

  /** Ticket events received from other nodes: each node on the way keeps the latest version. */
  async applyRemote(trx: Knex.Transaction, events: Array<{ origin: string; seq: number; body: unknown }>): Promise<void> {
    for (const ev of events) {
      const t = ev.body as Ticket;
      if (!t || typeof t.number !== 'string' || !TICKET_TYPES.includes(t.type) || typeof t.version !== 'number' || !Array.isArray(t.history)) {
        this.deps.log.warn({ origin: ev.origin, seq: ev.seq }, 'ticket event with an unreadable body: kept in the log, not applied');
        continue;
      }
      await ticketsRepo.put(trx, t);
    }
  }

  /** undefined: every ticket of this node; a source unit code: a clerk's own unit only. */
  private handlingScope(p: Principal): string | undefined {
    if (can(p.role, 'node:operate')) return undefined;
    if (p.role === 'clerk' && p.sourceUnit) return p.sourceUnit;
    throw new Forbidden(`当前角色（${p.role}）不能办理申请`);
  }
}
