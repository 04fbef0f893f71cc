import type { KeyObject } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/types.ts';
import type { RecordService } from '../records/service.ts';
import type { DirectoryService } from './directory.ts';
import type { EventLog, ReceivedEvent, RawEvent, StoredEvent } from './event-log.ts';
import { wireEventText } from './event-log.ts';
import { checkEvent, digestOf, parseUpBatch, parseUpLines, verifyRun, type DownSignaturePayload, type OriginRun, type WireEvent } from './batch.ts';
import { signCompact, verifyCompact } from './jws.ts';
import { regionPrefix } from './routing.ts';
import { stateRepo } from './state-repo.ts';
import { acceptChildProof, type AuditLog } from '../audit/audit-log.ts';
import { AuditRewritten, BatchInvalid, EventTampered, HeadSignatureInvalid, isCreditNodeError, NodeRevoked, NotAChild, OriginNotAllowed, SyncGap } from '../errors.ts';

export interface ExchangeDeps {
  db: Knex;
  config: Config;
  clock: Clock;
  log: Logger;
  eventLog: EventLog;
  directory: DirectoryService;
  records: RecordService;
  privateKey: KeyObject;
  /** The audit trail: every batch received is an entry, and a child's audit evidence is checked and kept. */
  audit: AuditLog;
  /** Keeps the tickets table of the disputes feature current with received `ticket` events. */
  tickets?: { applyRemote(trx: Knex.Transaction, events: ReceivedEvent[]): Promise<void> };
}

/** How often, and after how long (times the attempt), a batch that arrived before its predecessor is tried again. */
const GAP_RETRIES = 4;
const GAP_RETRY_MS = 25;
/** Received events projected per transaction by the projector. */
const PROJECTION_CHUNK = 1000;
/**
 * The projector works while no batch has been received or sent up for PROJECTOR_QUIET_MS (a sender with
 * batches in flight sends the next at once), and otherwise takes one chunk every PROJECTOR_MAX_WAIT_MS, so a long
 * intake goes at log speed, relayed as it comes, while its rows still appear.
 */
const PROJECTOR_QUIET_MS = 250;
const PROJECTOR_MAX_WAIT_MS = 2000;

/** Codes that mean someone tried to slip altered or forged events in: logged as alarms and kept in `alarms`. */
const ALARM_CODES = new Set(['EVENT_TAMPERED', 'HEAD_SIGNATURE_INVALID', 'ORIGIN_NOT_ALLOWED', 'AUDIT_REWRITTEN']);

/**
 * The receiving and serving side of exchange protocol v1 (DESIGN.md §4): applies children's up batches and
 * the parent's down batches, each in one transaction, and selects what a child is entitled to.
 */
export class ExchangeService {
  private queue: Promise<unknown> = Promise.resolve();
  /** Received batches queued behind the one being applied: the projector gives way to them. */
  private waiting = 0;
  private projector: Promise<void> | undefined;
  private projectAgain = false;
  private lastChunk = 0;
  /** When a batch was last applied here or built here for the parent. */
  private lastExchange = 0;
  private closed = false;

  constructor(private readonly deps: ExchangeDeps) {}

  /** One batch (or projection chunk) is applied at a time in this process, so chains never race each other. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A received batch: queued like any exclusive work, and counted so the projector lets it go first. */
  private receiving<T>(fn: () => Promise<T>): Promise<T> {
    this.waiting += 1;
    return this.exclusive(async () => {
      this.waiting -= 1;
      try {
        return await fn();
      } finally {
        this.lastExchange = Date.now();
      }
    });
  }

  private now(): string {
    return this.deps.clock().toISOString();
  }

  /** Logs and stores an alarm for a refused batch that looked altered or forged; returns the error unchanged. */
  async alarmIfNeeded(err: unknown, peer: string): Promise<void> {
    if (!isCreditNodeError(err) || !ALARM_CODES.has(err.code)) return;
    const origin = (err.details as { origin?: string } | undefined)?.origin;
    this.deps.log.error({ alarm: err.code, peer, origin }, `exchange alarm: ${err.message}`);
    try {
      await stateRepo.alarm(this.deps.db, { at: this.now(), code: err.code, peer, ...(origin ? { origin } : {}), detail: err.message });
    } catch (e) {
      this.deps.log.error({ err: (e as Error).message }, 'could not store alarm');
    }
  }

