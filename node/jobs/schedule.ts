import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';

/** A node's recurring job: run now (one run at a time), or stop it (waiting for a run in flight). */
export interface ScheduledJob<T> {
  /** Runs the job now; a call during a run waits for that run. Undefined when it failed or the job stopped. */
  run(): Promise<T | undefined>;
  stop(): Promise<void>;
}

/**
 * Runs `job` on the cron expression (China time) and once shortly after start, so a node that was down at the
 * scheduled time catches up. Runs never overlap; a failure is logged and the next run tries again.
 */
export function scheduleJob<T>(name: string, expression: string, job: () => Promise<T>, opts: { log: Logger; failure: string; startDelayMs?: number }): ScheduledJob<T> {
  let running: Promise<T | undefined> | undefined;
  let stopped = false;
  const run = (): Promise<T | undefined> => {
    if (stopped) return Promise.resolve(undefined);
    running ??= job()
      .catch((err: unknown) => {
        opts.log.warn({ err: err instanceof Error ? err.message : String(err) }, opts.failure);
        return undefined;
      })
      .finally(() => { running = undefined; });
    return running;
  };
  const task: ScheduledTask = cron.schedule(expression, () => run(), { timezone: 'Asia/Shanghai', noOverlap: true, name });
  const first = setTimeout(() => void run(), opts.startDelayMs ?? 1000);
  first.unref();
  return {
    run,
    async stop() {
      stopped = true;
      clearTimeout(first);
      await task.stop();
      await task.destroy();
      await running;
    },
  };
}
