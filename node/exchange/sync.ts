import { createPublicKey, type KeyObject } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { existsSync, readFileSync } from 'node:fs';
import type { Head } from './event-log.ts';
import type { ExchangeDeps, ExchangeService } from './service.ts';
import { signNodeToken } from './node-auth.ts';
import { LINES_TYPE, linesBytes, runLines, upBatchLines, type Line } from './batch.ts';
import { stateRepo } from './state-repo.ts';
import { ConfigInvalid, CreditNodeError, PeerRefused, PeerUnreachable } from '../errors.ts';

/** What the exchange service works with, less the records (it applies them), plus the service itself. */
export interface SyncDeps extends Omit<ExchangeDeps, 'records'> {
  exchange: ExchangeService;
  /** For tests: the pause between retries (defaults to setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Counts each batch exchanged with the parent (monitoring/). */
  onBatch?: (way: 'in' | 'out', direction: 'up' | 'down', events: number) => void;
}

export interface UpResult { sent: number; batches: number }
export interface DownResult { received: number; batches: number }

interface HttpAnswer { status: number; body: unknown; text: string }
/** A request body: text, or pieces of bytes sent one after the other (an up batch, upBatchLines). */
type RequestBody = string | Buffer[];

/** What one HTTP exchange with the parent returns: the status, the parent's Date header and the answer's text. */
export interface ExchangeAnswer { status: number; date: string | undefined; text: string }
export type ExchangeOnce = (url: URL, method: string, headers: Record<string, string>, body: Buffer[] | undefined, timeoutMs: number) => Promise<ExchangeAnswer>;

/**
 * One HTTP exchange on node:http(s): the body's pieces are written to the socket as they are (a batch of
 * megabytes is neither joined nor copied again on its way out, as fetch would), the answer is read as text.
 */
function exchangeOnce(url: URL, method: string, headers: Record<string, string>, body: Buffer[] | undefined, timeoutMs: number): Promise<ExchangeAnswer> {
  return new Promise((resolve, reject) => {
    const length = body?.reduce((n, b) => n + b.length, 0);
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method,
      headers: length === undefined ? headers : { ...headers, 'content-length': String(length) },
      signal: AbortSignal.timeout(timeoutMs),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, date: res.headers.date, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const b of body ?? []) req.write(b);
    req.end();
  });
}

/** How every node-to-node request goes out; tests replace `send` to watch or alter the exchanges. */
export const transport: { send: ExchangeOnce } = { send: exchangeOnce };

/** Up batches in flight at once (see SyncClient.up). */
const PIPELINE_DEPTH = 2;
/** How many times one round picks up what arrived while it was sending, before it ends and reports. */
const MAX_EXTENSIONS = 50;
/** Audit links one batch carries at most (about 75 KB, well inside the smallest batch byte limit); the rest follow. */
const AUDIT_LINKS_PER_BATCH = 500;

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Exponential backoff with full jitter: a random wait in [base·2^n / 2, base·2^n], capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * The calling side of exchange protocol v1 (DESIGN.md §4): pushes this node's chain and its subtree's up to the
 * parent, resuming from the parent's heads after any failure, and pulls what the parent sends down.
 */
export class SyncClient {
  /** Parent clock minus ours, learned from response Date headers, so tokens stay valid across skew. */
  private skewMs = 0;
  private parentKey: KeyObject | undefined;

  constructor(private readonly deps: SyncDeps) {}

  private discoveredParentId: string | undefined;

  private get parentUrl(): string {
    const url = this.deps.config.parentUrl;
    if (!url) throw new ConfigInvalid('本节点没有配置上级节点（parentUrl），无法同步');
    return url.replace(/\/+$/, '');
  }

