import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../clock.ts';
import type { EventLog } from '../exchange/event-log.ts';
import { stateRepo, type PeerState } from '../exchange/state-repo.ts';
import { ticketStats } from '../disputes/escalation.ts';
import type { Outbox, NotificationCounts } from '../notify/outbox.ts';
import { metricsRepo } from './metrics-repo.ts';

/** What the scrape-time gauges read, all through the owners' existing functions or read-only counts. */
export interface CollectorDeps {
  db: Knex;
  nodeId: string;
  clock: Clock;
  log: Logger;
  eventLog: EventLog;
  outbox: Outbox;
  /** How old the store counts may be before a scrape recounts them (config metrics.countsCacheSeconds). */
  countsCacheSeconds: number;
}

/** The cheap readings (small tables, indexed counts) are reused for this long between scrapes. */
const LIVE_CACHE_MS = 5000;

/**
 * A value loaded at most once per `maxAgeMs`. Once there is a value, a scrape never waits for a reload: it gets
 * the last one while the reload runs (at most one at a time), so a slow count on a big store cannot pile up
 * behind scrapes or make one time out. Ages follow the node's clock (a test moves it instead of sleeping).
 */
class Snapshot<T> {
  private value: { at: number; data: T } | undefined;
  private loading: Promise<T> | undefined;

  constructor(private readonly load: () => Promise<T>, private readonly maxAgeMs: number, private readonly now: () => number) {}

  async get(): Promise<T> {
    if (this.value) {
      const age = this.now() - this.value.at;
      // A clock set back makes a negative age: recount rather than trust the old value for that long.
      if (age >= 0 && age < this.maxAgeMs) return this.value.data;
    }
    this.loading ??= this.load()
      .then((data) => { this.value = { at: this.now(), data }; return data; })
      .finally(() => { this.loading = undefined; });
    if (this.value) {
      this.loading.catch(() => undefined);
      return this.value.data;
    }
    return this.loading;
  }

  /** Seconds since the value now served was loaded. */
  age(): number {
    return this.value ? Math.max(0, this.now() - this.value.at) / 1000 : 0;
  }
}

interface StoreCounts {
  records: Array<{ category: string; publicity: string; n: number }>;
  subjects: Array<{ type: string; n: number }>;
  events: { own: number; received: number };
}

interface TicketCounts { open: number; overdue: number; closed: number }

interface LiveState {
  heads: Array<{ origin: string; seq: number }>;
  peers: PeerState[];
  alarms: Array<{ code: string; n: number }>;
  notifications: NotificationCounts;
}

