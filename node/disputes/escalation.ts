import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { scheduleJob, type ScheduledJob } from '../jobs/schedule.ts';
import type { DirectoryEntry } from '../exchange/directory.ts';
import { chinaDay } from '../publicity/visibility.ts';
import { escalationMessage } from './messages.ts';
import type { TicketNotifier } from './tickets.ts';
import { ticketsRepo, type TicketCount } from './tickets-repo.ts';

export interface EscalationDeps {
  db: Knex;
  clock: Clock;
  log: Logger;
  nodeId: string;
  /** This node has no parent: its own late steps are escalated to its own operators. */
  isTop: boolean;
  directory: { snapshot(): Promise<DirectoryEntry[]> };
  notifier: TicketNotifier;
  onNotified?: () => void;
}

/**
 * Overdue steps (DOMAIN.md §6): an open ticket whose step passed its last day is escalated to the parent
 * platform of the unit that holds it, once per step: that platform's node (which sees every ticket of its
 * children, as tickets travel through it) records the escalation and notifies its operators. The top node
 * escalates its own late tickets to itself.
 */
export async function escalateOverdue(deps: EscalationDeps): Promise<{ escalated: number }> {
  const now = deps.clock();
  const today = chinaDay(now);
  const late = await ticketsRepo.list(deps.db, { overdueOn: today }, 1000);
  if (late.length === 0) return { escalated: 0 };
  const entries = new Map((await deps.directory.snapshot()).map((e) => [e.id, e]));
  let escalated = 0;
  for (const t of late) {
    const parent = entries.get(t.handler)?.parent ?? null;
    const mine = parent === deps.nodeId || (t.handler === deps.nodeId && deps.isTop);
    if (!mine || !t.step || !t.dueOn) continue;
    const name = entries.get(t.handler)?.name ?? t.handler;
    const fresh = await deps.db.transaction(async (trx) => {
      const first = await ticketsRepo.escalate(trx, { number: t.number, step: t.step as string, dueOn: t.dueOn as string, handler: t.handler, at: now.toISOString() });
      if (first) await deps.notifier.enqueue(trx, [escalationMessage(t, deps.nodeId, name)]);
      return first;
    });
    if (fresh) {
      escalated += 1;
      deps.log.warn({ ticket: t.number, handler: t.handler, step: t.step, due: t.dueOn }, 'ticket step overdue: escalated to this platform');
    }
  }
  if (escalated) deps.onNotified?.();
  return { escalated };
}

export interface TicketStats {
  asOf: string;
  open: number;
  overdue: number;
  closed: number;
  byNode: TicketCount[];
  bySourceUnit: TicketCount[];
  /** Steps this node escalated (latest first), with whether the ticket is resolved since. */
  escalated: Array<{ number: string; step: string; dueOn: string; handler: string; at: string; resolved: boolean }>;
}

/** Open, overdue and closed tickets per handling node and per source unit, as this node knows them. */
export async function ticketStats(db: Knex, clock: Clock, nodeNames: Map<string, string>): Promise<TicketStats> {
  const today = chinaDay(clock());
  const [byNode, byUnit, names, escalated] = await Promise.all([
    ticketsRepo.counts(db, 'handler_node', today), ticketsRepo.counts(db, 'source_unit_code', today), ticketsRepo.unitNames(db), ticketsRepo.escalations(db, 50),
  ]);
  const sum = (k: 'open' | 'overdue' | 'closed') => byNode.reduce((n, c) => n + c[k], 0);
  return {
    asOf: today, open: sum('open'), overdue: sum('overdue'), closed: sum('closed'),
    byNode: byNode.map((c) => ({ ...c, name: c.key ? nodeNames.get(c.key) ?? null : null })),
    bySourceUnit: byUnit.filter((c) => c.key !== null).map((c) => ({ ...c, name: names.get(c.key as string) ?? null })),
    escalated,
  };
}

export type EscalationSchedule = ScheduledJob<{ escalated: number }>;

/** The escalation job on its cron (config schedules.escalate, China time) and once shortly after start. */
export function startEscalationSchedule(deps: EscalationDeps, expression: string, opts: { startDelayMs?: number } = {}): EscalationSchedule {
  return scheduleJob('ticket-escalation', expression, () => escalateOverdue(deps), { log: deps.log, failure: 'ticket escalation failed, will retry at the next run', startDelayMs: opts.startDelayMs ?? 1500 });
}
