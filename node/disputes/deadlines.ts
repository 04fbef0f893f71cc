import type { DeadlinesConfig } from '../config/types.ts';
import type { WorkCalendar } from './calendar.ts';
import type { TicketStepName, TicketType } from './ticket-types.ts';

/** The step a ticket enters and its last day, counted in working days of the holiday calendar (DOMAIN.md §6). */
export interface Due { step: TicketStepName; dueOn: string; provisional: boolean }

/**
 * Time limits per step (config disputes.deadlines, DOMAIN.md §6 defaults):
 * - forward: the filing platform passes an objection, repair or complaint to the unit that decides within
 *   `forward` (complaints `complaintForward`) working days of filing; it is done when that unit has received it.
 * - decide: the deciding unit answers within `sourceDecide` working days of receiving an objection
 *   (`platformDecide` when the filing platform decides itself), `repairDecide` for a repair; a complaint is
 *   answered within `complaintAnswer` working days of its filing.
 * The mark 异议处理中 (`mark`, 1 day) is set at filing, the withdrawal after a revocation (`withdraw`) at the
 * decision: both are immediate here, so they never wait.
 */
export class Deadlines {
  constructor(private readonly calendar: WorkCalendar, private readonly limits: DeadlinesConfig) {}

  /** Filed on `day`: forwarded to another node, or decided where it was filed. */
  atFiling(type: TicketType, day: string, decidedHere: boolean): Due {
    if (!decidedHere) return this.after(day, type === 'complaint' ? this.limits.complaintForward : this.limits.forward, 'forward');
    return this.after(day, this.decideDays(type, true), 'decide');
  }

  /** Received by the deciding unit on `day` (a complaint keeps the day counted from its filing). */
  atReceipt(type: TicketType, day: string, filedOn: string): Due {
    if (type === 'complaint') return this.after(filedOn, this.limits.complaintAnswer, 'decide');
    return this.after(day, this.decideDays(type, false), 'decide');
  }

  private decideDays(type: TicketType, byPlatform: boolean): number {
    if (type === 'repair') return this.limits.repairDecide;
    if (type === 'complaint') return this.limits.complaintAnswer;
    return byPlatform ? this.limits.platformDecide : this.limits.sourceDecide;
  }

  private after(day: string, n: number, step: TicketStepName): Due {
    const r = this.calendar.addWorkingDaysLenient(day, n);
    return { step, dueOn: r.day, provisional: r.provisional };
  }
}
