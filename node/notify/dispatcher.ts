import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { scrub } from './mask.ts';
import type { Notification, Outbox } from './outbox.ts';
import type { NotificationSender } from './senders.ts';

export interface DispatchResult { sent: number; failed: number; retried: number }

export interface DispatcherDeps {
  outbox: Outbox;
  sender: NotificationSender;
  clock: Clock;
  log: Logger;
  /** Notifications per round (config notifications.batchSize). */
  batchSize: number;
  /** Attempts before a notification is failed for good (config notifications.maxAttempts). */
  maxAttempts: number;
  /** [0, 1) for the jitter; tests pass a constant. */
  random?: () => number;
  /** The wait of kick() (default 200 ms): a burst of changes makes one round. */
  kickDelayMs?: number;
}

const BACKOFF_BASE_MS = 30_000;
const BACKOFF_CAP_MS = 3600_000;

/**
 * The wait before the next attempt after `failures` failed ones (≥ 1): 30 s, 1 min, 2 min, ... at most 1 h,
 * each ±20 % so notifications that failed together (a gateway down) do not all come back at once.
 */
export function backoffMs(failures: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.min(BACKOFF_CAP_MS, Math.round(base * (0.8 + 0.4 * random())));
}

/** A sender's error as stored: the contact masked (the outbox cuts it short). */
export function failureText(err: unknown, n: Notification): string {
  return scrub(err instanceof Error ? err.message : String(err), n.contact);
}

/**
 * Sends due notifications from the outbox in rounds: on a cron schedule, and soon after kick() (a ticket
 * changed). One round at a time; a sender error puts the notification back with a backoff until maxAttempts,
 * then it is kept as failed for operators to see.
 */
export class NotificationDispatcher {
  private running: Promise<DispatchResult> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** A kick arrived during a round, after its batch was read: run again when it ends. */
  private again = false;
  private task: ScheduledTask | undefined;
  private stopped = false;

  constructor(private readonly deps: DispatcherDeps) {}

  /** One round (at most batchSize notifications). A call while a round runs gets that round's result; after stop() a round sends nothing. */
  runOnce(): Promise<DispatchResult> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
    return this.running;
  }

  /** Schedules a round soon (debounced), e.g. right after a ticket change was committed. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.guarded();
    }, this.deps.kickDelayMs ?? 200);
    this.timer.unref();
  }

  /** Runs rounds on the cron expression (config schedules.notify, China time), and one shortly after start. */
  start(expression: string): void {
    if (this.task || this.stopped) return;
    this.task = cron.schedule(expression, () => this.guarded(), { timezone: 'Asia/Shanghai', noOverlap: true, name: 'notifications' });
    this.kick();
  }

  /** Stops the schedule and waits for a round in flight (which stops after the notification it is sending). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.task) {
      await this.task.stop();
      await this.task.destroy();
      this.task = undefined;
    }
    await this.running?.catch(() => undefined);
  }

  /**
   * A scheduled round: failures are logged and the next round tries again. A full batch that delivered asks
   * for another at once; one that only failed (the gateway is down) waits for the schedule.
   */
  private async guarded(): Promise<void> {
    if (this.stopped) return;
    try {
      const r = await this.runOnce();
      if (r.sent > 0 && r.sent + r.failed + r.retried >= this.deps.batchSize) this.kick();
    } catch (err) {
      this.deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'notification round failed, will retry at the next round');
    }
  }

  private async round(): Promise<DispatchResult> {
    const { outbox, sender, clock, log, maxAttempts } = this.deps;
    const result: DispatchResult = { sent: 0, failed: 0, retried: 0 };
    const due = await outbox.due(this.deps.batchSize);
    for (const n of due) {
      if (this.stopped) break;
      let error: string | undefined;
      try {
        await sender.send(n);
      } catch (err) {
        error = failureText(err, n);
      }
      if (error === undefined) {
        await outbox.markSent(n.id, clock());
        result.sent += 1;
        continue;
      }
      const attempts = n.attempts + 1;
      const where = { notification: n.id, ticket: n.ticket, audience: n.audience, sender: sender.name, attempts, error };
      if (attempts >= maxAttempts) {
        await outbox.markFailed(n.id, error, null);
        result.failed += 1;
        log.error(where, 'notification not delivered, giving up');
      } else {
        const next = new Date(clock().getTime() + backoffMs(attempts, this.deps.random));
        await outbox.markFailed(n.id, error, next);
        result.retried += 1;
        log.warn({ ...where, nextAttemptAt: next.toISOString() }, 'notification not delivered, will retry');
      }
    }
    if (due.length > 0) log.debug({ ...result, sender: sender.name }, 'notification round');
    return result;
  }
}
