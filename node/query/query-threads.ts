import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { startThread, stopThread } from '../threads.ts';
import { CreditNodeError, type ErrorDetail } from '../errors.ts';
import type { Principal } from '../access/roles.ts';
import type { DirectoryEntry } from '../exchange/directory.ts';
import type { ReportAsk } from './subject-report.ts';
import type { SearchOptions } from './search.ts';

/** What a query thread is started with: the SQLite store it opens read-only, the data key for ID-number hashes. */
export interface QueryThreadData { file: string; busyTimeoutMs: number; dataKey: Buffer }

/** The directory as a query thread needs it: origin names and the sectors of scope decisions. */
export interface ThreadDirectory { names: ReadonlyMap<string, string>; sectors: ReadonlyMap<string, string | null> }

/** A search's options as they cross to a thread (the ID-number hash is the thread's own). */
export type ThreadSearchOptions = Omit<SearchOptions, 'subjectKeyOf'>;

/** One query asked of a thread; the directory comes along when it changed since the thread last had it. */
export type QueryJob = { id: number; directory?: ThreadDirectory } & (
  | { kind: 'report'; key: string; purpose?: string; principal: Principal }
  | { kind: 'search'; q: unknown; options: ThreadSearchOptions }
);

export type QueryAnswer =
  | { id: number; json: string; count: number; query?: string }
  | { id: number; missing: true }
  | { id: number; error: { code?: string; status?: number; message: string; details?: unknown } };

/** A report or search answered on a thread: its JSON text, how many records (subjects) it holds. */
export interface ThreadAnswer { json: string; count: number }

export interface QueryThreadsOptions {
  file: string;
  busyTimeoutMs: number;
  dataKey: Buffer;
  threads: number;
  /** The directory as the node's thread holds it (directory.snapshot(): the same array until it changes). */
  directory: () => Promise<readonly DirectoryEntry[]>;
  /** Origin names and sectors from the directory, as the node's thread reads them (nodeNames, the scope policy). */
  describe: (entries: readonly DirectoryEntry[]) => ThreadDirectory;
  log: Logger;
}

interface Thread {
  worker: Worker;
  pending: Map<number, { resolve: (a: Exclude<QueryAnswer, { error: unknown }>) => void; reject: (err: unknown) => void }>;
  /** The directory snapshot this thread was last sent. */
  sent: readonly DirectoryEntry[] | undefined;
}

/** A job without the id and directory the pool adds. */
type JobBody = QueryJob extends infer J ? (J extends QueryJob ? Omit<J, 'id' | 'directory'> : never) : never;

/**
 * Subject reports and searches run on threads of their own (config query.threads, SQLite only): better-sqlite3
 * blocks the thread it runs on, and reading a subject's records, parsing their bodies and writing the report's
 * JSON is most of a report's work, as the full-text lookups are of a search's (a short fragment scans for tens of
 * milliseconds). The node's thread keeps to HTTP, access checks and the audit trail, and is never held up by a
 * query. The threads read on read-only connections (WAL: they see what the node has committed) with the same
 * functions the node's thread uses (records/service.ts readSubjectWithRecords, subject-report.ts assembleReport,
 * search.ts searchSubjects). Threads start with the first query; one that dies fails the queries it held and is
 * replaced by the next.
 */
export class QueryThreads {
  private readonly threads: Thread[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: QueryThreadsOptions) {}

  /** The report's JSON text for a checked request, or undefined when the subject is not stored here. */
  async report(ask: ReportAsk, principal: Principal): Promise<ThreadAnswer | undefined> {
    const a = await this.run({ kind: 'report', key: ask.key, principal, ...(ask.purpose ? { purpose: ask.purpose } : {}) });
    return 'missing' in a ? undefined : { json: a.json, count: a.count };
  }

  /** searchSubjects on a thread: the result's JSON text, the number of items and the query as searched (masked). */
  async search(q: unknown, options: ThreadSearchOptions): Promise<ThreadAnswer & { query: string }> {
    const a = await this.run({ kind: 'search', q, options });
    if ('missing' in a) throw new Error('查询线程未返回检索结果');
    return { json: a.json, count: a.count, query: a.query ?? '' };
  }

  /** Waits for the threads to finish what they hold and stops them. */
  async close(): Promise<void> {
    this.closed = true;
    // A thread still reading after a while is stopped.
    await Promise.all(this.threads.splice(0).map((t) => stopThread(t.worker, 'close', 5000)));
  }

  private async run(body: JobBody): Promise<Exclude<QueryAnswer, { error: unknown }>> {
    if (this.closed) throw new Error('查询线程已关闭');
    const entries = await this.opts.directory();
    const thread = this.pick();
    const id = this.nextId++;
    const job = { ...body, id } as QueryJob;
    if (thread.sent !== entries) {
      job.directory = this.opts.describe(entries);
      thread.sent = entries;
    }
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      try {
        thread.worker.postMessage(job);
      } catch (err) {
        thread.pending.delete(id);
        thread.sent = undefined;
        reject(err);
      }
    });
  }

  /** The thread holding the fewest queries; a new one while fewer than configured are running. */
  private pick(): Thread {
    let best: Thread | undefined;
    for (const t of this.threads) if (!best || t.pending.size < best.pending.size) best = t;
    if (best && (best.pending.size === 0 || this.threads.length >= this.opts.threads)) return best;
    return this.start();
  }

  private start(): Thread {
    const data: QueryThreadData = { file: this.opts.file, busyTimeoutMs: this.opts.busyTimeoutMs, dataKey: this.opts.dataKey };
    const thread: Thread = { worker: startThread(import.meta.url, 'query-thread', { workerData: data }), pending: new Map(), sent: undefined };
    const fail = (err: unknown) => {
      const i = this.threads.indexOf(thread);
      if (i >= 0) this.threads.splice(i, 1);
      for (const p of thread.pending.values()) p.reject(err);
      thread.pending.clear();
    };
    thread.worker.on('message', (a: QueryAnswer) => {
      const p = thread.pending.get(a.id);
      if (!p) return;
      thread.pending.delete(a.id);
      if (!('error' in a)) p.resolve(a);
      else p.reject(a.error.code && a.error.status ? new CreditNodeError(a.error.code, a.error.status, a.error.message, a.error.details as ErrorDetail[] | undefined) : new Error(a.error.message));
    });
    thread.worker.on('error', (err) => {
      this.opts.log.error({ err }, '查询线程出错，已停止');
      fail(err);
    });
    thread.worker.on('exit', (code) => fail(new Error(`查询线程已退出（${code}）`)));
    thread.worker.unref();
    this.threads.push(thread);
    return thread;
  }
}
