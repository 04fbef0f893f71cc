/**
 * The backup file is a plain POSIX tar (ustar) archive, so an operator can list and unpack it with `tar`:
 * the store copy first (`store.sqlite.gz` or `store.sql.gz`), then `manifest.json`. The store entry is streamed
 * and its header written afterwards, which is why the manifest (holding the store's digest) comes last.
 * Pure: builds and reads 512-byte headers; the file I/O is in backup.ts.
 */

export const BLOCK = 512;

/** The largest size the 11 octal digits of a ustar size field hold (8 GiB); larger sizes use base-256 (GNU). */
const OCTAL_SIZE_LIMIT = 8 ** 11;

export interface TarEntryHeader { name: string; size: number; mtime: number; mode: number }

/** Bytes of padding after `size` bytes of data, up to the next block. */
export function paddingOf(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function writeText(buf: Buffer, offset: number, length: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > length) throw new Error(`tar field too long: ${text}`);
  bytes.copy(buf, offset);
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  writeText(buf, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

/** A ustar header for one regular file. */
export function tarHeader(h: TarEntryHeader): Buffer {
  const buf = Buffer.alloc(BLOCK, 0);
  writeText(buf, 0, 100, h.name);
  writeOctal(buf, 100, 8, h.mode);
  writeOctal(buf, 108, 8, 0);
  writeOctal(buf, 116, 8, 0);
  if (h.size < OCTAL_SIZE_LIMIT) {
    writeOctal(buf, 124, 12, h.size);
  } else {
    // GNU base-256: the first byte's high bit set, the value big-endian in the remaining 11 bytes.
    buf[124] = 0x80;
    let v = BigInt(h.size);
    for (let i = 135; i > 124; i--) {
      buf[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  writeOctal(buf, 136, 12, Math.floor(h.mtime));
  buf.fill(0x20, 148, 156);
  buf[156] = 0x30; // '0': a regular file
  writeText(buf, 257, 6, 'ustar\0');
  writeText(buf, 263, 2, '00');
  writeText(buf, 265, 32, 'credit-node');
  writeText(buf, 297, 32, 'credit-node');
  writeText(buf, 148, 8, `${checksumOf(buf).toString(8).padStart(6, '0')}\0 `);
  return buf;
}

function checksumOf(buf: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (buf[i] as number);
  return sum;
}

function readText(buf: Buffer, offset: number, length: number): string {
  const slice = buf.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end === -1 ? length : end).toString('utf8');
}

function readOctal(buf: Buffer, offset: number, length: number): number {
  const text = readText(buf, offset, length).trim();
  if (!/^[0-7]*$/.test(text)) return Number.NaN;
  return text === '' ? 0 : parseInt(text, 8);
}

function readSize(buf: Buffer): number {
  if (((buf[124] as number) & 0x80) === 0) return readOctal(buf, 124, 12);
  let v = 0n;
  for (let i = 125; i < 136; i++) v = (v << 8n) | BigInt(buf[i] as number);
  return Number(v);
}

/** True for the all-zero blocks that end an archive. */
export function isZeroBlock(buf: Buffer): boolean {
  return buf.length === BLOCK && buf.every((b) => b === 0);
}

/** Reads a header block; throws a plain Error saying what is wrong (the caller words it for the operator). */
export function parseTarHeader(buf: Buffer): TarEntryHeader {
  if (buf.length !== BLOCK) throw new Error('short header');
  if (readText(buf, 257, 6) !== 'ustar') throw new Error('not a ustar header');
  const stored = readOctal(buf, 148, 8);
  if (stored !== checksumOf(buf)) throw new Error('header checksum mismatch');
  const type = buf[156];
  if (type !== 0x30 && type !== 0) throw new Error('not a regular file entry');
  const size = readSize(buf);
  if (!Number.isSafeInteger(size) || size < 0) throw new Error('bad size field');
  return { name: readText(buf, 0, 100), size, mtime: readOctal(buf, 136, 12), mode: readOctal(buf, 100, 8) };
}
