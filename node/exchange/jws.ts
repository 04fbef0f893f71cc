import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalize } from './canonical-json.ts';
import { NODE_KEY_ALG } from './keys.ts';

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');

/** Compact JWS over the canonical JSON of `payload`, ES256 with IEEE P1363 signatures as RFC 7518 asks. */
export function signCompact(payload: unknown, privateKey: KeyObject, kid?: string): string {
  const header = b64url(canonicalize({ alg: NODE_KEY_ALG, typ: 'JWS', ...(kid ? { kid } : {}) }));
  const body = b64url(canonicalize(payload));
  const signature = sign('sha256', Buffer.from(`${header}.${body}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${body}.${b64url(signature)}`;
}

/** Verifies a compact JWS and returns its payload, or undefined when the signature or algorithm is wrong. */
export function verifyCompact(jws: string, publicKey: KeyObject): unknown {
  const parts = jws.split('.');
  if (parts.length !== 3) return undefined;
  const [header, body, signature] = parts as [string, string, string];
  let alg: unknown;
  try {
    alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown }).alg;
  } catch {
    return undefined;
  }
  if (alg !== NODE_KEY_ALG) return undefined;
  const ok = verify('sha256', Buffer.from(`${header}.${body}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!ok) return undefined;
  return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
}