/** Registers the gauges read at scrape time: store counts, heads, peers, alarms, tickets, notifications. */
export function registerCollectors(registry: Registry, d: CollectorDeps): void {
  const now = () => d.clock().getTime();
  const counts = new Snapshot<StoreCounts>(async () => {
    const [records, subjects, own, total] = await Promise.all([
      metricsRepo.recordCounts(d.db), metricsRepo.subjectCounts(d.db), metricsRepo.ownEvents(d.db, d.nodeId), d.eventLog.count(d.db),
    ]);
    return {
      records: records.map((r) => ({ category: r.category, publicity: r.publicity, n: Number(r.n) })),
      subjects: subjects.map((s) => ({ type: s.type, n: Number(s.n) })),
      events: { own, received: Math.max(0, total - own) },
    };
  }, d.countsCacheSeconds * 1000, now);
  const tickets = new Snapshot<TicketCounts>(async () => {
    const t = await ticketStats(d.db, d.clock, new Map());
    return { open: t.open, overdue: t.overdue, closed: t.closed };
  }, d.countsCacheSeconds * 1000, now);
  const live = new Snapshot<LiveState>(async () => {
    const [heads, peers, alarms, notifications] = await Promise.all([d.eventLog.heads(d.db), stateRepo.all(d.db), metricsRepo.alarmCounts(d.db), d.outbox.counts()]);
    return { heads: heads.map((h) => ({ origin: h.origin, seq: h.seq })), peers, alarms: alarms.map((a) => ({ code: a.code, n: Number(a.n) })), notifications };
  }, LIVE_CACHE_MS, now);

  // A reading that fails leaves its gauges empty for this scrape (logged) instead of failing the whole scrape.
  const read = async <T>(s: Snapshot<T>, what: string): Promise<T | undefined> => {
    try {
      return await s.get();
    } catch (err) {
      d.log.warn({ err: (err as Error).message.slice(0, 300), what }, 'metrics: reading failed');
      return undefined;
    }
  };
  const gauge = <L extends string>(name: string, help: string, labelNames: L[], fill: (g: Gauge<L>) => Promise<void>) =>
    new Gauge<L>({ name, help, labelNames, registers: [registry], async collect() { this.reset(); await fill(this); } });

  gauge('credit_node_records', 'Credit records stored at this node, by category and publicity level', ['category', 'publicity'], async (g) => {
    for (const r of (await read(counts, 'counts'))?.records ?? []) g.set({ category: r.category, publicity: r.publicity }, r.n);
  });
  gauge('credit_node_subjects', 'Subjects stored at this node, by type (legal_person, non_enterprise, natural_person)', ['type'], async (g) => {
    for (const s of (await read(counts, 'counts'))?.subjects ?? []) g.set({ type: s.type }, s.n);
  });
  gauge('credit_node_events_stored', 'Events in the event log: created here (own) or received from other nodes', ['source'], async (g) => {
    const e = (await read(counts, 'counts'))?.events;
    if (e) { g.set({ source: 'own' }, e.own); g.set({ source: 'received' }, e.received); }
  });
  gauge('credit_node_tickets', 'Objection, complaint and repair tickets known here: open, overdue (open past the step deadline), closed', ['state'], async (g) => {
    const t = await read(tickets, 'tickets');
    if (t) for (const state of ['open', 'overdue', 'closed'] as const) g.set({ state }, t[state]);
  });
  gauge('credit_node_store_counts_age_seconds', 'Age of the store counts in this scrape (records, subjects, events)', [], async (g) => {
    await read(counts, 'counts');
    g.set(counts.age());
  });
  gauge('credit_node_head_seq', 'Sequence number of the stored chain head of each origin', ['origin'], async (g) => {
    for (const h of (await read(live, 'live'))?.heads ?? []) g.set({ origin: h.origin }, h.seq);
  });
  gauge('credit_node_sync_lag_events', 'Events not yet exchanged with a peer, per direction, as of the last attempt', ['peer', 'direction'], async (g) => {
    for (const p of (await read(live, 'live'))?.peers ?? []) if (p.lag !== null) g.set({ peer: p.peer, direction: p.direction }, p.lag);
  });
  gauge('credit_node_sync_last_success_timestamp_seconds', 'Time of the last successful exchange with a peer, per direction (Unix seconds)', ['peer', 'direction'], async (g) => {
    for (const p of (await read(live, 'live'))?.peers ?? []) if (p.lastOk) g.set({ peer: p.peer, direction: p.direction }, Date.parse(p.lastOk) / 1000);
  });
  gauge('credit_node_sync_failing', '1 when the last exchange with a peer in a direction failed, else 0', ['peer', 'direction'], async (g) => {
    for (const p of (await read(live, 'live'))?.peers ?? []) g.set({ peer: p.peer, direction: p.direction }, p.lastError ? 1 : 0);
  });
  gauge('credit_node_alarms', 'Stored alarms (altered or forged batches, forked chains), by code', ['code'], async (g) => {
    for (const a of (await read(live, 'live'))?.alarms ?? []) g.set({ code: a.code }, a.n);
  });
  gauge('credit_node_notifications', 'Ticket notifications by state (pending: waiting to be sent)', ['status'], async (g) => {
    const n = (await read(live, 'live'))?.notifications;
    if (n) for (const status of ['pending', 'sent', 'failed'] as const) g.set({ status }, n[status]);
  });
}
