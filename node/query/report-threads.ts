import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { startThread } from '../threads.ts';
import { CreditNodeError, type ErrorDetail } from '../errors.ts';
import type { Principal } from '../access/roles.ts';
import type { DirectoryEntry } from '../exchange/directory.ts';
import type { ReportAsk } from './subject-report.ts';

/** What a report thread is started with: the SQLite store it opens read-only. */
export interface ReportThreadData { file: string; busyTimeoutMs: number }

/** The directory as a report thread needs it: origin names and the sectors of scope decisions. */
export interface ThreadDirectory { names: Array<[string, string]>; sectors: Array<[string, string | null]> }

/** One report asked of a thread; the directory comes along when it changed since the thread last had it. */
export interface ReportJob { id: number; key: string; purpose?: string; principal: Principal; directory?: ThreadDirectory }

export type ReportAnswer =
  | { id: number; json: string; count: number }
  | { id: number; missing: true }
  | { id: number; error: { code?: string; status?: number; message: string; details?: unknown } };

/** A report read and built on a thread: its JSON text and how many records it holds. */
export interface ThreadReport { json: string; count: number }

export interface ReportThreadsOptions {
  file: string;
  busyTimeoutMs: number;
  threads: number;
  /** The directory as the node's thread holds it (directory.snapshot(): the same array until it changes). */
  directory: () => Promise<readonly DirectoryEntry[]>;
  self: { id: string; name: string };
  log: Logger;
}

interface Thread {
  worker: Worker;
  pending: Map<number, { resolve: (r: ThreadReport | undefined) => void; reject: (err: unknown) => void }>;
  /** The directory snapshot this thread was last sent. */
  sent: readonly DirectoryEntry[] | undefined;
}

/**
 * Subject reports read and built on threads of their own (config query.threads, SQLite only): better-sqlite3
 * blocks the thread it runs on, and reading a subject's records, parsing their bodies and writing the report's
 * JSON is most of a report's work. The node's thread keeps to HTTP, access checks and the audit trail; the
 * threads read on read-only connections (WAL: they see what the node has committed) with the same functions the
 * node's thread uses (records/service.ts readSubjectWithRecords, subject-report.ts assembleReport). Threads start
 * with the first report; one that dies fails the reports it held and is replaced by the next report.
 */
export class ReportThreads {
  private readonly threads: Thread[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: ReportThreadsOptions) {}

  /** The report's JSON text for a checked request, or undefined when the subject is not stored here. */
  async report(ask: ReportAsk, principal: Principal): Promise<ThreadReport | undefined> {
    if (this.closed) throw new Error('报告线程已关闭');
    const entries = await this.opts.directory();
    const thread = this.pick();
    const id = this.nextId++;
    const job: ReportJob = { id, key: ask.key, principal, ...(ask.purpose ? { purpose: ask.purpose } : {}) };
    if (thread.sent !== entries) {
      job.directory = this.directoryOf(entries);
      thread.sent = entries;
    }
    return new Promise<ThreadReport | undefined>((resolve, reject) => {
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

  /** Waits for the threads to finish what they hold and stops them. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.splice(0).map((t) => new Promise<void>((resolve) => {
      t.worker.once('exit', () => resolve());
      t.worker.postMessage('close');
      // A thread that does not stop by itself in time is stopped.
      setTimeout(() => { void t.worker.terminate(); }, 5000).unref();
    })));
  }

  /** The thread holding the fewest reports; a new one while fewer than configured are running. */
  private pick(): Thread {
    let best: Thread | undefined;
    for (const t of this.threads) if (!best || t.pending.size < best.pending.size) best = t;
    if (best && (best.pending.size === 0 || this.threads.length >= this.opts.threads)) return best;
    return this.start();
  }

  private start(): Thread {
    const data: ReportThreadData = { file: this.opts.file, busyTimeoutMs: this.opts.busyTimeoutMs };
    const thread: Thread = { worker: startThread(import.meta.url, 'report-thread', { workerData: data }), pending: new Map(), sent: undefined };
    const fail = (err: unknown) => {
      const i = this.threads.indexOf(thread);
      if (i >= 0) this.threads.splice(i, 1);
      for (const p of thread.pending.values()) p.reject(err);
      thread.pending.clear();
    };
    thread.worker.on('message', (a: ReportAnswer) => {
      const p = thread.pending.get(a.id);
      if (!p) return;
      thread.pending.delete(a.id);
      if ('json' in a) p.resolve({ json: a.json, count: a.count });
      else if ('missing' in a) p.resolve(undefined);
      else p.reject(a.error.code && a.error.status ? new CreditNodeError(a.error.code, a.error.status, a.error.message, a.error.details as ErrorDetail[] | undefined) : new Error(a.error.message));
    });
    thread.worker.on('error', (err) => {
      this.opts.log.error({ err }, '报告线程出错，已停止');
      fail(err);
    });
    thread.worker.on('exit', (code) => fail(new Error(`报告线程已退出（${code}）`)));
    thread.worker.unref();
    this.threads.push(thread);
    return thread;
  }

  private directoryOf(entries: readonly DirectoryEntry[]): ThreadDirectory {
    // As the node's thread names origins (nodeNames) and reads sectors (the scope policy of app.ts).
    const names = new Map<string, string>([[this.opts.self.id, this.opts.self.name]]);
    for (const e of entries) names.set(e.id, e.name);
    return { names: [...names], sectors: entries.map((e) => [e.id, e.sector ?? null]) };
  }
}
