import type { Knex } from 'knex';
import type { Clock } from '../clock.ts';
import type { SchemaRegistry } from '../records/schema-registry.ts';
import type { EventLog } from '../exchange/event-log.ts';
import { chinaDay } from '../publicity/visibility.ts';
import { BadRequest } from '../errors.ts';
import { clientsRepo, type RecordEventRow } from './clients-repo.ts';
import type { Client } from './clients.ts';
import { narrowScope } from './grants.ts';
import { openRecord, visibleToClient, type OpenRecord } from './open-data.ts';

/**
 * The changes feed (bulk access): every record event stored here, in local position order, as an upsert of the
 * version the client may see or a remove of one it may not (withdrawn, revoked, repaired, 政务共享, a natural
 * person without authorisation), so an agency keeps its copy current without rescanning. A record whose public
 * window ends changes no event: copies drop it after its `publishUntil`.
 */

export interface FeedItem {
  cursor: string;
  op: 'upsert' | 'remove';
  id: string;
  category: string;
  /** The USCC; a natural person's masked number when authorised, null otherwise. */
  subjectCode: string | null;
  version: number;
  record?: OpenRecord;
}

export interface FeedPage { items: FeedItem[]; next: string; hasMore: boolean }

export interface FeedQuery { since?: unknown; limit?: unknown; datasets?: unknown; fields?: unknown }

const CURSOR_TEXT = /^p1:(0|[1-9]\d{0,14})$/;

/** An opaque cursor for a local position. */
export function encodeCursor(pos: number): string {
  return Buffer.from(`p1:${pos}`, 'utf8').toString('base64url');
}

/** The position a cursor names; anything not made by encodeCursor is a 400 naming `since`. */
export function decodeCursor(since: unknown): number {
  if (since === undefined) return 0;
  const bad = () => new BadRequest('since 游标无效：请使用上一页返回的 next，或省略 since 从头读取', [{ path: 'since', message: '游标无效' }]);
  if (typeof since !== 'string' || !/^[A-Za-z0-9_-]{1,40}$/.test(since)) throw bad();
  const m = CURSOR_TEXT.exec(Buffer.from(since, 'base64url').toString('utf8'));
  if (!m || encodeCursor(Number(m[1])) !== since) throw bad();
  return Number(m[1]);
}

interface EventBody {
  id?: string;
  version?: number;
  status?: string;
  publicity?: string;
  publishFrom?: string | null;
  publishUntil?: string | null;
  category?: string;
  externalId?: string;
  decisionDate?: string;
  severity?: string;
  subject?: { type?: string; code?: string; codeHash?: string; codeMasked?: string };
  sourceUnit?: { code?: string; name?: string };
  data?: Record<string, unknown>;
}

export interface ChangesFeedDeps { db: Knex; clock: Clock; registry: SchemaRegistry; eventLog: EventLog; pageLimit: number }

export class ChangesFeed {
  constructor(private readonly deps: ChangesFeedDeps) {}

  private limitOf(v: unknown): number {
    const max = this.deps.pageLimit;
    if (v === undefined || v === '') return max;
    const n = typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : typeof v === 'number' ? v : NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new BadRequest(`limit 须为 1 至 ${max} 之间的整数`, [{ path: 'limit', message: `须为 1 至 ${max} 之间的整数` }]);
    return n;
  }

  async page(client: Client, q: FeedQuery): Promise<FeedPage> {
    const { db, registry, eventLog, clock } = this.deps;
    const after = decodeCursor(q.since);
    const limit = this.limitOf(q.limit);
    const scope = narrowScope(registry, client.scope, q.datasets, q.fields);
    const today = chinaDay(clock());
    // Positions commit in order (the event log serialises its writers), so everything up to max is there to read.
    const max = await eventLog.maxPos(db);
    const until = Math.max(after, Math.min(max, after + Math.max(limit * 100, 100_000)));
    const rows = await clientsRepo.recordEvents(db, after, until, [...scope.keys()], limit);
    const authorised = new Map<string, Set<string>>();
    for (const a of await clientsRepo.validAuthorisations(db, client.id, today)) {
      let set = authorised.get(a.subject_key);
      if (!set) authorised.set(a.subject_key, (set = new Set()));
      for (const d of JSON.parse(a.datasets) as string[]) set.add(d);
    }
    const items = rows.map((row) => this.item(row, client, scope, today, authorised));
    const last = rows.at(-1);
    const nextPos = rows.length === limit && last ? Number(last.pos) : until;
    return { items, next: encodeCursor(nextPos), hasMore: nextPos < max };
  }

  private item(row: RecordEventRow, client: Client, scope: ReturnType<typeof narrowScope>, today: string, authorised: Map<string, Set<string>>): FeedItem {
    const b = JSON.parse(row.body) as EventBody;
    const category = b.category ?? '';
    const subjectType = b.subject?.type ?? '';
    const person = subjectType === 'natural_person';
    const key = person ? b.subject?.codeHash : b.subject?.code;
    const auth = key ? authorised.get(key) : undefined;
    const version = Number(b.version ?? 0);
    const base = { cursor: encodeCursor(Number(row.pos)), id: b.id ?? row.entity_id, category, version };
    // A body without publicity (written before it travelled in bodies) is not shown: its copy is dropped.
    const visible = visibleToClient({
      category, subjectType, publicity: b.publicity ?? 'shared', status: b.status ?? '', publish_from: b.publishFrom ?? null, publish_until: b.publishUntil ?? null,
    }, client, scope, today, auth);
    const subjectCode = person ? (client.persons && auth?.has(category) ? b.subject?.codeMasked ?? null : null) : b.subject?.code ?? null;
    if (!visible) return { ...base, op: 'remove', subjectCode };
    const record = openRecord(this.deps.registry, scope, {
      id: base.id, category, externalId: b.externalId ?? '', decisionDate: b.decisionDate ?? '', severity: b.severity ?? null,
      sourceUnit: { code: b.sourceUnit?.code ?? '', name: b.sourceUnit?.name ?? '' }, status: b.status ?? '', publicity: b.publicity ?? '',
      publishFrom: b.publishFrom ?? null, publishUntil: b.publishUntil ?? null, version, updatedAt: row.at, data: b.data ?? {},
    });
    return { ...base, op: 'upsert', subjectCode, record };
  }
}