  /** The parent's id from the config, or (config without parentId) as the parent announces it at /healthz. */
  private async parentId(): Promise<string> {
    if (this.deps.config.parentId) return this.deps.config.parentId;
    if (this.discoveredParentId) return this.discoveredParentId;
    let id: unknown;
    try {
      const res = await transport.send(new URL(`${this.parentUrl}/healthz`), 'GET', {}, undefined, this.deps.config.exchange.requestTimeoutMs);
      id = (JSON.parse(res.text) as { id?: unknown }).id;
    } catch (err) {
      throw new PeerUnreachable(`无法连接上级节点（${this.parentUrl}）：${(err as Error).message}`);
    }
    if (typeof id !== 'string') throw new PeerRefused('上级节点没有报告其节点标识；请在配置中设置 parentId');
    this.discoveredParentId = id;
    return id;
  }

  private now(): string {
    return this.deps.clock().toISOString();
  }

  /** The parent's key, pinned in the config (keys.parentPublicKey): it signs the directory and down batches. */
  private pinnedParentKey(): KeyObject {
    if (this.parentKey) return this.parentKey;
    const file = this.deps.config.keys.parentPublicKey;
    if (!existsSync(file)) throw new ConfigInvalid(`缺少上级节点公钥文件：${file}（从上级节点运行 credit-node keys show 取得，配置项 keys.parentPublicKey）`);
    this.parentKey = createPublicKey(readFileSync(file, 'utf8'));
    return this.parentKey;
  }

