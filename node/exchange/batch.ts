import type { KeyObject } from 'node:crypto';
import { canonicalize, sha256Hex } from './canonical-json.ts';
import { isUtf8 } from 'node:buffer';
import { eventHash, eventHashOfBytes, GENESIS_HASH, wireEventText, type EventKind, type RawEvent, type ReceivedEvent, type SignedHead, type SignedHeadPayload } from './event-log.ts';
import { verifyCompact } from './jws.ts';
import { BatchInvalid, BatchTooLarge, EventTampered, HeadSignatureInvalid, SyncGap } from '../errors.ts';

/**
 * The wire format of exchange protocol v1 (DESIGN.md §4). An up batch carries, per origin, a run of its chain
 * and the signed checkpoints inside that run (the last one covers the run's last event); a down batch is a
 * selection of events signed as a whole by the parent.
 */
export interface WireEvent {
  origin: string; seq: number; kind: EventKind; entityId: string; op: string; body?: unknown; bodyText?: string; at: string; prevHash: string; hash: string;
  /** In the line form: the body line's bytes, exactly as received. */
  bodyBytes?: Buffer;
}
export interface OriginRun { origin: string; events: WireEvent[]; heads: string[] }
/** The sender's audit evidence (node/audit/child-proof.ts): its signed audit head and the links since the parent's. */
export interface AuditEvidence { head: string; links: Array<{ seq: number; prevHash: string; hash: string }> }
export interface UpBatch { from: string; to: string; origins: OriginRun[]; audit?: AuditEvidence }
export interface DownBatch { from: string; to: string; after: number; next: number; remaining: number; signature: string; events: WireEvent[] }
/** What the parent signs over a down batch. */
export interface DownSignaturePayload { from: string; to: string; after: number; next: number; count: number; digest: string }

const KINDS = new Set(['record', 'ticket', 'directory']);

export function runText(origin: string, events: RawEvent[], heads: SignedHead[]): string {
  return `{"origin":${JSON.stringify(origin)},"events":[${events.map(wireEventText).join(',')}],"heads":${JSON.stringify(heads.map((h) => h.signature))}}`;
}

export function upBatchText(from: string, to: string, runs: string[]): string {
  return `{"from":${JSON.stringify(from)},"to":${JSON.stringify(to)},"origins":[${runs.join(',')}]}`;
}

/**
 * The line form of an up batch (`Content-Type: application/x-ndjson`), what nodes send each other: a header line
 * `{"from","to"}`, then per origin a line `{"origin","events":N,"heads":[JWS…]}` followed by N pairs of lines,
 * the event without its body and the body's canonical text exactly as it was hashed. Every line is JSON, but a
 * body is never escaped into a string and parsed twice as in the JSON form (which receivers still accept). A
 * batch is built and read as bytes: a body goes from the sender's store to the receiver's as the UTF-8 it is.
 */
export const LINES_TYPE = 'application/x-ndjson';

/** A line of the line form: text, or UTF-8 bytes (a body as stored). */
export type Line = string | Buffer;

/**
 * One origin's run in the line form: its top line, then the `count` events' lines (two each, eventLines), given
 * as pieces of one or more whole lines each (EventLog.eventLinesOf gives all of them as one piece).
 */
export function runLines(origin: string, count: number, events: Line[], heads: SignedHead[]): Line[] {
  const top = `{"origin":${JSON.stringify(origin)},"events":${count},"heads":${JSON.stringify(heads.map((h) => h.signature))}}`;
  return count > 0 ? [top, ...events] : [top];
}

/** The bytes `lines` (pieces of whole lines) take in a batch, with the newline after each piece. */
export function linesBytes(lines: Line[]): number {
  let n = 0;
  for (const l of lines) n += (typeof l === 'string' ? Buffer.byteLength(l, 'utf8') : l.length) + 1;
  return n;
}

const NEWLINE = Buffer.from('\n');

/**
 * An up batch in the line form, as the pieces of bytes that are sent one after the other (never joined: a run's
 * events are one piece of megabytes): the header line, then each run's pieces of lines.
 */
