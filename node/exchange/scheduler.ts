import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Config } from '../config/types.ts';
import { backoffDelay, type SyncClient } from './sync.ts';

type Direction = 'up' | 'down';

/**
 * When a node syncs with its parent (DESIGN.md §4): a push a few seconds after each local change (debounced),
 * the configured cron schedules as a catch-up, a round right after start (a node back from days offline
 * catches up by itself), and retries with exponential backoff and jitter after a failure.
 */
export class SyncScheduler {
  private tasks: ScheduledTask[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private pushTimer: NodeJS.Timeout | undefined;
  private running: Partial<Record<Direction, Promise<void>>> = {};
  private again: Partial<Record<Direction, boolean>> = {};
  private failures: Record<Direction, number> = { up: 0, down: 0 };
  private stopped = false;

  constructor(private readonly client: SyncClient, private readonly config: Config, private readonly log: Logger) {}

  start(): void {
    const { syncUp, syncDown } = this.config.schedules;
    if (syncUp) this.tasks.push(cron.schedule(syncUp, () => this.trigger('up'), { noOverlap: false }));
    if (syncDown) this.tasks.push(cron.schedule(syncDown, () => this.trigger('down'), { noOverlap: false }));
    this.later(() => { this.trigger('up'); this.trigger('down'); }, 200);
  }

  /** Called after every local change: one push within pushDelayMs, however many changes come meanwhile. */
  schedulePush(): void {
    if (this.stopped || this.pushTimer) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      this.trigger('up');
    }, this.config.exchange.pushDelayMs);
    this.pushTimer.unref();
  }

  /** Runs a sync now in one direction; if one is running, runs once more after it. */
  trigger(direction: Direction): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const current = this.running[direction];
    if (current) {
      this.again[direction] = true;
      return current;
    }
    const run = this.runOnce(direction).finally(() => {
      delete this.running[direction];
      if (this.again[direction] && !this.stopped) {
        this.again[direction] = false;
        void this.trigger(direction);
      }
    });
    this.running[direction] = run;
    return run;
  }

  private async runOnce(direction: Direction): Promise<void> {
    try {
      const result = await this.client.round({ up: direction === 'up', down: direction === 'down' });
      this.failures[direction] = 0;
      const moved = direction === 'up' ? result.up.sent : result.down.received;
      if (moved > 0) this.log.info({ direction, ...(direction === 'up' ? result.up : result.down) }, 'sync done');
    } catch (err) {
      const n = this.failures[direction]++;
      const { baseDelayMs, maxDelayMs } = this.config.exchange.retry;
      const delay = backoffDelay(Math.min(n, 30), baseDelayMs, maxDelayMs);
      this.log.warn({ direction, err: (err as Error).message, retryInMs: delay }, 'sync failed, will retry');
      this.later(() => void this.trigger(direction), delay);
    }
  }

  private later(fn: () => void, ms: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => { this.timers.delete(t); fn(); }, ms);
    t.unref();
    this.timers.add(t);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.tasks) await t.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.pushTimer) clearTimeout(this.pushTimer);
    await Promise.allSettled(Object.values(this.running));
  }
}
