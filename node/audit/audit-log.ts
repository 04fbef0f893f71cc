import type { Knex } from 'knex';
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { verifyCompact } from '../exchange/jws.ts';
import { AUDIT_GENESIS, entryHash, prepareEntry, type AuditEntry, type AuditHeadPayload, type AuditInput, type PreparedEntry } from './audit-entry.ts';
import { auditRepo, type AuditFilter, type AuditRow, type SignedHeadRow } from './audit-repo.ts';
import { csvHeader, csvLine } from './audit-csv.ts';

export * from './audit-entry.ts';
export type { AuditFilter, ChildHead } from './audit-repo.ts';
export { acceptChildProof, childHeads, type AuditProof, type AcceptResult } from './child-proof.ts';

/** A head is signed at least this often while entries arrive (and always on flush/close). */
export const SIGN_EVERY_MS = 1000;
export const SIGN_EVERY_ENTRIES = 1000;
/** Query pages are bounded so one request cannot pull the whole log into memory. */
export const QUERY_LIMIT_MAX = 500;
const VERIFY_PAGE = 5000;
/** Entries arriving within this long of the last commit are a stream, gathered a whole event-loop turn at a time. */
const STREAM_GAP_MS = 5;
const EXPORT_PAGE = 500;

export interface AuditLogDeps {
  db: Knex;
  /** This node's id, named in every signed head. */
  node: string;
  clock: Clock;
  /** Signs { node, seq, hash, at } with the node key as a compact JWS. */
  signHead: (head: AuditHeadPayload) => string;
  /** A quiet log's last entries get a signed head after this long (0: only on the next write or flush). */
  idleSignMs?: number;
}

export interface VerifyResult { ok: boolean; entries: number; signedSeq?: number; broken?: { seq: number; reason: string } }

interface Pending { entry: PreparedEntry; resolve: (seq: number) => void; reject: (err: unknown) => void }

/** The last head this process signed, to keep signing at most once a second of activity. */
interface SignState { seq: number; atMs: number }

/**
 * The node's audit trail (DESIGN.md §5): append-only, hash-chained, its head signed by the node key. The only
 * writer of `audit_log` and `audit_signed_heads`.
 */
export class AuditLog {
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  /** undefined: not read from the store yet; null: nothing signed yet. */
  private signState: SignState | null | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private transactions = 0;
  /** When the last group commit ended (performance.now()), to tell a stream of entries from a lone one. */
  private lastWriteEnd = -Infinity;

  constructor(private readonly deps: AuditLogDeps) {}

  /** Transactions this instance ran for record(): observable so tests can see group commit at work. */
  get stats(): { transactions: number } {
    return { transactions: this.transactions };
  }

  now(): Date {
    return this.deps.clock();
  }

  /**
   * Appends one entry; resolves with its seq once committed. Every entry queued while a write is in progress
   * goes into the next single transaction (group commit), in call order, so a burst of queries costs one
   * transaction. Refuses (rejects) an entry that carries something like a resident ID number.
   */
  record(input: AuditInput): Promise<number> {
    if (this.closed) return Promise.reject(new Error('审计日志已关闭'));
    let entry: PreparedEntry;
    try {
      entry = prepareEntry(input, this.deps.clock().toISOString());
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /**
   * Appends one entry in the caller's transaction, so it commits (or not) with the data it describes. The head is
   * signed a little later (signSoon), except the log's very first entry, which is signed with it: a log with
   * entries always has a signed head, even when the process dies right after (verify counts on it).
   */
  async recordIn(trx: Knex.Transaction, input: AuditInput): Promise<number> {
    const { seqs } = await this.append(trx, [prepareEntry(input, this.deps.clock().toISOString())], 'first');
    this.signSoon();
    return seqs[0] as number;
  }

  private async drain(): Promise<void> {
    // Let the calls of the current tick join the first transaction. While entries stream in (the last commit
    // ended moments ago: a burst of queries), wait for the end of this turn of the event loop instead: the answers
    // of a burst arrive in one poll and each runs to its access() on its own, so a transaction started after the
    // first would take the connection from the others and commit them one by one. A lone entry (a batch sent, a
    // write) is not held up behind the rest of the turn.
    if (performance.now() - this.lastWriteEnd < STREAM_GAP_MS) await new Promise<void>((resolve) => setImmediate(resolve));
    else await Promise.resolve();
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          const done = await this.deps.db.transaction(async (trx) => {
            this.transactions += 1;
            return this.append(trx, batch.map((p) => p.entry), 'due');
          });
          this.signState = done.signState;
          if (!done.headSigned) this.signSoon();
          batch.forEach((p, i) => p.resolve(done.seqs[i] as number));
        } catch (err) {
          // What was read of the signed heads may be stale after a failure: read it again next time.
          this.signState = undefined;
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.writing = undefined;
      this.lastWriteEnd = performance.now();
    }
  }