export function upBatchLines(from: string, to: string, runs: Line[][], audit?: AuditEvidence): Buffer[] {
  const top = audit ? `{"from":${JSON.stringify(from)},"to":${JSON.stringify(to)},"audit":${JSON.stringify(audit)}}` : `{"from":${JSON.stringify(from)},"to":${JSON.stringify(to)}}`;
  const parts: Buffer[] = [Buffer.from(top, 'utf8')];
  for (const run of runs) for (const l of run) parts.push(NEWLINE, typeof l === 'string' ? Buffer.from(l, 'utf8') : l);
  return parts;
}

/** Parses an up batch in the line form (its bytes, or text) into the same shape as the JSON form; every problem names the line. */
export function parseUpLines(input: Buffer | string, maxEvents: number): UpBatch {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  // Where each line starts and ends (a newline never occurs inside a UTF-8 sequence); a final newline ends the last.
  const starts: number[] = [];
  const ends: number[] = [];
  for (let pos = 0; pos < buf.length;) {
    const nl = buf.indexOf(10, pos);
    const end = nl < 0 ? buf.length : nl;
    starts.push(pos);
    ends.push(end);
    pos = end + 1;
  }
  const count = starts.length;
  const json = (i: number, what: string): Record<string, unknown> => {
    let v: unknown;
    try {
      v = JSON.parse(buf.toString('utf8', starts[i], ends[i]));
    } catch {
      throw new BatchInvalid(`交换批次第 ${i + 1} 行（${what}）不是合法的 JSON`, [{ path: `line ${i + 1}`, message: '不是合法的 JSON' }]);
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new BatchInvalid(`交换批次第 ${i + 1} 行（${what}）必须是 JSON 对象`, [{ path: `line ${i + 1}`, message: '必须是对象' }]);
    return v as Record<string, unknown>;
  };
  if (count === 0) throw new BatchInvalid('交换批次为空');
  const top = json(0, '批次头');
  if (!isStr(top['from']) || !isStr(top['to'])) throw new BatchInvalid('交换批次缺少 from 或 to', [{ path: 'from', message: '必填' }]);
  const origins: OriginRun[] = [];
  let total = 0;
  let i = 1;
  while (i < count) {
    const head = json(i, '来源头');
    const n = head['events'];
    if (!isStr(head['origin']) || typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || !Array.isArray(head['heads'])) {
      throw new BatchInvalid(`交换批次第 ${i + 1} 行必须是来源头（origin、events 条数、heads）`, [{ path: `line ${i + 1}`, message: '格式错误' }]);
    }
    total += n;
    if (total > maxEvents) throw new BatchTooLarge(`批次含 ${total} 个以上事件，超过本节点接受的上限 ${maxEvents}，请减半后重发`, { count: total, max: maxEvents });
    if (i + 1 + 2 * n > count) throw new BatchInvalid(`交换批次第 ${i + 1} 行声明 ${n} 个事件，但批次在第 ${count} 行就结束了`, [{ path: `line ${i + 1}`, message: '事件行不足' }]);
    const origin = head['origin'];
    const events: WireEvent[] = [];
    for (let k = 0; k < n; k++) {
      const at = i + 1 + 2 * k;
      const e = json(at, '事件') as Partial<WireEvent>;
      // bodyText from the sender is not taken: the body is the next line's bytes.
      delete e.bodyText;
      events.push({ ...e, origin, bodyBytes: buf.subarray(starts[at + 1], ends[at + 1]) } as WireEvent);
    }
    origins.push({ origin, events, heads: head['heads'] as string[] });
    i += 1 + 2 * n;
  }
  const audit = top['audit'] as AuditEvidence | undefined;
  return { from: top['from'], to: top['to'], origins, ...(audit !== undefined ? { audit } : {}) };
}

/** The digest a down batch signature binds: the events' hashes in order. */
export const digestOf = (hashes: string[]): string => sha256Hex(hashes.join('\n'));

const isStr = (v: unknown): v is string => typeof v === 'string';
const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;

/** Checks one wire event's shape and that its hash is the hash of its content; returns it with its canonical body. */
export function checkEvent(raw: unknown, where: string): ReceivedEvent {
  const e = raw as Partial<WireEvent> | null;
  if (!e || typeof e !== 'object') throw new BatchInvalid(`${where}：事件必须是对象`);
  for (const f of ['origin', 'entityId', 'op', 'at', 'prevHash', 'hash'] as const) if (!isStr(e[f])) throw new BatchInvalid(`${where}：事件缺少字段 ${f}`, [{ path: f, message: '必填字符串' }]);
  if (!isSeq(e.seq)) throw new BatchInvalid(`${where}：事件序号 seq 必须是正整数`, [{ path: 'seq', message: '必须是正整数' }]);
  if (!isStr(e.kind) || !KINDS.has(e.kind)) throw new BatchInvalid(`${where}：事件类型 kind 无效`, [{ path: 'kind', message: 'record、ticket 或 directory' }]);
  const given = (e as { bodyText?: unknown }).bodyText;
  const bytes = (e as { bodyBytes?: unknown }).bodyBytes;
  let bodyText: string;
  let body: unknown;
  if (Buffer.isBuffer(bytes)) {
    // The line form: the bytes the origin hashed. They must be UTF-8 (the text the origin hashed was).
    if (!isUtf8(bytes)) throw new BatchInvalid(`${where}：事件正文不是合法的 UTF-8 文本`, [{ path: 'body', message: '不是合法的 UTF-8' }]);
    bodyText = bytes.toString('utf8');
    try {
      body = JSON.parse(bodyText) as unknown;
    } catch {
      throw new BatchInvalid(`${where}：事件正文不是合法的 JSON`, [{ path: 'body', message: '不是合法的 JSON' }]);
    }
  } else if (typeof given === 'string') {
    // The exact text the origin hashed: checking the hash over it is enough (no re-canonicalisation).
    bodyText = given;
    try {
      body = JSON.parse(given) as unknown;
    } catch {
      throw new BatchInvalid(`${where}：bodyText 不是合法的 JSON`, [{ path: 'bodyText', message: '不是合法的 JSON' }]);
    }
  } else if ('body' in e) {
    body = e.body;
    bodyText = canonicalize(body);
  } else {
    throw new BatchInvalid(`${where}：事件缺少 body`, [{ path: 'body', message: '必填' }]);
  }
  const event = { origin: e.origin as string, seq: e.seq, kind: e.kind, entityId: e.entityId as string, op: e.op as string, body, at: e.at as string, prevHash: e.prevHash as string };
  if ((Buffer.isBuffer(bytes) ? eventHashOfBytes(event, bytes) : eventHash(event, bodyText)) !== e.hash) {
    throw new EventTampered(`来源 ${event.origin} 序号 ${event.seq} 的事件内容与其哈希不一致，已拒收`, { origin: event.origin, seq: event.seq });
  }
  return Buffer.isBuffer(bytes) ? { ...event, hash: e.hash as string, bodyText, bodyBytes: bytes } : { ...event, hash: e.hash as string, bodyText };
}

/** Parses the top of an up batch; every problem names the field. */
export function parseUpBatch(raw: unknown, maxEvents: number): UpBatch {
  const b = raw as Partial<UpBatch> | null;
  if (!b || typeof b !== 'object') throw new BatchInvalid('交换批次必须是 JSON 对象');
  if (!isStr(b.from) || !isStr(b.to)) throw new BatchInvalid('交换批次缺少 from 或 to', [{ path: 'from', message: '必填' }]);
  if (!Array.isArray(b.origins)) throw new BatchInvalid('交换批次缺少 origins 数组', [{ path: 'origins', message: '必填数组' }]);
  let n = 0;
  for (const [i, run] of b.origins.entries()) {
    if (!run || !isStr(run.origin) || !Array.isArray(run.events) || !Array.isArray(run.heads)) {
      throw new BatchInvalid(`origins[${i}] 必须含 origin、events 和 heads`, [{ path: `origins[${i}]`, message: '格式错误' }]);
    }
    n += run.events.length;
  }
  if (n > maxEvents) throw new BatchTooLarge(`批次含 ${n} 个事件，超过本节点接受的上限 ${maxEvents}，请减半后重发`, { count: n, max: maxEvents });
  return b as UpBatch;
}


/**
 * Verifies one origin's run against what is stored here (DESIGN.md §4): events at or below the stored head
 * must carry the stored hash (re-delivery, skipped); the rest must continue the chain from the head, each hash
 * must be its content's hash, and a checkpoint signed with the origin's key must cover the last event.
 */
export function verifyRun(
  run: OriginRun,
  stored: { seq: number; hash: string } | undefined,
  storedHashes: Map<number, string>,
  key: KeyObject,
): { fresh: ReceivedEvent[]; checkpoints: SignedHead[]; skipped: number } {
  const origin = run.origin;
  const where = `来源 ${origin}`;
  const events = run.events.map((e, i) => {
    const ev = checkEvent(e, `${where} 第 ${i + 1} 个事件`);
    if (ev.origin !== origin) throw new BatchInvalid(`${where} 的事件列表中混入了来源 ${ev.origin} 的事件`);
    return ev;
  });
  for (let i = 1; i < events.length; i++) {
    if ((events[i] as ReceivedEvent).seq !== (events[i - 1] as ReceivedEvent).seq + 1) throw new BatchInvalid(`${where} 的事件序号不连续（${(events[i - 1] as ReceivedEvent).seq} 之后是 ${(events[i] as ReceivedEvent).seq}）`);
  }
  const headSeq = stored?.seq ?? 0;
  const first = events[0];
  if (first && first.seq > headSeq + 1) {
    throw new SyncGap(`${where} 的事件应从序号 ${headSeq + 1} 开始，收到的从 ${first.seq} 开始`, { expected: [{ origin, seq: headSeq + 1 }] });
  }
  let skipped = 0;
  const fresh: ReceivedEvent[] = [];
  let prev = stored?.hash ?? GENESIS_HASH;
  for (const e of events) {
    if (e.seq <= headSeq) {
      if (storedHashes.get(e.seq) !== e.hash) {
        throw new EventTampered(`${where} 序号 ${e.seq} 的事件与本节点已存的不同（同一序号两个不同哈希），已拒收`, { origin, seq: e.seq });
      }
      skipped += 1;
      continue;
    }
    if (e.prevHash !== prev) throw new EventTampered(`${where} 序号 ${e.seq} 的 prevHash 与链上前一事件不符，已拒收`, { origin, seq: e.seq });
    prev = e.hash;
    fresh.push(e);
  }
  const bySeq = new Map(fresh.map((e) => [e.seq, e]));
  const checkpoints: SignedHead[] = [];
  for (const jws of run.heads) {
    const p = (isStr(jws) ? verifyCompact(jws, key) : undefined) as SignedHeadPayload | undefined;
    if (!p || p.origin !== origin || !isSeq(p.seq) || !isStr(p.hash) || !isStr(p.at)) {
      throw new HeadSignatureInvalid(`${where} 的签名链头无法用其登记的公钥验证，已拒收`, { origin });
    }
    const e = bySeq.get(p.seq);
    if (e) {
      if (e.hash !== p.hash) throw new EventTampered(`${where} 序号 ${p.seq} 的事件与其签名链头不一致，已拒收`, { origin, seq: p.seq });
      checkpoints.push({ origin, seq: p.seq, hash: p.hash, at: p.at, signature: jws });
    }
  }
  const last = fresh.at(-1);
  if (last && !checkpoints.some((c) => c.seq === last.seq)) {
    throw new HeadSignatureInvalid(`${where} 的批次缺少覆盖最后一个事件（序号 ${last.seq}）的签名链头`, { origin, seq: last.seq });
  }
  return { fresh, checkpoints, skipped };
}
