import type { Logger } from 'pino';
import { scheduleJob, type ScheduledJob } from '../jobs/schedule.ts';
import type { EvaluationService, QueueSummary, RunSummary } from './service.ts';

export interface EvaluationJobs {
  /** The scheduled full run (skipped when today's run under the model in use has finished). */
  full: ScheduledJob<RunSummary | undefined>;
  stop(): Promise<void>;
}

/**
 * A running node's evaluation work: the full run on the cron expression `schedule` (config
 * `schedules.evaluate`, China time; once shortly after start when today's run is missing, so a node that was
 * down at the scheduled time catches up), and the queue of changed subjects every `queueIntervalMs` besides the
 * kicks after record writes (EvaluationService.kick).
 */
export function startEvaluationJobs(service: EvaluationService, schedule: string, opts: { log: Logger; queueIntervalMs?: number; startDelayMs?: number }): EvaluationJobs {
  const full = scheduleJob('credit-evaluation', schedule, async () => (await service.ranToday() ? undefined : service.evaluateAll()), {
    log: opts.log, failure: 'credit evaluation full run failed, will retry at the next run', ...(opts.startDelayMs !== undefined ? { startDelayMs: opts.startDelayMs } : {}),
  });
  let stopped = false;
  const tick = async (): Promise<QueueSummary | undefined> => {
    try {
      return await service.processQueue();
    } catch (err) {
      opts.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'credit evaluation of changed subjects failed, will retry');
      return undefined;
    }
  };
  const timer = setInterval(() => { if (!stopped) void tick(); }, opts.queueIntervalMs ?? 5000);
  timer.unref();
  return {
    full,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await full.stop();
      await service.idle();
    },
  };
}
