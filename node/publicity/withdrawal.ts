import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { scheduleJob, type ScheduledJob } from '../jobs/schedule.ts';
import type { SchemaRegistry } from '../records/schema-registry.ts';
import { judgeUnjudged } from './backfill.ts';
import type { PublicityConfig } from './rules.ts';
import { chinaDay, STANDING_STATUSES } from './visibility.ts';

export interface WithdrawalDeps { db: Knex; clock: Clock; log: Logger }

export interface WithdrawalOptions {
  /** Records marked per statement (default 1000). */
  batchSize?: number;
  /** Batches per run at most (default 1000); the rest waits for the next run. */
  maxBatches?: number;
}

export interface WithdrawalResult {
  /** The day (China time) the windows were compared with. */
  today: string;
  withdrawn: number;
  batches: number;
  /** More records were due than this run's batches allowed. */
  more: boolean;
}

/**
 * Marks standing public records whose publicity window ended before today (China time) as withdrawn from public
 * view (停止公示): `records.withdrawn_at` is set to the run's instant, in bounded batches. The record keeps its
 * status and stays readable by officers. The public never depended on this run: visibility.ts compares the
 * window with the day itself; the mark records when the record left public view, and a new version of the
 * record clears it.
 */
export async function withdrawExpired(deps: WithdrawalDeps, opts: WithdrawalOptions = {}): Promise<WithdrawalResult> {
  const batchSize = Math.max(1, opts.batchSize ?? 1000);
  const maxBatches = Math.max(1, opts.maxBatches ?? 1000);
  const now = deps.clock();
  const today = chinaDay(now);
  const at = now.toISOString();
  const result: WithdrawalResult = { today, withdrawn: 0, batches: 0, more: false };
  for (;;) {
    if (result.batches >= maxBatches) {
      result.more = true;
      break;
    }
    // records_publicity_window (publicity, withdrawn_at, publish_until): a seek, not a walk over past marks.
    const due = await deps.db('records').select('id')
      .where('publicity', 'public').whereNull('withdrawn_at').whereNotNull('publish_until').where('publish_until', '<', today)
      .whereIn('status', STANDING_STATUSES as string[])
      .orderBy('publish_until').limit(batchSize) as Array<{ id: string }>;
    if (due.length === 0) break;
    result.batches += 1;
    result.withdrawn += Number(await deps.db('records').whereIn('id', due.map((r) => r.id)).whereNull('withdrawn_at').update({ withdrawn_at: at }));
    if (due.length < batchSize) break;
  }
  if (result.withdrawn > 0 || result.more) deps.log.info({ ...result }, 'publicity windows ended: records withdrawn from public view');
  return result;
}

export type WithdrawalSchedule = ScheduledJob<WithdrawalResult>;

/** With `registry`, the first run first judges records stored before publicity rules were applied (backfill.ts). */
export interface ScheduleDeps extends WithdrawalDeps { registry?: SchemaRegistry; publicity?: PublicityConfig }

/**
 * Runs `withdrawExpired` on the cron expression `schedule` (config `schedules.withdraw`, China time) and once
 * shortly after start, so a node that was down at the scheduled time catches up. Failures are logged and the
 * next run tries again.
 */
export function startWithdrawalSchedule(deps: ScheduleDeps, schedule: string, opts: WithdrawalOptions & { startDelayMs?: number } = {}): WithdrawalSchedule {
  let judged = !deps.registry;
  const once = async (): Promise<WithdrawalResult> => {
    if (!judged && deps.registry) {
      await judgeUnjudged({ db: deps.db, registry: deps.registry, log: deps.log, ...(deps.publicity ? { publicity: deps.publicity } : {}) }, opts);
      judged = true;
    }
    return withdrawExpired(deps, opts);
  };
  return scheduleJob('publicity-withdrawal', schedule, once, { log: deps.log, failure: 'publicity withdrawal failed, will retry at the next run', ...(opts.startDelayMs !== undefined ? { startDelayMs: opts.startDelayMs } : {}) });
}
