import type { NotificationInput } from '../notify/outbox.ts';
import { OUTCOME_LABELS, STATUS_LABELS, TYPE_LABELS, type Ticket } from './ticket-types.ts';

/** One notification of a ticket change (the outbox's input). */
export type TicketNotice = NotificationInput;

const about = (t: Ticket) => `${t.subject?.name ?? ''}${t.recordCategory ? '的信用记录' : ''}`;

/** What the claimant is told of this version. */
function toClaimant(t: Ticket): string {
  const kind = `您提交的${TYPE_LABELS[t.type]}（受理编号 ${t.number}）`;
  if (t.status === 'resolved') {
    const outcome = OUTCOME_LABELS[t.outcome ?? ''] ?? t.outcome ?? '';
    return `${kind}已办结：${outcome}。${t.reasons ? `理由：${t.reasons}。` : ''}可在信用网站“办件查询”中查看详情。`;
  }
  const due = t.dueOn ? `办理时限至 ${t.dueOn}。` : '';
  if (t.status === 'forwarded') return `${kind}已受理，并转交${t.sourceUnit ? `信息来源单位（${t.sourceUnit.name}）` : '主管部门'}办理，${due}`;
  if (t.status === 'in_review') return `${kind}已由${t.sourceUnit ? '信息来源单位' : '主管部门'}收到，正在核实办理，${due}`;
  return `${kind}已受理，${due}`;
}

/** What the handling unit is told of this version. */
function toHandler(t: Ticket): string {
  if (t.status === 'resolved') return `${TYPE_LABELS[t.type]} ${t.number}（${about(t)}）已办结：${OUTCOME_LABELS[t.outcome ?? ''] ?? t.outcome}。`;
  return `收到${TYPE_LABELS[t.type]} ${t.number}，涉及${about(t)}，请于 ${t.dueOn ?? '规定时限'} 前办理。`;
}

/**
 * Notifications of one ticket version as seen at node `self`: the claimant hears of every change from the node
 * where they filed, the handling unit from its own node, so each is sent once across the federation.
 */
export function ticketMessages(t: Ticket, self: string): TicketNotice[] {
  const out: TicketNotice[] = [];
  const event = t.status === 'resolved' ? `resolved:${t.outcome ?? ''}` : t.status;
  const title = `${TYPE_LABELS[t.type]} ${t.number}：${t.status === 'resolved' ? '已办结' : STATUS_LABELS[t.status]}`;
  if (t.from === self) out.push({ ticket: t.number, version: t.version, audience: 'claimant', recipient: 'claimant', unit: t.sourceUnit?.name ?? null, contact: { name: t.claimant.name, phone: t.claimant.phone }, event, title, message: toClaimant(t) });
  if (t.handler === self && t.status !== 'forwarded') out.push({ ticket: t.number, version: t.version, audience: 'handler', recipient: self, unit: t.sourceUnit?.name ?? null, contact: null, event, title, message: toHandler(t) });
  return out;
}

/** The parent platform's operators are told that a unit below has let a step pass its last day. */
export function escalationMessage(t: Ticket, self: string, handlerName: string): TicketNotice {
  const step = t.step === 'forward' ? '送达办理单位' : '作出办理决定';
  return {
    ticket: t.number, version: t.version, audience: 'escalation', recipient: self, unit: t.sourceUnit?.name ?? handlerName, contact: null,
    event: `overdue:${t.step ?? ''}`, title: `${TYPE_LABELS[t.type]} ${t.number} 已超期`,
    message: `${handlerName}${t.sourceUnit ? `（信息来源单位：${t.sourceUnit.name}）` : ''}办理的${TYPE_LABELS[t.type]} ${t.number} 未在 ${t.dueOn} 前${step}，已超过办理时限，请督办。`,
  };
}
