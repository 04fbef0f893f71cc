import { createReadStream, ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import type { OnBytes } from './types.ts';

export interface Feed {
  /** What exceljs reads from. */
  input: Transform;
  /** Rejects with the first error of the file or of exceljs's unzip stream; race every step against it. */
  failure: Promise<never>;
  /** Once the first worksheet is known: report progress from here on (see `reportProgress`). */
  reportProgress(sheet: unknown, onBytes: OnBytes | undefined): Promise<void>;
}

/**
 * Streams the bytes of the file into exceljs and catches the errors exceljs loses. exceljs pipes our stream into an
 * unzip stream it keeps to itself; when a damaged entry fails to inflate, that stream emits an error nobody awaits
 * and exceljs waits forever. Taking hold of the pipe destination turns that into a rejected promise.
 */
export function feed(file: string, size: number): Feed {
  let read = 0;
  let report: ((bytes: number) => void) | undefined;
  const input = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      read += chunk.length;
      report?.(read);
      done(null, chunk);
    },
  });
  let fail: (err: unknown) => void = () => undefined;
  const failure = new Promise<never>((_resolve, reject) => {
    fail = reject;
  });
  failure.catch(() => undefined); // observed by whoever races it; never an unhandled rejection
  const pipe = input.pipe.bind(input);
  input.pipe = <T extends NodeJS.WritableStream>(dest: T, opts?: { end?: boolean }): T => {
    dest.on('error', fail);
    return pipe(dest, opts);
  };
  pipeline(createReadStream(file, { highWaterMark: 64 * 1024 }), input, (err) => {
    if (err) fail(err);
  });

  /**
   * When the shared strings are stored after the sheets (Excel and exceljs both do this), exceljs unpacks the
   * whole zip, sheets into temporary files, before the first row: bytes read from the file would reach 100% before
   * any row is imported. Progress then follows the temporary sheet file instead, scaled to the file's size.
   */
  async function reportProgress(sheet: unknown, onBytes: OnBytes | undefined): Promise<void> {
    if (onBytes === undefined) return;
    const unpacked = (sheet as { iterator?: unknown }).iterator;
    if (!(unpacked instanceof ReadStream)) {
      report = (bytes) => onBytes(bytes, size);
      report(read);
      return;
    }
    let unpackedSize: number;
    try {
      unpackedSize = (await stat(unpacked.path)).size;
    } catch {
      return; // no progress is better than failing the import over it
    }
    let replayed = 0;
    // exceljs reads this stream with read(); a 'data' listener only observes those reads.
    unpacked.on('data', (chunk: Buffer | string) => {
      replayed += chunk.length;
      onBytes(Math.min(size, Math.round((size * replayed) / Math.max(1, unpackedSize))), size);
    });
  }

  return { input, failure, reportProgress };
}
