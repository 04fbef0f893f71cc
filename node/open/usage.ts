import type { Knex } from 'knex';
import type { Clock } from '../clock.ts';
import { chinaDay } from '../publicity/visibility.ts';
import { BadRequest, ClientRateLimited, QuotaExceeded } from '../errors.ts';
import { clientsRepo } from './clients-repo.ts';
import type { Client } from './clients.ts';

/** A client's metered use of one calendar month (China time). */
export interface UsageReport {
  clientId: string;
  month: string;
  /** Calls answered (each counts against the monthly quota). */
  calls: number;
  /** Records returned by those calls (records in subject answers, upserts in the changes feed). */
  records: number;
  /** Refused calls by error code. */
  refusals: Record<string, number>;
  monthlyQuota: number;
  remaining: number;
}

/** YYYY-MM of an instant in China time: quotas are counted per calendar month there. */
export const monthOf = (at: Date): string => chinaDay(at).slice(0, 7);

export function parseMonth(v: unknown, fallback: string): string {
  if (v === undefined || v === '') return fallback;
  if (typeof v !== 'string' || !/^\d{4}-(0[1-9]|1[0-2])$/.test(v)) throw new BadRequest('月份须为 YYYY-MM 格式', [{ path: 'month', message: '须为 YYYY-MM 格式' }]);
  return v;
}

/** Fixed one-minute windows kept per client; beyond this many clients, past windows are dropped. */
const WINDOWS_KEPT = 10_000;

/**
 * Per-client limits and metering. The rate limit counts calls per clock minute in this process (a limit against
 * bursts); the monthly quota and the usage counters are rows in the store, so a restart keeps them.
 */
export class Meter {
  private readonly windows = new Map<string, { minute: number; n: number }>();

  constructor(private readonly deps: { db: Knex; clock: Clock }) {}

  /** The current month (YYYY-MM, China time). */
  month(): string {
    return monthOf(this.deps.clock());
  }

  /** Before any work: the minute's rate (CLIENT_RATE_LIMITED), then whether the month's quota is used up (QUOTA_EXCEEDED). */
  async admit(client: Client): Promise<void> {
    const now = this.deps.clock();
    const minute = Math.floor(now.getTime() / 60_000);
    let w = this.windows.get(client.id);
    if (!w || w.minute !== minute) {
      if (!w && this.windows.size >= WINDOWS_KEPT) for (const [k, v] of this.windows) if (v.minute !== minute) this.windows.delete(k);
      this.windows.set(client.id, (w = { minute, n: 0 }));
    }
    if (w.n >= client.rateLimitPerMinute) {
      const retryAfterSeconds = Math.max(1, Math.ceil(((minute + 1) * 60_000 - now.getTime()) / 1000));
      throw new ClientRateLimited(`该机构每分钟最多调用 ${client.rateLimitPerMinute} 次，请 ${retryAfterSeconds} 秒后再试`, { retryAfterSeconds, limit: client.rateLimitPerMinute });
    }
    w.n += 1;
    const month = monthOf(now);
    if ((await clientsRepo.calls(this.deps.db, client.id, month)) >= client.monthlyQuota) throw this.quotaExceeded(client, month);
  }

  /** Counts an answered call against the quota (atomic: the last call of a month goes to one caller only). */
  async take(client: Client): Promise<void> {
    const month = monthOf(this.deps.clock());
    if (!(await clientsRepo.takeCall(this.deps.db, client.id, month, client.monthlyQuota))) throw this.quotaExceeded(client, month);
  }

  private quotaExceeded(client: Client, month: string): InstanceType<typeof QuotaExceeded> {
    return new QuotaExceeded(`该机构 ${month} 月的 ${client.monthlyQuota} 次调用已用完`, { month, monthlyQuota: client.monthlyQuota });
  }

  async served(client: Client, records: number): Promise<void> {
    if (records > 0) await clientsRepo.add(this.deps.db, client.id, monthOf(this.deps.clock()), 'records', records);
  }

  async refused(client: Client, code: string): Promise<void> {
    await clientsRepo.add(this.deps.db, client.id, monthOf(this.deps.clock()), `refused:${code}`, 1);
  }

  /** The month's usage of each client given (default: the current month). */
  async report(clients: readonly Client[], month: string = monthOf(this.deps.clock())): Promise<UsageReport[]> {
    const rows = await clientsRepo.usage(this.deps.db, month, clients.length === 1 ? (clients[0] as Client).id : undefined);
    return clients.map((c) => {
      const r: UsageReport = { clientId: c.id, month, calls: 0, records: 0, refusals: {}, monthlyQuota: c.monthlyQuota, remaining: c.monthlyQuota };
      for (const row of rows) {
        if (row.client_id !== c.id) continue;
        const n = Number(row.n);
        if (row.metric === 'calls') r.calls = n;
        else if (row.metric === 'records') r.records = n;
        else if (row.metric.startsWith('refused:') && n > 0) r.refusals[row.metric.slice('refused:'.length)] = n;
      }
      r.remaining = Math.max(0, c.monthlyQuota - r.calls);
      return r;
    });
  }
}