  /** One HTTP exchange with the parent, retried with backoff on network failures, 5xx and 429. */
  private async request(method: 'GET' | 'POST', path: string, body?: RequestBody, contentType = 'application/json'): Promise<HttpAnswer> {
    const { retry, requestTimeoutMs } = this.deps.config.exchange;
    const sleep = this.deps.sleep ?? sleepMs;
    const bodyBytes = body === undefined ? undefined : typeof body === 'string' ? [Buffer.from(body, 'utf8')] : body;
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < retry.attempts; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(attempt - 1, retry.baseDelayMs, retry.maxDelayMs));
      const token = signNodeToken({ issuer: this.deps.config.id, audience: await this.parentId(), privateKey: this.deps.privateKey, now: new Date(this.deps.clock().getTime() + this.skewMs) });
      let res: ExchangeAnswer;
      try {
        const headers = { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': contentType } : {}) };
        res = await transport.send(new URL(`${this.parentUrl}${path}`), method, headers, bodyBytes, requestTimeoutMs);
      } catch (err) {
        lastError = new PeerUnreachable(`无法连接上级节点（${this.parentUrl}）：${(err as Error).message}`);
        continue;
      }
      const date = res.date;
      if (date) {
        const theirs = Date.parse(date);
        // Date has a one-second resolution: only a real difference is corrected.
        if (Number.isFinite(theirs) && Math.abs(theirs - this.deps.clock().getTime()) > 2000) this.skewMs = theirs - this.deps.clock().getTime();
        else this.skewMs = 0;
      }
      const text = res.text;
      let parsed: unknown;
      try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
      if (res.status >= 500 || res.status === 429) {
        lastError = new PeerRefused(`上级节点返回 ${res.status}：${errorMessage(parsed) ?? text.slice(0, 200)}`);
        continue;
      }
      return { status: res.status, body: parsed, text };
    }
    throw lastError ?? new PeerUnreachable('无法连接上级节点');
  }

  private refused(a: HttpAnswer, what: string): CreditNodeError {
    const e = (a.body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    return new PeerRefused(`上级节点拒绝了${what}（${a.status} ${e?.code ?? ''}）：${e?.message ?? a.text.slice(0, 200)}`, { status: a.status, code: e?.code, details: e?.details });
  }

  /** Fetches the parent's signed directory, checks it with the pinned key and merges it. */
  async refreshDirectory(): Promise<{ updated: number }> {
    const key = this.pinnedParentKey();
    const a = await this.request('GET', '/exchange/v1/directory');
    if (a.status !== 200) throw this.refused(a, '节点目录请求');
    const jws = (a.body as { directory?: unknown } | undefined)?.directory;
    if (typeof jws !== 'string') throw new PeerRefused('上级节点返回的节点目录格式错误');
    return this.deps.directory.refreshFrom(jws, await this.parentId(), key);
  }

  /** Where the parent's copy of this node's audit evidence ends, as its last answer (/heads or up) said. */
  private parentAuditSeq = 0;

  private async parentHeads(): Promise<Map<string, { seq: number; hash: string }>> {
    const a = await this.request('GET', '/exchange/v1/heads');
    if (a.status !== 200) throw this.refused(a, '链头查询');
    this.parentAuditSeq = Number((a.body as { audit?: { seq?: number } } | undefined)?.audit?.seq ?? 0);
    const heads = ((a.body as { heads?: Head[] } | undefined)?.heads ?? []);
    return new Map(heads.map((h) => [h.origin, { seq: Number(h.seq), hash: h.hash }]));
  }

  /**
   * Takes one chain of this node's subtree back from the parent, from `after` to `upto` (GET /exchange/v1/recover),
   * each run verified and stored with its head; returns how many events were recovered.
   */
  private async recoverChain(origin: string, after: number, upto: number): Promise<number> {
    const selfKey = createPublicKey(this.deps.privateKey);
    let at = after;
    let n = 0;
    while (at < upto) {
      const a = await this.request('GET', `/exchange/v1/recover?origin=${encodeURIComponent(origin)}&after=${at}&limit=${this.deps.config.exchange.maxBatchEvents}`);
      if (a.status !== 200) throw this.refused(a, '链恢复请求');
      const r = await this.deps.exchange.applyRecovered(a.body, selfKey);
      if (r.applied === 0) break;
      n += r.applied;
      at = r.head.seq;
    }
    return n;
  }

  /**
   * Rebuilds this node's chains from the parent (`credit-node recover`): the signed directory first, then every
   * chain of its subtree the parent holds further than this node (all of them after a lost disk), verified event
   * by event. Nothing goes up twice afterwards: the heads here are the parent's.
   */
  async recover(): Promise<{ recovered: Record<string, number>; heads: Record<string, number> }> {
    await this.refreshDirectory();
    const me = this.deps.config.id;
    const subtree = await this.deps.directory.subtreeOf(me);
    subtree.add(me);
    const remote = await this.parentHeads();
    const recovered: Record<string, number> = {};
    const heads: Record<string, number> = {};
    // The node's own chain first: its directory events enroll the nodes below it, whose chains follow.
    for (const origin of [...subtree].sort((a, b) => (a === me ? -1 : b === me ? 1 : a.localeCompare(b)))) {
      const r = remote.get(origin);
      const local = (await this.deps.eventLog.head(this.deps.db, origin))?.seq ?? 0;
      if (r && r.seq > local) recovered[origin] = await this.recoverChain(origin, local, r.seq);
      const now = (await this.deps.eventLog.head(this.deps.db, origin))?.seq;
      if (now !== undefined) heads[origin] = now;
    }
    await this.deps.audit.record({ action: 'import', target: await this.parentId(), count: Object.values(recovered).reduce((a, b) => a + b, 0), detail: { recover: recovered } });
    return { recovered, heads };
  }

  /**
   * Pushes every chain of this node's subtree the parent lacks, from the parent's heads: the node's own chain
   * first (its directory events enroll the nodes whose chains follow). 409 rewinds to the expected seq, 413
   * halves the batch.
   */
  async up(): Promise<UpResult> {
    const db = this.deps.db;
    const me = this.deps.config.id;
    const parent = await this.parentId();
    try {
      const remote = await this.parentHeads();
      const subtree = await this.deps.directory.subtreeOf(me);
      const pending = new Map<string, { from: number; to: number }>();
      // What the parent holds of each chain as far as its answers tell, and chains not to send this round.
      const confirmed = new Map<string, number>();
      const skip = new Set<string>();
      const forked = new Set<string>();
      for (const [origin, r] of remote) confirmed.set(origin, r.seq);
      for (const h of await this.deps.eventLog.heads(db)) {
        if (!subtree.has(h.origin)) continue;
        if (h.origin !== me && (await this.deps.directory.lookup(h.origin))?.status !== 'active') continue;
        const r = remote.get(h.origin);
        const from = r?.seq ?? 0;
        if (r && r.seq <= h.seq) {
          const mine = (await this.deps.eventLog.hashesOf(db, h.origin, r.seq, r.seq)).get(r.seq);
          if (r.seq > 0 && mine !== r.hash) {
            const msg = `来源 ${h.origin} 在序号 ${r.seq} 处本节点与上级节点的哈希不同（链已分叉），停止上报该来源`;
            this.deps.log.error({ alarm: 'CHAIN_FORK', origin: h.origin, seq: r.seq }, msg);
            await stateRepo.alarm(db, { at: this.now(), code: 'CHAIN_FORK', peer: parent, origin: h.origin, detail: msg });
            forked.add(h.origin);
            skip.add(h.origin);
            continue;
          }
        }
        if (r && r.seq > h.seq) {
          // This node lost the tail of a chain the parent holds (restored from an old backup): it takes the tail
          // back from the parent instead of writing new events over it (which would fork the chain).
          skip.add(h.origin);
          try {
            const n = await this.recoverChain(h.origin, h.seq, r.seq);
            this.deps.log.warn({ origin: h.origin, local: h.seq, parent: r.seq, recovered: n }, 'the parent held more of this chain than this node: the missing tail was recovered from it');
          } catch (err) {
            const msg = `来源 ${h.origin} 上级节点持有至序号 ${r.seq}，本节点只到 ${h.seq}，且无法从上级节点补回（${(err as Error).message}），停止上报该来源`;
            this.deps.log.error({ alarm: 'CHAIN_FORK', origin: h.origin, local: h.seq, parent: r.seq }, msg);
            await stateRepo.alarm(db, { at: this.now(), code: 'CHAIN_FORK', peer: parent, origin: h.origin, detail: msg });
            forked.add(h.origin);
          }
          continue;
        }
        if (h.seq > from) pending.set(h.origin, { from, to: h.seq });
      }
      // This node's own chain now agrees with the parent's (or the parent has none of it yet): a restored node
      // may write again. A fork keeps it from writing until an operator looks.
      if (!forked.has(me) && (await stateRepo.chainUnconfirmed(db))) await stateRepo.setChainUnconfirmed(db, null, this.now());
      let budget = this.deps.config.exchange.maxBatchEvents;
      let bytesBudget = this.deps.config.exchange.maxBatchBytes;
      let sent = 0;
      let batches = 0;
      type Pending = Map<string, { from: number; to: number }>;
      type Prepared = { body: Buffer[]; plan: Array<{ origin: string; to: number }>; count: number; bytes: number };
      // The last audit link put in a batch of this round (so a batch of evidence alone is not built twice).
      let evidenceSent = this.parentAuditSeq;
      const clone = (p: Pending): Pending => new Map([...p].map(([k, v]) => [k, { ...v }]));
      const advance = (state: Pending, plan: Prepared['plan'], heads: Record<string, { seq: number }> = {}) => {
        for (const step of plan) {
          const p = state.get(step.origin);
          if (!p) continue;
          p.from = Math.max(step.to, heads[step.origin]?.seq ?? 0);
          if (p.from >= p.to) state.delete(step.origin);
        }
      };
      // One batch from `state`: the node's own chain alone while it has anything to send (its directory events
      // enroll the nodes whose chains follow), then other origins packed up to the budgets.
      const build = async (state: Pending): Promise<Prepared | undefined> => {
        this.deps.exchange.sending();
        const order = [...state.keys()].sort((a, b) => (a === me ? -1 : b === me ? 1 : a.localeCompare(b)));
        const runs: Line[][] = [];
        const plan: Prepared['plan'] = [];
        let count = 0;
        let bytes = 0;
        for (const origin of order) {
          const p = state.get(origin) as { from: number; to: number };
          const room = budget - count;
          if (room <= 0) break;
          const end = await this.deps.eventLog.batchEnd(db, origin, p.from, room, p.to);
          if (end === undefined) { state.delete(origin); continue; }
          if (count > 0 && end - p.from > room) break;
          const events = await this.deps.eventLog.eventLinesOf(db, origin, p.from, end);
          const heads = await this.deps.eventLog.checkpoints(db, origin, p.from, end);
          const lines = runLines(origin, events.count, [events.lines], heads);
          const size = linesBytes(lines);
          if (count > 0 && bytes + size > bytesBudget) break;
          runs.push(lines);
          plan.push({ origin, to: end });
          count += events.count;
          bytes += size;
          if (origin === me) break;
        }
        // The sending is audited before the evidence is taken, so a batch's evidence covers its own entry and a
        // round leaves no entry behind that would need a batch of its own.
        if (runs.length) await this.deps.audit.record({ action: 'batch_out', target: parent, count, detail: { origins: plan.map((p) => p.origin) } });
        // Every batch carries this node's audit evidence from where the parent's copy ends (DESIGN.md §5); with no
        // events to send, one batch of evidence alone goes while the parent lacks some links.
        const audit = await this.deps.audit.proofSince(this.parentAuditSeq, AUDIT_LINKS_PER_BATCH);
        const lastLink = audit.links.at(-1)?.seq ?? 0;
        if (!runs.length && lastLink <= evidenceSent) return undefined;
        evidenceSent = Math.max(evidenceSent, lastLink);
        return { body: upBatchLines(me, parent, runs, audit), plan, count, bytes };
      };
      // Up to PIPELINE_DEPTH batches in flight: the parent always has the next one waiting while it applies
      // one, and this node reads ahead meanwhile. `ahead` is where the chains stand once all of them are taken.
      type Flight = { batch: Prepared; answer: Promise<HttpAnswer> };
      const queue: Flight[] = [];
      let ahead = clone(pending);
      const fill = async () => {
        while (queue.length < PIPELINE_DEPTH) {
          const b = await build(ahead);
          if (!b) break;
          advance(ahead, b.plan);
          const answer = this.request('POST', '/exchange/v1/up', b.body, LINES_TYPE);
          answer.catch(() => undefined);
          queue.push({ batch: b, answer });
        }
      };
      const accepted = (f: Flight, a: HttpAnswer) => {
        const heads = (a.body as { heads?: Record<string, { seq: number }> }).heads ?? {};
        advance(pending, f.batch.plan, heads);
        for (const step of f.batch.plan) confirmed.set(step.origin, Math.max(confirmed.get(step.origin) ?? 0, heads[step.origin]?.seq ?? step.to));
        const evidence = (a.body as { audit?: { seq?: unknown } }).audit?.seq;
        if (typeof evidence === 'number') this.parentAuditSeq = evidence;
        // A batch of audit evidence alone is not a batch of records.
        if (f.batch.count === 0) return;
        sent += f.batch.count;
        batches += 1;
        this.deps.onBatch?.('out', 'up', f.batch.count);
      };
      // A relay keeps receiving while it sends: chains that grew meanwhile go on in the same round.
      const grown = async (): Promise<boolean> => {
        let more = false;
        for (const h of await this.deps.eventLog.heads(db)) {
          if (!subtree.has(h.origin) || skip.has(h.origin)) continue;
          if (h.origin !== me && (await this.deps.directory.lookup(h.origin))?.status !== 'active') continue;
          const from = confirmed.get(h.origin) ?? 0;
          if (h.seq <= from) continue;
          const p = pending.get(h.origin);
          if (p) p.to = Math.max(p.to, h.seq);
          else pending.set(h.origin, { from, to: h.seq });
          more = true;
        }
        return more;
      };
      await fill();
      for (let rounds = 0; ; rounds++) {
        while (queue.length > 0) {
          const f = queue.shift() as Flight;
          const a = await f.answer;
          if (a.status === 200) {
            accepted(f, a);
            await fill();
            continue;
          }
          // Refused: the batches sent after it are settled first (they were applied or refused as a whole), then
          // the pipeline restarts from what the parent really holds.
          for (const g of queue.splice(0)) {
            const b = await g.answer.catch(() => undefined);
            if (b?.status === 200) accepted(g, b);
          }
          if (a.status === 413) {
            // With a budget of one event the batch is already one run up to the nearest signed checkpoint: it
            // cannot shrink further, and sending it again would loop for ever.
            if (budget <= 1) throw this.refused(a, '上报批次（已减到最小仍过大）');
            budget = Math.max(1, Math.floor(Math.min(budget, f.batch.count) / 2));
            bytesBudget = Math.max(1024, Math.floor(Math.min(bytesBudget, f.batch.bytes) / 2));
            this.deps.log.info({ budget, bytesBudget }, 'parent refused the batch as too large: halving');
          } else if (a.status === 409) {
            const expected = ((a.body as { error?: { details?: { expected?: Array<{ origin: string; seq: number }> } } }).error?.details?.expected) ?? [];
            if (expected.length === 0) throw this.refused(a, '上报批次');
            for (const x of expected) {
              const p = pending.get(x.origin);
              if (p) p.from = Math.max(0, x.seq - 1);
              confirmed.set(x.origin, Math.max(0, x.seq - 1));
            }
            this.deps.log.warn({ expected }, 'parent expects earlier events: rewinding');
          } else {
            throw this.refused(a, '上报批次');
          }
          ahead = clone(pending);
          evidenceSent = this.parentAuditSeq;
          await fill();
        }
        if (rounds >= MAX_EXTENSIONS || !(await grown())) break;
        ahead = clone(pending);
        await fill();
      }
      const lag = await this.upLag();
      await stateRepo.put(db, parent, 'up', this.now(), { ok: true, lag });
      return { sent, batches };
    } catch (err) {
      await stateRepo.put(db, parent, 'up', this.now(), { error: (err as Error).message }).catch(() => undefined);
      throw err;
    }
  }

  /** Events of this subtree the parent does not hold yet, from its heads after the round. */
  private async upLag(): Promise<number> {
    const remote = await this.parentHeads();
    const subtree = await this.deps.directory.subtreeOf(this.deps.config.id);
    let lag = 0;
    for (const h of await this.deps.eventLog.heads(this.deps.db)) if (subtree.has(h.origin)) lag += Math.max(0, h.seq - (remote.get(h.origin)?.seq ?? 0));
    return lag;
  }

  /** Pulls down batches from the stored cursor until the parent has nothing more for this node. */
  async down(): Promise<DownResult> {
    const db = this.deps.db;
    const parent = await this.parentId();
    const key = this.pinnedParentKey();
    let received = 0;
    let batches = 0;
    try {
      for (;;) {
        const after = (await stateRepo.get(db, parent, 'down'))?.cursor ?? 0;
        const a = await this.request('GET', `/exchange/v1/down?after=${after}&limit=${this.deps.config.exchange.maxBatchEvents}`);
        if (a.status !== 200) throw this.refused(a, '下行同步请求');
        const r = await this.deps.exchange.receiveDown(a.body, after, parent, key);
        received += r.received;
        batches += 1;
        this.deps.onBatch?.('in', 'down', r.received);
        if (r.next <= after || r.remaining <= 0) break;
      }
      return { received, batches };
    } catch (err) {
      await this.deps.exchange.alarmIfNeeded(err, parent);
      await stateRepo.put(db, parent, 'down', this.now(), { error: (err as Error).message }).catch(() => undefined);
      throw err;
    }
  }

  /** One round: the directory first (so revocations and enrollments apply), then up and down as asked. */
  async round(opts: { up?: boolean; down?: boolean } = {}): Promise<{ up: UpResult; down: DownResult }> {
    const doUp = opts.up ?? true;
    const doDown = opts.down ?? true;
    try {
      await this.refreshDirectory();
    } catch (err) {
      // The directory is a round's first request: a parent that is down or refuses must show in status too.
      const parent = this.deps.config.parentId ?? this.discoveredParentId;
      const directions = [...(doUp ? ['up' as const] : []), ...(doDown ? ['down' as const] : [])];
      if (parent) for (const d of directions) await stateRepo.put(this.deps.db, parent, d, this.now(), { error: (err as Error).message }).catch(() => undefined);
      throw err;
    }
    const up = doUp ? await this.up() : { sent: 0, batches: 0 };
    const down = doDown ? await this.down() : { received: 0, batches: 0 };
    return { up, down };
  }
}

function errorMessage(body: unknown): string | undefined {
  return (body as { error?: { message?: string } } | undefined)?.error?.message;
}
