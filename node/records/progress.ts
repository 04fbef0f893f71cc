/**
 * Progress of a long import on stderr. On a terminal one line is redrawn in place (at most 5 times a second); in a
 * log (nightly scripts, cron mail) a plain line is printed at most every 5 seconds so the log stays readable.
 */

export interface ProgressBarOptions {
  /** Total amount of work, in bytes of the file. 0 when unknown: no bar nor percentage is drawn. */
  total: number;
  /** Leading word, e.g. `导入中`. */
  label: string;
  stream?: NodeJS.WritableStream;
  /** Default true; the caller turns it off for files too small for a bar to matter. */
  enabled?: boolean;
  /** Milliseconds clock, injectable for tests. */
  now?: () => number;
}

/** Rows done so far, for the `35,000 行 8,200 行/秒` part; or free text shown as is. */
export type ProgressExtra = string | { rows: number; note?: string };

const TTY_INTERVAL_MS = 200;
const LOG_INTERVAL_MS = 5000;
const BAR_WIDTH = 20;

const thousands = (n: number): string => Math.round(n).toLocaleString('en-US');
const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export class ProgressBar {
  private readonly total: number;
  private readonly label: string;
  private readonly stream: NodeJS.WritableStream;
  private readonly enabled: boolean;
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly started: number;
  private lastDraw: number;
  private done = 0;
  private extra: ProgressExtra | undefined;
  private finished = false;

  constructor(opts: ProgressBarOptions) {
    this.total = opts.total;
    this.label = opts.label;
    this.stream = opts.stream ?? process.stderr;
    this.enabled = opts.enabled ?? true;
    this.tty = (this.stream as { isTTY?: boolean }).isTTY === true;
    this.now = opts.now ?? Date.now;
    this.started = this.now();
    // A log gets its first line only after 5 s, so short imports leave just the final line.
    this.lastDraw = this.tty ? -Infinity : this.started;
  }

  update(done: number, extra?: ProgressExtra): void {
    this.done = done;
    if (extra !== undefined) this.extra = extra;
    if (!this.enabled || this.finished) return;
    const now = this.now();
    if (now - this.lastDraw < (this.tty ? TTY_INTERVAL_MS : LOG_INTERVAL_MS)) return;
    this.lastDraw = now;
    this.draw(now);
  }

  /** Draws the final state, ends the line and prints the summary (if any) on its own line. */
  finish(summary?: string): void {
    if (!this.enabled || this.finished) return;
    this.finished = true;
    const final = this.total > 0 ? Math.max(this.done, this.total) : this.done;
    this.done = final;
    this.draw(this.now());
    if (this.tty) this.stream.write('\n');
    if (summary !== undefined) this.stream.write(`${summary}\n`);
  }

  /** The current line, without control characters. */
  line(now = this.now()): string {
    const parts = [this.label];
    if (this.total > 0) {
      const ratio = Math.min(1, Math.max(0, this.done / this.total));
      const filled = Math.round(ratio * BAR_WIDTH);
      if (this.tty) parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`);
      parts.push(`${Math.floor(ratio * 100)}%`, `${megabytes(this.done)}/${megabytes(this.total)}`);
    } else {
      parts.push(megabytes(this.done));
    }
    const extra = this.extra;
    if (typeof extra === 'string') {
      if (extra !== '') parts.push(extra);
    } else if (extra !== undefined) {
      parts.push(`${thousands(extra.rows)} 行`);
      const seconds = (now - this.started) / 1000;
      if (seconds >= 1) parts.push(`${thousands(extra.rows / seconds)} 行/秒`);
      if (extra.note !== undefined && extra.note !== '') parts.push(extra.note);
    }
    return parts.join(' ');
  }

  private draw(now: number): void {
    // `\x1b[K` clears what a longer previous line left behind.
    this.stream.write(this.tty ? `\r${this.line(now)}\x1b[K` : `${this.line(now)}\n`);
  }
}