  /**
   * A sender keeps two batches in flight on two connections, so the later one may arrive first: a batch that
   * starts past the stored head is tried again a few times, shortly, behind whatever arrived meanwhile, before
   * the gap is answered (the sender would otherwise rewind and send both again).
   */
  private async patiently<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.receiving(fn);
      } catch (err) {
        if (!(err instanceof SyncGap) || attempt > GAP_RETRIES) throw err;
        await new Promise((r) => setTimeout(r, GAP_RETRY_MS * attempt));
      }
    }
  }

  private async requireChild(caller: string, db: Knex | Knex.Transaction = this.deps.db) {
    const entry = await this.deps.directory.entry(caller, db);
    if (!entry || entry.parent !== this.deps.config.id) throw new NotAChild(`节点 ${caller} 不是本节点（${this.deps.config.id}）的下级节点`);
    if (entry.status !== 'active') throw new NodeRevoked(`节点 ${caller} 已被撤销`);
    return entry;
  }

  /**
   * POST /exchange/v1/up: verifies every origin's run (chain from the stored head, hashes, signed checkpoints
   * against the directory key, allowed origins) and applies the whole batch in one transaction.
   */
  async receiveUp(caller: string, raw: unknown): Promise<{ heads: Record<string, { seq: number; hash: string }>; applied: number; skipped: number; audit?: { seq: number } }> {
    // Bytes (or a string) are the line form (batch.ts LINES_TYPE), anything else the JSON form.
    const max = this.deps.config.exchange.maxBatchEvents;
    const batch = Buffer.isBuffer(raw) || typeof raw === 'string' ? parseUpLines(raw, max) : parseUpBatch(raw, max);
    if (batch.from !== caller) throw new BatchInvalid(`批次的 from（${batch.from}）与调用节点（${caller}）不一致`);
    if (batch.to !== this.deps.config.id) throw new BatchInvalid(`批次的 to（${batch.to}）不是本节点`);
    try {
      const result = await this.patiently(() => this.deps.db.transaction(async (trx) => {
        await this.requireChild(caller, trx);
        const inline = await this.projectsInline(trx, batch.origins.reduce((n, r) => n + r.events.length, 0));
        const received: ReceivedEvent[] = [];
        let pending: OriginRun[] = batch.origins.filter((r) => r.events.length > 0 || r.heads.length > 0);
        let applied = 0;
        let skipped = 0;
        const heads: Record<string, { seq: number; hash: string }> = {};
        // The caller's own run goes first: its directory events may enroll the nodes whose runs follow.
        while (pending.length > 0) {
          const allowed = await this.deps.directory.subtreeOf(caller, trx);
          const ready = pending.filter((r) => allowed.has(r.origin) && r.origin !== this.deps.config.id);
          if (ready.length === 0) {
            const names = pending.map((r) => r.origin).join('、');
            throw new OriginNotAllowed(`节点 ${caller} 无权转发来源为 ${names} 的事件（只能报送本节点及其下级节点产生的事件）`, { origin: pending[0]?.origin, caller });
          }
          pending = pending.filter((r) => !ready.includes(r));
          for (const run of ready) {
            const r = await this.applyRun(trx, run);
            applied += r.fresh.length;
            skipped += r.skipped;
            heads[run.origin] = r.head;
            received.push(...r.fresh);
          }
        }
        if (inline) await this.projectInline(trx, received);
        await stateRepo.put(trx, caller, 'child-up', this.now(), { ok: true, lag: 0 });
        // The child's audit evidence (DESIGN.md §5): a history that does not extend what it showed before is kept
        // out and alarmed, but does not stop the exchange of records; missing links (a gap) are only re-asked for.
        const evidence = batch.audit ? await acceptChildProof(trx, caller, batch.audit, (await this.deps.directory.lookup(caller, trx))?.key as KeyObject, this.deps.clock) : undefined;
        if (applied + skipped > 0) await this.deps.audit.recordIn(trx, { action: 'batch_in', target: caller, count: applied, detail: { skipped, origins: Object.keys(heads) } });
        return { heads, applied, skipped, evidence, deferred: !inline && received.length > 0 };
      }));
      if (result.deferred) this.kickProjector();
      const { evidence } = result;
      if (evidence && !evidence.ok && !evidence.gap) {
        await this.alarmIfNeeded(new AuditRewritten(`下级节点 ${caller} 的审计日志与其此前报送的不一致（序号 ${evidence.seq}）：${evidence.reason}`, { origin: caller, seq: evidence.seq }), caller);
      }
      // Where this node's copy of the caller's audit evidence now ends: the caller sends its next links from there.
      const audit = evidence ? { seq: evidence.ok ? evidence.seq : evidence.storedSeq } : undefined;
      return { heads: result.heads, applied: result.applied, skipped: result.skipped, ...(audit ? { audit } : {}) };
    } catch (err) {
      await this.alarmIfNeeded(err, caller);
      await stateRepo.put(this.deps.db, caller, 'child-up', this.now(), { error: err instanceof Error ? err.message : String(err) }).catch(() => undefined);
      throw err;
    }
  }

  private async applyRun(trx: Knex.Transaction, run: OriginRun): Promise<{ fresh: ReceivedEvent[]; skipped: number; head: { seq: number; hash: string } }> {
    const found = await this.deps.directory.lookup(run.origin, trx);
    if (!found) throw new OriginNotAllowed(`来源节点 ${run.origin} 不在节点目录中`, { origin: run.origin });
    if (found.status !== 'active') throw new NodeRevoked(`来源节点 ${run.origin} 已被撤销，拒收其事件`, { origin: run.origin });
    const stored = await this.deps.eventLog.head(trx, run.origin);
    const seqs = run.events.map((e) => (e as { seq?: unknown }).seq).filter((s): s is number => typeof s === 'number');
    // A gap is found before any event is checked: the batch is usually tried again in a moment (patiently).
    const firstSeq = (run.events[0] as { seq?: unknown } | undefined)?.seq;
    if (typeof firstSeq === 'number' && firstSeq > (stored?.seq ?? 0) + 1) {
      throw new SyncGap(`来源 ${run.origin} 的事件应从序号 ${(stored?.seq ?? 0) + 1} 开始，收到的从 ${firstSeq} 开始`, { expected: [{ origin: run.origin, seq: (stored?.seq ?? 0) + 1 }] });
    }
    const overlapTo = Math.min(stored?.seq ?? 0, seqs.length ? Math.max(...seqs) : 0);
    const storedHashes = seqs.length && overlapTo >= Math.min(...seqs) ? await this.deps.eventLog.hashesOf(trx, run.origin, Math.min(...seqs), overlapTo) : new Map<number, string>();
    const { fresh, checkpoints, skipped } = verifyRun(run, stored, storedHashes, found.key);
    await this.deps.eventLog.storeChain(trx, run.origin, fresh, checkpoints, this.now());
    // Enrollments count at once (a later run of the same batch may come from a node enrolled here).
    await this.applyDirectory(trx, fresh);
    const last = fresh.at(-1);
    const head = last ? { seq: last.seq, hash: last.hash } : { seq: stored?.seq ?? 0, hash: stored?.hash ?? '' };
    return { fresh, skipped, head };
  }

  /** Directory events of a received batch take effect in the batch's own transaction. */
  private async applyDirectory(trx: Knex.Transaction, events: ReceivedEvent[]): Promise<void> {
    const directory = events.filter((e) => e.kind === 'directory');
    if (!directory.length) return;
    const { refused } = await this.deps.directory.applyEvents(trx, directory);
    for (const r of refused) this.deps.log.warn({ origin: r.origin, seq: r.seq, node: r.id }, 'directory event from a node that may not enroll this node: kept in the log, not applied');
  }

  /**
   * Received record and ticket events become rows of records and tickets (the projection), in position order.
   * A small batch is projected in its own transaction when nothing received earlier waits; otherwise the batch
   * is stored at log speed and the projector follows (projectChunk), from the cursor kept in the store.
   */
  private async projectsInline(trx: Knex.Transaction, events: number): Promise<boolean> {
    if (events > this.deps.config.exchange.inlineProjectionEvents) return false;
    const cursor = await stateRepo.projectionCursor(trx, true);
    return !(await this.deps.eventLog.hasUnprojected(trx, this.deps.config.id, cursor));
  }

  private async projectInline(trx: Knex.Transaction, events: ReceivedEvent[]): Promise<void> {
    await this.project(trx, events, true);
    await stateRepo.setProjectionCursor(trx, await this.deps.eventLog.maxPos(trx));
  }

  /**
   * Projects records and tickets in order. Inline, a body that cannot be projected refuses the batch; in the
   * projector it is logged and passed (its chain is verified and stored: refusing it would stall forever).
   */
  private async project(trx: Knex.Transaction, events: Array<{ kind: string; origin: string; seq: number; entityId: string; op: string; body: unknown; at: string }>, inline: boolean): Promise<void> {
    // Consecutive events of one kind go together; a ticket about a record comes after the record it names.
    for (let i = 0; i < events.length;) {
      const kind = (events[i] as { kind: string }).kind;
      let j = i;
      while (j < events.length && (events[j] as { kind: string }).kind === kind) j++;
      const run = events.slice(i, j);
      i = j;
      if (kind === 'record') {
        try {
          await this.deps.records.applyRemote(trx, run);
        } catch (err) {
          if (inline && isCreditNodeError(err)) throw err;
          if (inline) throw new BatchInvalid(`信用记录事件无法入库：${(err as Error).message}`);
          // One by one, so a single bad body does not hold back the rest of the chunk.
          for (const ev of run) {
            await trx.transaction(async (one) => this.deps.records.applyRemote(one, [ev])).catch((e: unknown) => {
              this.deps.log.error({ origin: ev.origin, seq: ev.seq, err: (e as Error).message }, 'received record event could not be projected: kept in the log, not applied');
            });
          }
        }
      } else if (kind === 'ticket' && this.deps.tickets) {
        await this.deps.tickets.applyRemote(trx, run as ReceivedEvent[]);
      }
    }
  }

  /** Projects up to `limit` waiting events in one transaction; returns how many it looked at (0: caught up). */
  private async projectChunk(limit: number): Promise<number> {
    return this.deps.db.transaction(async (trx) => {
      const cursor = await stateRepo.projectionCursor(trx, true);
      // The highest position first: on PostgreSQL events commit in position order, so all below it are there.
      const upto = await this.deps.eventLog.maxPos(trx);
      if (upto <= cursor) return 0;
      const events = await this.deps.eventLog.unprojected(trx, this.deps.config.id, cursor, upto, limit);
      await this.project(trx, events, false);
      const next = events.length === limit ? (events.at(-1) as StoredEvent).pos : upto;
      await stateRepo.setProjectionCursor(trx, next);
      return events.length === 0 ? 0 : events.length;
    });
  }

  /**
   * Starts the projector if it is not running. It works in chunks, each its own transaction, and gives way to
   * received batches (see PROJECTOR_QUIET_MS).
   */
  kickProjector(): void {
    if (this.closed) return;
    if (this.projector) { this.projectAgain = true; return; }
    this.projector = (async () => {
      try {
        do {
          this.projectAgain = false;
          for (;;) {
            if (this.closed) return;
            const now = Date.now();
            const busy = this.waiting > 0 || now - this.lastExchange < PROJECTOR_QUIET_MS;
            if (busy && now - this.lastChunk < PROJECTOR_MAX_WAIT_MS) {
              await new Promise((r) => setTimeout(r, PROJECTOR_QUIET_MS / 5));
              continue;
            }
            const n = await this.exclusive(() => this.projectChunk(PROJECTION_CHUNK));
            this.lastChunk = Date.now();
            if (n === 0) break;
            await new Promise((r) => setImmediate(r));
          }
        } while (this.projectAgain);
      } catch (err) {
        this.deps.log.error({ err: (err as Error).message }, 'projection of received events failed; retried on the next batch');
      } finally {
        this.projector = undefined;
      }
    })();
  }

  /** Projects everything received so far (a command that received batches calls this before it ends). */
  async drainProjection(): Promise<void> {
    while (this.projector) await this.projector;
    for (;;) {
      const n = await this.exclusive(() => this.projectChunk(PROJECTION_CHUNK));
      if (n === 0) return;
    }
  }

  /** How many received record and ticket events wait for projection. */
  async projectionPending(): Promise<number> {
    const cursor = await stateRepo.projectionCursor(this.deps.db);
    return this.deps.eventLog.countUnprojected(this.deps.db, this.deps.config.id, cursor);
  }

  /** The sync client is sending a batch to the parent: a relay forwards first and projects in the pauses. */
  sending(): void {
    this.lastExchange = Date.now();
  }

  /** Stops the projector after the chunk in hand (the rest waits in the store for the next start). */
  async close(): Promise<void> {
    this.closed = true;
    while (this.projector) await this.projector;
    await this.queue;
  }

  /**
   * GET /exchange/v1/recover: a run of one chain of the caller's subtree (the caller's own included) after `after`,
   * as this node stores it, ending at a signed checkpoint, so a child that lost its store (or was restored from
   * an old backup) rebuilds its chains from here (DESIGN.md §4: the parent holds them with their heads).
   */
  async serveRecover(caller: string, origin: string, after: number, limit: number): Promise<{ origin: string; head: { seq: number; hash: string } | null; events: string[]; heads: string[] }> {
    await this.requireChild(caller);
    const subtree = await this.deps.directory.subtreeOf(caller);
    if (!subtree.has(origin)) throw new OriginNotAllowed(`来源 ${origin} 不在节点 ${caller} 及其下级节点之中，不能由其恢复`, { origin, caller });
    const db = this.deps.db;
    const head = await this.deps.eventLog.head(db, origin);
    if (!head || head.seq <= after) return { origin, head: head ? { seq: head.seq, hash: head.hash } : null, events: [], heads: [] };
    const end = await this.deps.eventLog.batchEnd(db, origin, after, Math.max(1, Math.min(limit, this.deps.config.exchange.maxBatchEvents)), head.seq);
    if (end === undefined) return { origin, head: { seq: head.seq, hash: head.hash }, events: [], heads: [] };
    const events = (await this.deps.eventLog.rawEventsOf(db, origin, after, end)).map(wireEventText);
    const heads = (await this.deps.eventLog.checkpoints(db, origin, after, end)).map((c) => c.signature);
    await db.transaction((trx) => this.deps.audit.recordIn(trx, { action: 'batch_out', target: caller, count: events.length, detail: { recover: origin, after, to: end } }));
    return { origin, head: { seq: head.seq, hash: head.hash }, events, heads };
  }

  /**
   * Applies a run the parent sent back for recovery (serveRecover): verified like an up batch (chain from the
   * stored head, hashes, checkpoints signed with the origin's directory key; this node's own chain with its own
   * key), stored with its head, and projected: this node's own events at once (the projector only follows other
   * origins), the others by the projector.
   */
  async applyRecovered(raw: unknown, selfKey: KeyObject): Promise<{ origin: string; applied: number; head: { seq: number; hash: string } }> {
    const b = raw as { origin?: unknown; events?: unknown; heads?: unknown } | null;
    if (!b || typeof b.origin !== 'string' || !Array.isArray(b.events) || !Array.isArray(b.heads)) throw new BatchInvalid('上级节点返回的恢复批次格式错误');
    const origin = b.origin;
    const run: OriginRun = { origin, events: (b.events as unknown[]).map((e) => (typeof e === 'string' ? JSON.parse(e) : e) as WireEvent), heads: b.heads as string[] };
    const self = this.deps.config.id;
    const result = await this.receiving(() => this.deps.db.transaction(async (trx) => {
      const key = origin === self ? selfKey : (await this.deps.directory.lookup(origin, trx))?.key;
      if (!key) throw new OriginNotAllowed(`来源节点 ${origin} 不在节点目录中`, { origin });
      const stored = await this.deps.eventLog.head(trx, origin);
      const { fresh, checkpoints } = verifyRun(run, stored, new Map(), key);
      await this.deps.eventLog.storeChain(trx, origin, fresh, checkpoints, this.now());
      await this.applyDirectory(trx, fresh);
      if (origin === self) await this.project(trx, fresh, true);
      const last = fresh.at(-1);
      return { origin, applied: fresh.length, head: last ? { seq: last.seq, hash: last.hash } : { seq: stored?.seq ?? 0, hash: stored?.hash ?? '' } };
    }));
    if (origin !== self && result.applied > 0) this.kickProjector();
    return result;
  }

  /**
   * GET /exchange/v1/down: what the child is entitled to after position `after` (its interest rule: records
   * about subjects in its region, province-wide lists, tickets for its subtree, directory changes), never an
   * event of its own subtree, as one signed batch text.
   */
  async serveDown(caller: string, after: number, limit: number): Promise<string> {
    const entry = await this.requireChild(caller);
    const ex = this.deps.config.exchange;
    const rule = ex.interest[entry.role as keyof typeof ex.interest] ?? ex.interest.industry;
    const subtree = [...(await this.deps.directory.subtreeOf(caller))];
    const sameSector = rule.sectorRecords && entry.sector
      ? (await this.deps.directory.list()).filter((e) => e.sector === entry.sector && !subtree.includes(e.id)).map((e) => e.id)
      : [];
    const { events, next, max } = await this.deps.eventLog.selectAfter(this.deps.db, after, Math.max(1, Math.min(limit, ex.maxBatchEvents)), ex.downScanLimit, {
      excludeOrigins: subtree,
      directory: rule.directory,
      ticketTargets: rule.tickets ? subtree : [],
      allRecords: rule.records === 'all',
      regionPrefix: rule.records === 'region' ? regionPrefix(entry.region) : null,
      categories: rule.categories,
      origins: sameSector,
    });
    // Bytes are bounded too: cut where the text would pass the limit (at least one event goes).
    let bytes = 0;
    let cut = events.length;
    const texts: string[] = [];
    for (let i = 0; i < events.length; i++) {
      const t = wireEventText(events[i] as RawEvent);
      if (i > 0 && bytes + t.length > ex.maxBatchBytes) { cut = i; break; }
      bytes += t.length;
      texts.push(t);
    }
    const sent = events.slice(0, cut);
    const nextPos = cut < events.length ? (sent.at(-1) as RawEvent).pos : next;
    const payload: DownSignaturePayload = { from: this.deps.config.id, to: caller, after, next: nextPos, count: sent.length, digest: digestOf(sent.map((e) => e.hash)) };
    const signature = signCompact(payload, this.deps.privateKey, this.deps.config.id);
    await stateRepo.put(this.deps.db, caller, 'child-down', this.now(), { ok: true, lag: Math.max(0, max - nextPos), cursor: nextPos });
    return `{"from":${JSON.stringify(payload.from)},"to":${JSON.stringify(caller)},"after":${after},"next":${nextPos},"remaining":${Math.max(0, max - nextPos)},"signature":${JSON.stringify(signature)},"events":[${texts.join(',')}]}`;
  }

  /**
   * Applies a down batch from the parent: its signature (parent's pinned key) must bind this request's cursor
   * and the events' hashes; each event must match its hash. Stored with the new cursor in one transaction.
   */
  async receiveDown(raw: unknown, expectedAfter: number, parentId: string, parentKey: KeyObject): Promise<{ received: number; skipped: number; next: number; remaining: number }> {
    const b = raw as { from?: unknown; to?: unknown; after?: unknown; next?: unknown; remaining?: unknown; signature?: unknown; events?: unknown } | null;
    if (!b || !Array.isArray(b.events) || typeof b.signature !== 'string' || typeof b.next !== 'number') throw new BatchInvalid('上级节点返回的下行批次格式错误');
    const p = verifyCompact(b.signature, parentKey) as DownSignaturePayload | undefined;
    if (!p) throw new HeadSignatureInvalid(`下行批次的签名不是上级节点 ${parentId} 的签名`, { origin: parentId });
    const events = b.events.map((e, i) => checkEvent(e, `下行批次第 ${i + 1} 个事件`));
    if (p.from !== parentId || p.to !== this.deps.config.id || p.after !== expectedAfter || p.next !== b.next || p.count !== events.length || p.digest !== digestOf(events.map((e) => e.hash))) {
      throw new EventTampered('下行批次与上级节点的签名不一致（内容被改动或不是本次请求的批次）', { origin: parentId });
    }
    const remaining = typeof b.remaining === 'number' ? b.remaining : 0;
    const answer = await this.receiving(() => this.deps.db.transaction(async (trx) => {
      const inline = await this.projectsInline(trx, events.length);
      const mine = await this.deps.directory.subtreeOf(this.deps.config.id, trx);
      const chained = new Set((await this.deps.eventLog.heads(trx)).map((h) => h.origin));
      const wanted = events.filter((e) => !mine.has(e.origin) && !chained.has(e.origin));
      const { fresh, conflicts } = await this.deps.eventLog.storeSelection(trx, wanted, this.now());
      if (conflicts.length) {
        const c = conflicts[0] as ReceivedEvent;
        throw new EventTampered(`下行批次中来源 ${c.origin} 序号 ${c.seq} 的事件与本节点已存的不同`, { origin: c.origin, seq: c.seq });
      }
      await this.applyDirectory(trx, fresh);
      if (inline) await this.projectInline(trx, fresh);
      await stateRepo.put(trx, parentId, 'down', this.now(), { ok: true, cursor: p.next, lag: remaining });
      return { received: fresh.length, skipped: events.length - fresh.length, next: p.next, remaining, deferred: !inline && fresh.length > 0 };
    }));
    if (answer.deferred) this.kickProjector();
    const { deferred: _deferred, ...counts } = answer;
    return counts;
  }
}
