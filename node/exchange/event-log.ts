import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { canonicalize, sha256Hex } from './canonical-json.ts';
import { insertMany, isSqlite } from '../store/bulk.ts';
import { selectRow, selectRows } from '../store/read.ts';
import { stateRepo } from './state-repo.ts';
import { ChainUnconfirmed } from '../errors.ts';
import type { Clock } from '../clock.ts';
import { routingOf } from './routing.ts';
import type { KeyObject } from 'node:crypto';
import { verifyCompact } from './jws.ts';

export interface SignedHeadPayload { origin: string; seq: number; hash: string; at: string }

export type EventKind = 'record' | 'ticket' | 'directory';

export interface EventInput {
  kind: EventKind;
  entityId: string;
  op: string;
  body: unknown;
  /** The body's canonical JSON when the caller already has it (saves a second canonicalisation). */
  bodyCanonical?: string;
}

export interface NodeEvent {
  origin: string;
  seq: number;
  kind: EventKind;
  entityId: string;
  op: string;
  body: unknown;
  at: string;
  prevHash: string;
  hash: string;
}

export interface StoredEvent extends NodeEvent { pos: number }

/** A stored event as it goes on the wire: its body kept as the canonical text it was hashed over. */
export interface RawEvent { pos: number; origin: string; seq: number; kind: EventKind; entityId: string; op: string; bodyText: string; at: string; prevHash: string; hash: string }

/** A head the origin signed: { origin, seq, hash, at } and its compact JWS. Every chain has one at least every CHECKPOINT_EVERY events. */
export interface SignedHead { origin: string; seq: number; hash: string; at: string; signature: string }

/**
 * The origin signs its head after every append and, inside a large append, every this many events or this
 * many bytes of bodies, whichever comes first, so a batch can always end at a signed event within the smallest
 * limits a node may set (exchange.maxBatchEvents ≥ 256, exchange.maxBatchBytes ≥ 256 KiB).
 */
export const CHECKPOINT_EVERY = 256;
export const CHECKPOINT_BYTES = 128 * 1024;

/** Serialises writers of `events` on PostgreSQL so positions commit in order and down cursors never skip one. */
const EVENTS_LOCK = 730_100_001;

export interface Head { origin: string; seq: number; hash: string; at: string; signature: string | null }

/** The prevHash of an origin's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * hash = SHA-256 over the RFC 8785 canonical JSON of the event without `hash`. The body is canonicalised once
 * and spliced in: keys sorted (at, body, entityId, kind, op, origin, prevHash, seq) give the same text as
 * canonicalising the whole event, which the tests check.
 */
export function eventHash(e: Omit<NodeEvent, 'hash' | 'body'> & { body?: unknown }, bodyCanonical: string = canonicalize(e.body)): string {
  return sha256Hex(`${hashedBefore(e)}${bodyCanonical}${hashedAfter(e)}`);
}

/** eventHash over the body's canonical text as UTF-8 bytes (as an up batch in the line form carries it). */
export function eventHashOfBytes(e: Omit<NodeEvent, 'hash' | 'body'>, bodyBytes: Buffer): string {
  return createHash('sha256').update(hashedBefore(e)).update(bodyBytes).update(hashedAfter(e)).digest('hex');
}

/** The hashed text of an event around its body (keys in canonical order). */
const hashedBefore = (e: { at: string }) => `{"at":${JSON.stringify(e.at)},"body":`;
const hashedAfter = (e: Omit<NodeEvent, 'hash' | 'body' | 'at'>) => `,"entityId":${JSON.stringify(e.entityId)},"kind":${JSON.stringify(e.kind)},"op":${JSON.stringify(e.op)},"origin":${JSON.stringify(e.origin)},"prevHash":${JSON.stringify(e.prevHash)},"seq":${e.seq}}`;

interface EventRow {
  pos: number | string;
  origin: string;
  seq: number | string;
  kind: string;
  entity_id: string;
  op: string;
  body: string;
  at: string;
  prev_hash: string;
  hash: string;
}

