import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import iconv from 'iconv-lite';
import { ImportFileUnreadable, isCreditNodeError } from '../../errors.ts';
import type { Encoding, OnBytes } from './types.ts';

/** How much of the head of a file is looked at to guess its encoding and delimiter. */
export const SAMPLE_BYTES = 64 * 1024;

/** Reads `length` bytes at `start` (fewer at the end of the file). */
export async function readRange(file: string, start: number, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, start);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Whether the sample is strict UTF-8. A sample cut from a longer file may end inside a multi-byte character, so
 * it is decoded in streaming mode, which holds such a tail back instead of failing on it.
 */
export function isUtf8(sample: Buffer, wholeFile: boolean): boolean {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    decoder.decode(sample, { stream: !wholeFile });
    return true;
  } catch {
    return false;
  }
}

export function detectEncoding(sample: Buffer, wholeFile: boolean): Encoding {
  return isUtf8(sample, wholeFile) ? 'utf8' : 'gb18030';
}

export function decodeSample(sample: Buffer, encoding: Encoding): string {
  if (encoding === 'gb18030') return iconv.decode(sample, 'gb18030');
  return new TextDecoder('utf-8').decode(sample, { stream: true });
}

const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const ZIP_MAGIC = Buffer.from('PK\u0003\u0004', 'latin1');

/** Refuses, with a message saying what the file seems to be, a sample that is not text. */
export function assertText(sample: Buffer, file: string, formatName: string): void {
  if (sample.subarray(0, 8).equals(OLE_MAGIC)) {
    throw new ImportFileUnreadable(
      `${file} 是旧版 Excel（.xls）或加密的 Office 文件，不能按 ${formatName} 读取；请在 Excel 中另存为 .xlsx（不加密）或 CSV 后再导入`,
    );
  }
  if (sample.subarray(0, 4).equals(ZIP_MAGIC)) {
    throw new ImportFileUnreadable(
      `${file} 看起来是 Excel（.xlsx）或压缩文件，不能按 ${formatName} 读取；若是 Excel 文件，请使用 --format xlsx`,
    );
  }
  if ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff)) {
    throw new ImportFileUnreadable(
      `${file} 是 UTF-16 编码（如 Excel 的“Unicode 文本”），暂不支持；请另存为“CSV UTF-8”或 GB18030 编码后再导入`,
    );
  }
  if (sample.includes(0)) {
    throw new ImportFileUnreadable(`${file} 含有二进制内容，不是文本文件，不能按 ${formatName} 读取`);
  }
}

/** Passes bytes through unchanged and reports how many have gone by (bytes read from disk, for the progress bar). */
function byteCounter(total: number, onBytes: OnBytes | undefined): Transform {
  let read = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      read += chunk.length;
      onBytes?.(read, total);
      done(null, chunk);
    },
  });
}

/**
 * Strict UTF-8 decoding. Invalid bytes mean the encoding guess from the head of the file was wrong (an ASCII-only
 * head followed by GBK text) or the option was: stop with a message rather than import names full of U+FFFD.
 */
function utf8Decoder(file: string): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  const fail = (): Error =>
    new ImportFileUnreadable(
      `${file} 第 ${offset + 1} 字节附近不是有效的 UTF-8 编码，文件可能是 GBK/GB18030 编码，请使用 --encoding gb18030 重新导入`,
    );
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        done(fail());
        return;
      }
      offset += chunk.length;
      done(null, text.length > 0 ? text : undefined);
    },
    flush(done: TransformCallback) {
      try {
        const text = decoder.decode();
        done(null, text.length > 0 ? text : undefined);
      } catch {
        done(fail());
      }
    },
  });
}

/**
 * The file as a stream of decoded string chunks (BOM removed), read with backpressure: nothing is read ahead of
 * what the consumer takes beyond the streams' small buffers. Destroying the returned stream closes the file.
 */
/** Reads the head of a text file, refuses binary content, and settles its encoding (the option wins). */
export async function sniffText(file: string, size: number, formatName: string, encoding?: Encoding): Promise<{ sample: Buffer; encoding: Encoding }> {
  const sample = await readRange(file, 0, SAMPLE_BYTES);
  assertText(sample, file, formatName);
  return { sample, encoding: encoding ?? detectEncoding(sample, sample.length >= size) };
}

export function openTextStream(
  file: string,
  opts: { size: number; encoding: Encoding; onBytes?: OnBytes | undefined },
): Transform {
  // iconv-lite types its stream loosely; it is a stream.Transform emitting strings.
  const decoder = opts.encoding === 'gb18030' ? (iconv.decodeStream('gb18030') as Transform) : utf8Decoder(file);
  return pipeline(createReadStream(file, { highWaterMark: SAMPLE_BYTES }), byteCounter(opts.size, opts.onBytes), decoder, () => {
    // Errors reach the consumer through the destroyed last stream; nothing to do here.
  });
}

/** Turns a failure that is not already one of ours into a clear import error. */
export function asUnreadable(err: unknown, context: string): Error {
  if (isCreditNodeError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ImportFileUnreadable(`${context}：${message}`);
}

/** Header cells trimmed, without the empty cells a spreadsheet leaves after the last column (`名称,代码,,`). */
export function cleanHeaders(cells: string[]): string[] {
  const headers = cells.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
  while (headers.length > 0 && headers[headers.length - 1] === '') headers.pop();
  return headers;
}
