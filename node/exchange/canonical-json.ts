import { createHash } from 'node:crypto';

const NONE: Record<string, string> = {};

/**
 * RFC 8785 (JSON Canonicalization Scheme): object keys sorted by UTF-16 code units, no whitespace, numbers in
 * ECMAScript shortest form (what JSON.stringify already produces for finite numbers), strings as JSON.stringify.
 */
export function canonicalize(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON cannot hold NaN or Infinity');
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const v: unknown = value[i];
          out += v === undefined ? 'null' : canonicalize(v);
        }
        return `${out}]`;
      }
      return canonicalizeWith(value as Record<string, unknown>, NONE);
    }
    default:
      throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
  }
}

/**
 * Canonical JSON of an object some of whose top-level values are already canonical text (a record's `data`,
 * canonicalised once and reused for its content hash and its stored body). Same output as canonicalize.
 */
export function canonicalizeWith(obj: Record<string, unknown>, pre: Record<string, string>): string {
  // Default sort compares UTF-16 code units, exactly what RFC 8785 §3.2.3 asks for.
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(k)}:${pre[k] ?? canonicalize(v)}`;
  }
  return `${out}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