  /**
   * Continues the chain from the stored head under the writers' lock, so two processes on one store never
   * fork it. Signs the head of a log that has none yet; with 'due' also every SIGN_EVERY_ENTRIES entries and at
   * the end when the last signature is a second old. The sign state it returns holds once the transaction
   * has committed.
   */
  private async append(trx: Knex.Transaction, entries: PreparedEntry[], sign: 'first' | 'due'): Promise<{ seqs: number[]; signState: SignState | null; headSigned: boolean }> {
    await auditRepo.lock(trx);
    const head = await auditRepo.head(trx);
    let seq = head?.seq ?? 0;
    let prevHash = head?.hash ?? AUDIT_GENESIS;
    let state = this.signState;
    if (state === undefined) {
      const last = await auditRepo.latestSigned(trx);
      state = last ? { seq: last.seq, atMs: Date.parse(last.at) } : null;
    }
    const nowIso = this.deps.clock().toISOString();
    const nowMs = Date.parse(nowIso);
    const rows: Array<Record<string, unknown>> = [];
    const signed: SignedHeadRow[] = [];
    const seqs: number[] = [];
    entries.forEach((e, i) => {
      seq += 1;
      const { detailText, ...fields } = e;
      const hash = entryHash({ ...fields, seq, prevHash }, detailText);
      rows.push({ seq, at: e.at, user_id: e.userId, username: e.username, role: e.role, ip: e.ip, action: e.action, subject: e.subject, target: e.target, count: e.count, purpose: e.purpose, detail: detailText, prev_hash: prevHash, hash });
      seqs.push(seq);
      prevHash = hash;
      const last = i === entries.length - 1;
      if (!state || (sign === 'due' && (seq - state.seq >= SIGN_EVERY_ENTRIES || (last && nowMs - state.atMs >= SIGN_EVERY_MS)))) {
        signed.push(this.signed(seq, hash, nowIso));
        state = { seq, atMs: nowMs };
      }
    });
    await auditRepo.insertEntries(trx, rows);
    await auditRepo.insertSigned(trx, signed);
    return { seqs, signState: state ?? null, headSigned: signed.at(-1)?.seq === seq };
  }

  private signed(seq: number, hash: string, at: string): SignedHeadRow {
    return { seq, hash, at, signature: this.deps.signHead({ node: this.deps.node, seq, hash, at }) };
  }

  /** Signs the head a little later, so a quiet log's last entries are covered without waiting for the next write. */
  private signSoon(): void {
    const ms = this.deps.idleSignMs ?? SIGN_EVERY_MS;
    if (ms <= 0 || this.idleTimer || this.closed) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      // A failure here is harmless: the next write, flush or close signs the head.
      this.flush().catch(() => undefined);
    }, ms);
    this.idleTimer.unref();
  }

  /** Waits for queued entries to commit, then signs the stored head unless it is signed already. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    const s = await this.deps.db.transaction(async (trx) => {
      await auditRepo.lock(trx);
      const head = await auditRepo.head(trx);
      if (!head || (await auditRepo.signedAt(trx, head.seq))) return undefined;
      const fresh = this.signed(head.seq, head.hash, this.deps.clock().toISOString());
      await auditRepo.insertSigned(trx, [fresh]);
      return fresh;
    });
    if (s) this.signState = { seq: s.seq, atMs: Date.parse(s.at) };
  }

  /** Refuses further entries, waits for the queued ones and signs the final head. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    await this.flush();
  }

  /**
   * Walks the whole chain page by page (memory stays flat): seqs contiguous from 1, each prevHash the previous
   * hash, each hash over the entry as stored. Then every kept signed head must verify with `publicKey` and name
   * the hash stored at its seq: a chain recomputed after an edit (or cut short) no longer matches what the node
   * signed. Reports the first broken link.
   */
  async verify(publicKey: KeyObject): Promise<VerifyResult> {
    return verifyAuditLog(this.deps.db, this.deps.node, publicKey);
  }

  /**
   * The evidence a parent keeps of this node's audit history: links (seq, prevHash, hash) after `afterSeq`
   * (at most `limit`) and a signed head covering the last one: the stored signature at that seq, or a fresh one.
   * No links: the head covers the current end of the chain (seq 0 and the genesis hash for an empty log).
   */
  async proofSince(afterSeq: number, limit: number): Promise<{ head: string; links: Array<{ seq: number; prevHash: string; hash: string }> }> {
    const db = this.deps.db;
    const links = await auditRepo.linksAfter(db, afterSeq, Math.max(1, limit));
    const end = links.at(-1) ?? (await auditRepo.head(db)) ?? { seq: 0, hash: AUDIT_GENESIS };
    const stored = end.seq > 0 ? await auditRepo.signedAt(db, end.seq) : undefined;
    const head = stored?.hash === end.hash ? stored.signature : this.signed(end.seq, end.hash, this.deps.clock().toISOString()).signature;
    return { head, links };
  }

  /** Entries matching `filter`, newest first; `next` is the `before` of the following page (null at the end). */
  async query(filter: AuditFilter, page: { before?: number; limit?: number } = {}): Promise<{ entries: AuditEntry[]; next: number | null }> {
    const limit = Math.min(QUERY_LIMIT_MAX, Math.max(1, Math.floor(page.limit ?? 100)));
    const entries = await auditRepo.query(this.deps.db, filter, page.before, limit);
    return { entries, next: entries.length === limit ? (entries.at(-1) as AuditEntry).seq : null };
  }

  /**
   * The matching entries as CSV text (RFC 4180, CRLF, a UTF-8 BOM so spreadsheet programs read the Chinese),
   * newest first, read page by page so memory stays flat however many rows match. `onRow` counts them.
   */
  async *exportCsv(filter: AuditFilter, before?: number, onRow?: () => void): AsyncGenerator<string> {
    yield `\uFEFF${csvHeader()}`;
    let cursor = before;
    for (;;) {
      const entries = await auditRepo.query(this.deps.db, filter, cursor, EXPORT_PAGE);
      if (entries.length === 0) return;
      let chunk = '';
      for (const e of entries) {
        chunk += csvLine(e);
        onRow?.();
      }
      yield chunk;
      if (entries.length < EXPORT_PAGE) return;
      cursor = (entries.at(-1) as AuditEntry).seq;
    }
  }
}

