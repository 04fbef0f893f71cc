import { randomBytes } from 'node:crypto';

/**
 * Record ids are UUID version 7 (RFC 9562): time-ordered, so new ids append to the primary-key index instead of
 * landing at random pages of it, which keeps bulk imports and received batches fast at hundreds of millions of
 * rows. An import stamps all its records with one time, so the ids of one millisecond must be ordered too: they
 * carry a 42-bit counter (RFC 9562 §6.2, method 1) seeded at random for each new millisecond and incremented for
 * every further id of it; the remaining 32 bits stay random. Ids made by one process are strictly increasing.
 */
let pool = Buffer.alloc(0);
let offset = 0;

/** Random bytes from a pooled buffer (one system call per few thousand ids, not one per id). */
function random(n: number): Buffer {
  if (offset + n > pool.length) {
    pool = randomBytes(16 * 4096);
    offset = 0;
  }
  const out = pool.subarray(offset, offset + n);
  offset += n;
  return out;
}

const COUNTER_BITS = 42;
const COUNTER_MAX = 2 ** COUNTER_BITS - 1;
let lastMs = -1;
let counter = 0;

/** A random counter seed with its top bit clear, so a millisecond has room for at least 2^41 ids. */
function seed(): number {
  const r = random(6);
  return r.readUIntBE(0, 6) % 2 ** (COUNTER_BITS - 1);
}

export function newRecordId(atIso: string): string {
  let ms = Date.parse(atIso);
  if (!Number.isFinite(ms)) throw new Error(`record id: invalid time ${atIso}`);
  if (ms > lastMs) {
    counter = seed();
  } else {
    // Same millisecond (or a clock that went back): continue after the last id.
    ms = lastMs;
    counter += 1;
    if (counter > COUNTER_MAX) {
      ms += 1;
      counter = seed();
    }
  }
  lastMs = ms;
  const b = Buffer.allocUnsafe(16);
  b.writeUIntBE(ms, 0, 6);
  const hi = Math.floor(counter / 2 ** 24); // top 18 bits of the counter
  const lo = counter % 2 ** 24; // low 24 bits
  b[6] = 0x70 | ((hi >> 14) & 0x0f);
  b[7] = (hi >> 6) & 0xff;
  b[8] = 0x80 | (hi & 0x3f);
  b.writeUIntBE(lo, 9, 3);
  random(4).copy(b, 12);
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