function rawFromRow(r: EventRow): RawEvent {
  return { pos: Number(r.pos), origin: r.origin, seq: Number(r.seq), kind: r.kind as EventKind, entityId: r.entity_id, op: r.op, bodyText: r.body, at: r.at, prevHash: r.prev_hash, hash: r.hash };
}

/**
 * An event as JSON text for the wire. The body travels as `bodyText`, the exact canonical text the hash was
 * computed over, so a receiver checks the hash without re-canonicalising (any change to the text breaks the
 * chain the origin signed). Receivers also accept `body` as a JSON object (DESIGN.md §4).
 */
export function wireEventText(e: RawEvent): string {
  return `{"origin":${JSON.stringify(e.origin)},"seq":${e.seq},"kind":${JSON.stringify(e.kind)},"entityId":${JSON.stringify(e.entityId)},"op":${JSON.stringify(e.op)},"bodyText":${JSON.stringify(e.bodyText)},"at":${JSON.stringify(e.at)},"prevHash":${JSON.stringify(e.prevHash)},"hash":${JSON.stringify(e.hash)}}`;
}

/**
 * One event as its two lines in the line form of an up batch (batch.ts LINES_TYPE): the event without its body,
 * and the body's canonical text. A sender reads them from its store as they are spelt here (EventLog.eventLinesOf).
 */
export function eventLines(e: { seq: number; kind: string; entityId: string; op: string; at: string; prevHash: string; hash: string; bodyText: string }): [string, string] {
  return [`{"seq":${e.seq},"kind":${JSON.stringify(e.kind)},"entityId":${JSON.stringify(e.entityId)},"op":${JSON.stringify(e.op)},"at":${JSON.stringify(e.at)},"prevHash":${JSON.stringify(e.prevHash)},"hash":${JSON.stringify(e.hash)}}`, e.bodyText];
}

/**
 * An event received from another node, with its body as canonical text (checked against its hash) and, from an
 * up batch in the line form, the very bytes that were hashed, which are what is stored.
 */
export interface ReceivedEvent extends NodeEvent { bodyText: string; bodyBytes?: Buffer }

async function lockEvents(trx: Knex.Transaction): Promise<void> {
  if (trx.client.config.client === 'pg') await trx.raw('select pg_advisory_xact_lock(?)', [EVENTS_LOCK]);
}

/**
 * The lines of eventLines, put together by each store (json_quote and to_json spell strings as JSON does; a
 * header line is read as JSON, and the body line is the stored text itself).
 */
const SQLITE_EVENT_LINES = `select count(*) as "n", cast(group_concat('{"seq":' || "seq" || ',"kind":' || json_quote("kind") || ',"entityId":' || json_quote("entity_id") || ',"op":' || json_quote("op") || ',"at":' || json_quote("at") || ',"prevHash":' || json_quote("prev_hash") || ',"hash":' || json_quote("hash") || '}' || char(10) || "body", char(10) order by "seq") as blob) as "lines" from "events" where "origin" = ? and "seq" > ? and "seq" <= ?`;
const PG_EVENT_LINES = `select count(*) as "n", convert_to(string_agg('{"seq":' || "seq" || ',"kind":' || to_json("kind")::text || ',"entityId":' || to_json("entity_id")::text || ',"op":' || to_json("op")::text || ',"at":' || to_json("at")::text || ',"prevHash":' || to_json("prev_hash")::text || ',"hash":' || to_json("hash")::text || '}' || chr(10) || "body", chr(10) order by "seq"), 'UTF8') as "lines" from "events" where "origin" = ? and "seq" > ? and "seq" <= ?`;

/** A received body may come as its UTF-8 bytes: stored as the text they are. */
const TEXT_BODY = { textFromBytes: ['body'] };

function eventRow(e: ReceivedEvent, storedAt: string): Record<string, unknown> {
  const route = routingOf(e.kind, e.body);
  return { origin: e.origin, seq: e.seq, kind: e.kind, entity_id: e.entityId, op: e.op, body: e.bodyBytes ?? e.bodyText, at: e.at, prev_hash: e.prevHash, hash: e.hash, stored_at: storedAt, region: route.region, category: route.category, target: route.target };
}

