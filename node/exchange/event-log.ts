import type { Knex } from 'knex';
import { canonicalize, sha256Hex } from './canonical-json.ts';
import { insertMany } from '../store/bulk.ts';
import type { Clock } from '../clock.ts';

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

export interface Head { origin: string; seq: number; hash: string; at: string; signature: string | null }

/** The prevHash of an origin's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * hash = SHA-256 over the RFC 8785 canonical JSON of the event without `hash`. The body is canonicalised once
 * and spliced in: keys sorted (at, body, entityId, kind, op, origin, prevHash, seq) give the same text as
 * canonicalising the whole event, which the tests check.
 */
export function eventHash(e: Omit<NodeEvent, 'hash'>, bodyCanonical: string = canonicalize(e.body)): string {
  const text = `{"at":${JSON.stringify(e.at)},"body":${bodyCanonical},"entityId":${JSON.stringify(e.entityId)},"kind":${JSON.stringify(e.kind)},"op":${JSON.stringify(e.op)},"origin":${JSON.stringify(e.origin)},"prevHash":${JSON.stringify(e.prevHash)},"seq":${e.seq}}`;
  return sha256Hex(text);
}

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
  constructor(private readonly deps: EventLogDeps) {}

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
  async append(trx: Knex.Transaction, inputs: EventInput[]): Promise<NodeEvent[]> {
    if (inputs.length === 0) return [];
    const origin = this.deps.origin;
    let q = trx('heads').where({ origin });
    if (trx.client.config.client === 'pg') q = q.forUpdate();
    const headRow = (await q.first()) as { seq: number | string; hash: string } | undefined;
    let seq = headRow ? Number(headRow.seq) : 0;
    let prevHash = headRow ? headRow.hash : GENESIS_HASH;
    const at = this.deps.clock().toISOString();
    const events: NodeEvent[] = [];
    const rows: Array<Record<string, unknown>> = [];
    for (const input of inputs) {
      seq += 1;
      const bodyText = input.bodyCanonical ?? canonicalize(input.body);
      const partial = { origin, seq, kind: input.kind, entityId: input.entityId, op: input.op, body: input.body, at, prevHash };
      const hash = eventHash(partial, bodyText);
      events.push({ ...partial, hash });
      rows.push({ origin, seq, kind: input.kind, entity_id: input.entityId, op: input.op, body: bodyText, at, prev_hash: prevHash, hash, stored_at: at });
      prevHash = hash;
    }
    await insertMany(trx, 'events', rows);
    const head = { origin, seq, hash: prevHash, at };
    const signature = this.deps.signHead ? this.deps.signHead(head) : null;
    if (headRow) await trx('heads').where({ origin }).update({ seq, hash: prevHash, at, signature });
    else await trx('heads').insert({ ...head, signature });
    return events;
  }

  /** Events of one origin with seq > after, in order. */
  async eventsOf(db: Knex | Knex.Transaction, origin: string, after = 0, limit = 1000): Promise<StoredEvent[]> {
    const rows = (await db('events').where({ origin }).andWhere('seq', '>', after).orderBy('seq').limit(limit)) as EventRow[];
    return rows.map(fromRow);
  }

  /**
   * Walks every origin's chain in seq order, page by page (memory stays flat), checking seq continuity,
   * prevHash links, each hash and the stored head. Reports the first broken link.
   */
  async verify(db: Knex): Promise<{ ok: boolean; origins: Record<string, number>; broken?: { origin: string; seq: number; reason: string } }> {
    const heads = (await db('heads').select('origin', 'seq', 'hash')) as Array<{ origin: string; seq: number | string; hash: string }>;
    const origins: Record<string, number> = {};
    const distinct = (await db('events').distinct('origin')) as Array<{ origin: string }>;
    const all = new Set([...heads.map((h) => h.origin), ...distinct.map((d) => d.origin)]);
    for (const origin of [...all].sort()) {
      let expectSeq = 1;
      let prev = GENESIS_HASH;
      let after = 0;
      for (;;) {
        const page = (await db('events').where({ origin }).andWhere('seq', '>', after).orderBy('seq').limit(5000)) as EventRow[];
        if (page.length === 0) break;
        for (const r of page) {
          const e = fromRow(r);
          const fail = (reason: string) => ({ ok: false, origins, broken: { origin, seq: e.seq, reason } });
          if (e.seq !== expectSeq) return { ok: false, origins, broken: { origin, seq: expectSeq, reason: `缺少序号 ${expectSeq} 的事件（下一个为 ${e.seq}）` } };
          if (e.prevHash !== prev) return fail('prevHash 与上一事件的哈希不一致');
          const { hash, pos: _pos, ...rest } = e;
          if (eventHash(rest, r.body) !== hash || eventHash(rest) !== hash) return fail('事件内容与其哈希不一致（已被修改）');
          prev = hash;
          expectSeq += 1;
          after = e.seq;
        }
      }
      const head = heads.find((h) => h.origin === origin);
      if (head && (Number(head.seq) !== expectSeq - 1 || head.hash !== prev)) {
        return { ok: false, origins, broken: { origin, seq: Number(head.seq), reason: '链头与最后一个事件不一致' } };
      }
      origins[origin] = expectSeq - 1;
    }
    return { ok: true, origins };
  }
}
