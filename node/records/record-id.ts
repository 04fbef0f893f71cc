import { randomBytes } from 'node:crypto';

/**
 * Record ids are UUID version 7 (RFC 9562): time-ordered, so new ids append to the primary-key index instead of
 * landing at random pages of it, which keeps bulk imports fast at hundreds of millions of rows.
 */
let pool = Buffer.alloc(0);
let offset = 0;

/** 16 random bytes from a pooled buffer (one system call per 4096 ids, not one per id). */
function random16(): Buffer {
  if (offset + 16 > pool.length) {
    pool = randomBytes(16 * 4096);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + 16));
  offset += 16;
  return out;
}

export function newRecordId(atIso: string): string {
  const ms = BigInt(Date.parse(atIso));
  const bytes = random16();
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