/** Conditions a parent puts on the events it sends a child (DESIGN.md §4, down). */
export interface DownFilter {
  /** Origins never sent: the child and its subtree. */
  excludeOrigins: string[];
  directory: boolean;
  /** Tickets addressed to one of these nodes. */
  ticketTargets: string[];
  /** Records: all of them, or those matching any of the following. */
  allRecords: boolean;
  regionPrefix: string | null;
  categories: string[];
  origins: string[];
}

function fromRow(r: EventRow): StoredEvent {
  return {
    pos: Number(r.pos),
    origin: r.origin,
    seq: Number(r.seq),
    kind: r.kind as EventKind,
    entityId: r.entity_id,
    op: r.op,
    body: JSON.parse(r.body) as unknown,
    at: r.at,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export interface EventLogDeps {
  origin: string;
  clock: Clock;
  /** Signs a head { origin, seq, hash, at }; absent in tools that only read. */
  signHead?: (head: { origin: string; seq: number; hash: string; at: string }) => string;
}

/** The only writer of `events` and `heads` (DESIGN.md §2: exchange/ owns the event log). */
export class EventLog {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly deps: EventLogDeps) {}

  /** Called whenever events are stored (own or received), e.g. to schedule a push up; returns an unsubscribe. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  async head(db: Knex | Knex.Transaction, origin: string = this.deps.origin): Promise<Head | undefined> {
    const row = (await db('heads').where({ origin }).first()) as { origin: string; seq: number | string; hash: string; at: string; signature: string | null } | undefined;
    return row ? { origin: row.origin, seq: Number(row.seq), hash: row.hash, at: row.at, signature: row.signature } : undefined;
  }

  /** Every origin's head as stored here, by origin. */
  async heads(db: Knex | Knex.Transaction): Promise<Head[]> {
    const rows = (await db('heads').select('origin', 'seq', 'hash', 'at', 'signature').orderBy('origin')) as Array<{ origin: string; seq: number | string; hash: string; at: string; signature: string | null }>;
    return rows.map((h) => ({ origin: h.origin, seq: Number(h.seq), hash: h.hash, at: h.at, signature: h.signature }));
  }

  async count(db: Knex | Knex.Transaction): Promise<number> {
    const row = (await db('events').count({ n: '*' }).first()) as { n: number | string } | undefined;
    return Number(row?.n ?? 0);
  }

  /**
   * Appends this node's events in the caller's transaction, continuing its chain, and re-signs the head once.
   * On PostgreSQL the head row is locked so concurrent writers queue instead of forking the chain.
   */
  async append(trx: Knex.Transaction, inputs: EventInput[], when?: string): Promise<NodeEvent[]> {
    if (inputs.length === 0) return [];
    const origin = this.deps.origin;
    if (await stateRepo.chainUnconfirmed(trx)) {
      throw new ChainUnconfirmed('本节点由备份恢复，其事件链尚未与上级节点核对：请先运行 credit-node sync --up（或启动节点等待首轮同步）补回上级节点已有的后续事件，再写入');
    }
    await lockEvents(trx);
    let q = trx('heads').where({ origin });
    if (trx.client.config.client === 'pg') q = q.forUpdate();
    const headRow = (await q.first()) as { seq: number | string; hash: string } | undefined;
    let seq = headRow ? Number(headRow.seq) : 0;
    let prevHash = headRow ? headRow.hash : GENESIS_HASH;
    // The caller's time when it stamps its own rows with it, so rows and events agree to the millisecond.
    const at = when ?? this.deps.clock().toISOString();
    const events: NodeEvent[] = [];
    const rows: Array<Record<string, unknown>> = [];
    const checkpoints: SignedHead[] = [];
    const sign = this.deps.signHead;
    let sinceCheckpoint = 0;
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i] as EventInput;
      seq += 1;
      const bodyText = input.bodyCanonical ?? canonicalize(input.body);
      sinceCheckpoint += bodyText.length;
      const partial = { origin, seq, kind: input.kind, entityId: input.entityId, op: input.op, body: input.body, at, prevHash };
      const hash = eventHash(partial, bodyText);
      const event = { ...partial, hash };
      events.push(event);
      rows.push(eventRow({ ...event, bodyText }, at));
      prevHash = hash;
      if (sign && (seq % CHECKPOINT_EVERY === 0 || sinceCheckpoint >= CHECKPOINT_BYTES || i === inputs.length - 1)) {
        sinceCheckpoint = 0;
        const h = { origin, seq, hash, at };
        checkpoints.push({ ...h, signature: sign(h) });
      }
    }
    await insertMany(trx, 'events', rows);
    await insertMany(trx, 'signed_heads', checkpoints as unknown as Array<Record<string, unknown>>);
    const head = { origin, seq, hash: prevHash, at };
    const signature = checkpoints.at(-1)?.signature ?? null;
    if (headRow) await trx('heads').where({ origin }).update({ seq, hash: prevHash, at, signature });
    else await trx('heads').insert({ ...head, signature });
    this.changed();
    return events;
  }

  /** Events of one origin with seq > after, in order. */
  async eventsOf(db: Knex | Knex.Transaction, origin: string, after = 0, limit = 1000): Promise<StoredEvent[]> {
    const rows = (await db('events').where({ origin }).andWhere('seq', '>', after).orderBy('seq').limit(limit)) as EventRow[];
    return rows.map(fromRow);
  }

  /**
   * Every signed checkpoint of a chain (and its head) must be signed by the origin's key and name the hash
   * stored at its seq.
   */
  private async verifySignatures(db: Knex, origin: string, key: KeyObject | undefined, headSignature: string | null | undefined): Promise<{ origin: string; seq: number; reason: string } | undefined> {
    if (!key) return { origin, seq: 0, reason: '目录中没有该来源节点的公钥，无法核验签名' };
    const check = (jws: string): SignedHeadPayload | undefined => verifyCompact(jws, key) as SignedHeadPayload | undefined;
    let after = 0;
    for (;;) {
      const page = await this.checkpoints(db, origin, after, Number.MAX_SAFE_INTEGER, 5000);
      if (page.length === 0) break;
      const hashes = await this.hashesOf(db, origin, (page[0] as SignedHead).seq, (page.at(-1) as SignedHead).seq);
      for (const c of page) {
        const p = check(c.signature);
        if (!p || p.origin !== origin || p.seq !== c.seq || p.hash !== c.hash) return { origin, seq: c.seq, reason: '检查点签名无效' };
        if (hashes.get(c.seq) !== c.hash) return { origin, seq: c.seq, reason: '检查点签名与该序号事件的哈希不一致' };
        after = c.seq;
      }
    }
    if (headSignature) {
      const p = check(headSignature);
      const head = await this.head(db, origin);
      if (!p || !head || p.seq !== head.seq || p.hash !== head.hash) return { origin, seq: head?.seq ?? 0, reason: '链头签名无效' };
    }
    return undefined;
  }

  /** Events of one origin with after < seq <= upto, bodies as stored text, for a batch. */
  async rawEventsOf(db: Knex | Knex.Transaction, origin: string, after: number, upto: number): Promise<RawEvent[]> {
    // The sender's hot path: a prepared statement, not the query builder (DESIGN.md §3).
    const rows = await selectRows<EventRow>(db, 'select "pos", "origin", "seq", "kind", "entity_id", "op", "body", "at", "prev_hash", "hash" from "events" where "origin" = ? and "seq" > ? and "seq" <= ? order by "seq"', [origin, after, upto]);
    return rows.map(rawFromRow);
  }

  /**
   * Events of one origin with after < seq <= upto in the line form of an up batch (eventLines), all their lines
   * as one piece of UTF-8 that the store puts together: the sender's hot path (DESIGN.md §3) makes no object,
   * string or buffer per event, and every body goes out as the very bytes it is stored as.
   */
  async eventLinesOf(db: Knex | Knex.Transaction, origin: string, after: number, upto: number): Promise<{ count: number; lines: Buffer }> {
    const row = await selectRow<{ n: number | string; lines: Buffer | null }>(db, isSqlite(db) ? SQLITE_EVENT_LINES : PG_EVENT_LINES, [origin, after, upto]);
    return { count: Number(row?.n ?? 0), lines: row?.lines ?? Buffer.alloc(0) };
  }

  /** The hash stored at each seq of one origin in [from, to]. */
  async hashesOf(db: Knex | Knex.Transaction, origin: string, from: number, to: number): Promise<Map<number, string>> {
    const rows = (await db('events').select('seq', 'hash').where({ origin }).andWhere('seq', '>=', from).andWhere('seq', '<=', to)) as Array<{ seq: number | string; hash: string }>;
    return new Map(rows.map((r) => [Number(r.seq), r.hash]));
  }

  /** Signed checkpoints of one origin with after < seq <= upto, in order. */
  async checkpoints(db: Knex | Knex.Transaction, origin: string, after: number, upto: number, limit = 100_000): Promise<SignedHead[]> {
    const rows = (await db('signed_heads').where({ origin }).andWhere('seq', '>', after).andWhere('seq', '<=', upto).orderBy('seq').limit(limit)) as Array<SignedHead & { seq: number | string }>;
    return rows.map((r) => ({ origin: r.origin, seq: Number(r.seq), hash: r.hash, at: r.at, signature: r.signature }));
  }

  /**
   * Where a batch of one origin starting after `after` may end: the last signed checkpoint within `budget`
   * events, or the first one beyond when none is that close (a batch always ends at a signed event).
   */
  async batchEnd(db: Knex | Knex.Transaction, origin: string, after: number, budget: number, upto: number): Promise<number | undefined> {
    const within = (await db('signed_heads').where({ origin }).andWhere('seq', '>', after).andWhere('seq', '<=', Math.min(upto, after + Math.max(1, budget))).max({ s: 'seq' }).first()) as { s: number | string | null } | undefined;
    if (within?.s !== null && within?.s !== undefined) return Number(within.s);
    const beyond = (await db('signed_heads').where({ origin }).andWhere('seq', '>', after).andWhere('seq', '<=', upto).min({ s: 'seq' }).first()) as { s: number | string | null } | undefined;
    return beyond?.s !== null && beyond?.s !== undefined ? Number(beyond.s) : undefined;
  }

  /**
   * Stores a verified run of another origin's chain, continuing its stored head, with the checkpoints that
   * cover it; the head moves to the last event. The caller has checked hashes, links and signatures.
   */
  async storeChain(trx: Knex.Transaction, origin: string, events: ReceivedEvent[], checkpoints: SignedHead[], storedAt: string): Promise<void> {
    if (events.length === 0) return;
    await lockEvents(trx);
    await insertMany(trx, 'events', events.map((e) => eventRow(e, storedAt)), TEXT_BODY);
    const known = await this.checkpoints(trx, origin, (events[0] as ReceivedEvent).seq - 1, (events.at(-1) as ReceivedEvent).seq);
    const have = new Set(known.map((k) => k.seq));
    await insertMany(trx, 'signed_heads', checkpoints.filter((c) => !have.has(c.seq)) as unknown as Array<Record<string, unknown>>);
    const last = events.at(-1) as ReceivedEvent;
    const cover = checkpoints.find((c) => c.seq === last.seq);
    const head = { seq: last.seq, hash: last.hash, at: last.at, signature: cover?.signature ?? null };
    const updated = await trx('heads').where({ origin }).update(head);
    if (!updated) await trx('heads').insert({ origin, ...head });
    this.changed();
  }

  /**
   * Stores events a parent sent down: a selection of other origins' chains, so no head moves. Returns the
   * ones not stored before (an event already stored with the same hash is skipped).
   */
  async storeSelection(trx: Knex.Transaction, events: ReceivedEvent[], storedAt: string): Promise<{ fresh: ReceivedEvent[]; conflicts: ReceivedEvent[] }> {
    if (events.length === 0) return { fresh: [], conflicts: [] };
    await lockEvents(trx);
    const fresh: ReceivedEvent[] = [];
    const conflicts: ReceivedEvent[] = [];
    const byOrigin = new Map<string, ReceivedEvent[]>();
    for (const e of events) {
      let list = byOrigin.get(e.origin);
      if (!list) byOrigin.set(e.origin, (list = []));
      list.push(e);
    }
    for (const [origin, list] of byOrigin) {
      const seqs = list.map((e) => e.seq);
      const stored = await this.hashesOf(trx, origin, Math.min(...seqs), Math.max(...seqs));
      for (const e of list) {
        const h = stored.get(e.seq);
        if (h === undefined) fresh.push(e);
        else if (h !== e.hash) conflicts.push(e);
      }
    }
    await insertMany(trx, 'events', fresh.map((e) => eventRow(e, storedAt)), TEXT_BODY);
    return { fresh, conflicts };
  }

  /**
   * Received events that the projection turns into rows (records and tickets of other origins) stored after
   * local position `after` and at or before `upto`, in position order; bodies parsed.
   */
  async unprojected(db: Knex | Knex.Transaction, self: string, after: number, upto: number, limit: number): Promise<StoredEvent[]> {
    const rows = await selectRows<EventRow>(db, 'select "pos", "origin", "seq", "kind", "entity_id", "op", "body", "at", "prev_hash", "hash" from "events" where "pos" > ? and "pos" <= ? and "origin" <> ? and "kind" in (\'record\', \'ticket\') order by "pos" limit ?', [after, upto, self, limit]);
    return rows.map(fromRow);
  }

  /** Whether any received record or ticket event after `after` waits for projection. */
  async hasUnprojected(db: Knex | Knex.Transaction, self: string, after: number): Promise<boolean> {
    const row = await selectRow<{ pos: number }>(db, 'select "pos" from "events" where "pos" > ? and "origin" <> ? and "kind" in (\'record\', \'ticket\') limit 1', [after, self]);
    return row !== undefined;
  }

  /** How many received record and ticket events after `after` wait for projection. */
  async countUnprojected(db: Knex | Knex.Transaction, self: string, after: number): Promise<number> {
    const row = await selectRow<{ n: number | string }>(db, 'select count(*) as "n" from "events" where "pos" > ? and "origin" <> ? and "kind" in (\'record\', \'ticket\')', [after, self]);
    return Number(row?.n ?? 0);
  }

  /** The highest local position (0 when empty). */
  async maxPos(db: Knex | Knex.Transaction): Promise<number> {
    const row = (await db('events').max({ p: 'pos' }).first()) as { p: number | string | null } | undefined;
    return Number(row?.p ?? 0);
  }

  /**
   * Events stored here after local position `after` that match a child's filter, in position order, looking
   * at no more than `scan` positions; `next` is where the child resumes.
   */
  async selectAfter(db: Knex | Knex.Transaction, after: number, limit: number, scan: number, f: DownFilter): Promise<{ events: RawEvent[]; next: number; max: number }> {
    const max = await this.maxPos(db);
    const until = Math.min(max, after + scan);
    const q = db('events').select('pos', 'origin', 'seq', 'kind', 'entity_id', 'op', 'body', 'at', 'prev_hash', 'hash')
      .where('pos', '>', after).andWhere('pos', '<=', until);
    if (f.excludeOrigins.length) q.whereNotIn('origin', f.excludeOrigins);
    q.andWhere((w) => {
      w.whereRaw('1 = 0');
      if (f.directory) w.orWhere('kind', 'directory');
      if (f.ticketTargets.length) w.orWhere((t) => t.where('kind', 'ticket').whereIn('target', f.ticketTargets));
      // Records, and objections about records (their routing category is the record's: never repair or
      // complaint), to the children that receive those records.
      w.orWhere((r) => {
        r.where((k) => {
          k.where('kind', 'record');
          if (f.ticketTargets.length) k.orWhere((t) => t.where('kind', 'ticket').whereNotIn('category', ['repair', 'complaint', 'objection']));
        }).andWhere((m) => {
          if (f.allRecords) m.whereRaw('1 = 1');
          else {
            m.whereRaw('1 = 0');
            if (f.regionPrefix) m.orWhere('region', 'like', `${f.regionPrefix}%`);
            if (f.categories.length) m.orWhereIn('category', f.categories);
            if (f.origins.length) m.orWhereIn('origin', f.origins);
          }
        });
      });
    });
    const rows = (await q.orderBy('pos').limit(limit)) as EventRow[];
    const events = rows.map(rawFromRow);
    const next = events.length === limit ? (events.at(-1) as RawEvent).pos : until;
    return { events, next, max };
  }

  /**
   * Walks every origin's chain in seq order, page by page (memory stays flat), checking seq continuity,
   * prevHash links, each hash and the stored head. Origins known here only by a parent's selection (no head
   * here) are not whole chains: each of their events is checked against its own hash. Reports the first broken link.
   */
  async verify(db: Knex, keyOf?: (origin: string) => Promise<KeyObject | undefined>): Promise<{ ok: boolean; origins: Record<string, number>; partial: Record<string, number>; broken?: { origin: string; seq: number; reason: string } }> {
    const heads = (await db('heads').select('origin', 'seq', 'hash', 'signature')) as Array<{ origin: string; seq: number | string; hash: string; signature: string | null }>;
    const origins: Record<string, number> = {};
    const partial: Record<string, number> = {};
    const distinct = (await db('events').distinct('origin')) as Array<{ origin: string }>;
    const chained = new Set(heads.map((h) => h.origin));
    const altered = (e: StoredEvent, r: EventRow) => {
      const { hash, pos: _pos, ...rest } = e;
      return eventHash(rest, r.body) !== hash || eventHash(rest) !== hash;
    };
    for (const origin of [...new Set([...chained, ...distinct.map((d) => d.origin)])].sort()) {
      if (!chained.has(origin)) {
        let after = 0;
        let n = 0;
        for (;;) {
          const page = (await db('events').where({ origin }).andWhere('seq', '>', after).orderBy('seq').limit(5000)) as EventRow[];
          if (page.length === 0) break;
          for (const r of page) {
            const e = fromRow(r);
            if (altered(e, r)) return { ok: false, origins, partial, broken: { origin, seq: e.seq, reason: '事件内容与其哈希不一致（已被修改）' } };
            after = e.seq;
            n += 1;
          }
        }
        partial[origin] = n;
        continue;
      }
      let expectSeq = 1;
      let prev = GENESIS_HASH;
      let after = 0;
      for (;;) {
        const page = (await db('events').where({ origin }).andWhere('seq', '>', after).orderBy('seq').limit(5000)) as EventRow[];
        if (page.length === 0) break;
        for (const r of page) {
          const e = fromRow(r);
          const fail = (reason: string) => ({ ok: false, origins, partial, broken: { origin, seq: e.seq, reason } });
          if (e.seq !== expectSeq) return { ok: false, origins, partial, broken: { origin, seq: expectSeq, reason: `缺少序号 ${expectSeq} 的事件（下一个为 ${e.seq}）` } };
          if (e.prevHash !== prev) return fail('prevHash 与上一事件的哈希不一致');
          if (altered(e, r)) return fail('事件内容与其哈希不一致（已被修改）');
          prev = e.hash;
          expectSeq += 1;
          after = e.seq;
        }
      }
      const head = heads.find((h) => h.origin === origin);
      if (head && (Number(head.seq) !== expectSeq - 1 || head.hash !== prev)) {
        return { ok: false, origins, partial, broken: { origin, seq: Number(head.seq), reason: '链头与最后一个事件不一致' } };
      }
      origins[origin] = expectSeq - 1;
      if (keyOf) {
        const broken = await this.verifySignatures(db, origin, await keyOf(origin), head?.signature);
        if (broken) return { ok: false, origins, partial, broken };
      }
    }
    return { ok: true, origins, partial };
  }
}