function rowHash(r: AuditRow): string {
  return entryHash({
    seq: Number(r.seq), at: r.at, userId: r.user_id === null ? null : Number(r.user_id), username: r.username, role: r.role, ip: r.ip,
    action: r.action as AuditEntry['action'], subject: r.subject, target: r.target, count: Number(r.count), purpose: r.purpose, prevHash: r.prev_hash,
  }, r.detail);
}

/** verify() for a caller that has only the store (the `credit-node verify` command). */
export async function verifyAuditLog(db: Knex, node: string, publicKey: KeyObject): Promise<VerifyResult> {
  let expect = 1;
  let prev = AUDIT_GENESIS;
  for (;;) {
    const page = await auditRepo.pageAfter(db, expect - 1, VERIFY_PAGE);
    if (page.length === 0) break;
    for (const r of page) {
      const seq = Number(r.seq);
      const broken = (at: number, reason: string): VerifyResult => ({ ok: false, entries: expect - 1, broken: { seq: at, reason } });
      if (seq !== expect) return broken(expect, `缺少序号 ${expect} 的审计记录（下一条为 ${seq}），记录被删除`);
      if (r.prev_hash !== prev) return broken(seq, 'prevHash 与上一条审计记录的哈希不一致（记录被删除、插入或调换了顺序）');
      if (rowHash(r) !== r.hash) return broken(seq, '审计记录内容与其哈希不一致（已被修改）');
      prev = r.hash;
      expect += 1;
    }
  }
  const entries = expect - 1;
  const signedSeq = await verifySignedHeads(db, node, publicKey, entries);
  if (typeof signedSeq !== 'number') return { ok: false, entries, broken: signedSeq };
  return { ok: true, entries, ...(signedSeq > 0 ? { signedSeq } : {}) };
}

/** Checks every kept signed head against the key and the chain; returns the latest signed seq or the break. */
async function verifySignedHeads(db: Knex, node: string, publicKey: KeyObject, entries: number): Promise<number | { seq: number; reason: string }> {
  let after = 0;
  let latest = 0;
  for (;;) {
    const page = await auditRepo.signedAfter(db, after, VERIFY_PAGE);
    if (page.length === 0) break;
    const hashes = await auditRepo.hashesAt(db, page.map((s) => s.seq));
    for (const s of page) {
      const p = verifyCompact(s.signature, publicKey) as Partial<AuditHeadPayload> | undefined;
      if (!p || p.node !== node || p.seq !== s.seq || p.hash !== s.hash || p.at !== s.at) return { seq: s.seq, reason: '审计链头签名无效（不是本节点密钥所签，或签名内容被改动）' };
      if (s.seq > entries) return { seq: s.seq, reason: `已签名的审计链头序号 ${s.seq} 超出审计日志末尾 ${entries}（记录被删除）` };
      if (hashes.get(s.seq) !== s.hash) return { seq: s.seq, reason: '已签名的审计链头与该序号记录的哈希不一致（审计日志被整体改写）' };
      latest = s.seq;
    }
    after = (page.at(-1) as SignedHeadRow).seq;
  }
  // The first write signs the head, so a log with entries and no signature has lost its signatures.
  if (entries > 0 && latest === 0) return { seq: entries, reason: '审计日志没有任何已签名的链头（签名记录被删除）' };
  return latest;
}
