import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The operators' browser session: the node's own session token (access/users.ts) in a cookie the page's
 * script could not read (there is none anyway), sent only to /ops and only from the node's own pages.
 */
export const SESSION_COOKIE = 'credit_node_ops';
export const SESSION_PATH = '/ops';

/** The value of one cookie of a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const v = part.slice(eq + 1).trim();
    return v === '' ? undefined : v;
  }
  return undefined;
}

/** Set-Cookie for the session: HttpOnly, SameSite=Strict, Secure when the request came over https. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=${SESSION_PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function clearedCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=${SESSION_PATH}; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The form token of a session (sign-out): derived from the session token, which another site cannot read. */
export function csrfToken(sessionToken: string): string {
  return createHash('sha256').update(`credit-node ops form\u0000${sessionToken}`).digest('base64url');
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Whether a form was posted from one of the node's own pages: the Origin header (or, without one, the Referer)
 * must be one of `allowed` (the address the request was made to, and listen.publicUrl).
 */
export function fromOwnPage(headers: { origin?: string | undefined; referer?: string | undefined }, allowed: readonly string[]): boolean {
  const source = headers.origin && headers.origin !== 'null' ? headers.origin : headers.referer;
  if (!source) return false;
  let origin: string;
  try {
    origin = new URL(source).origin;
  } catch {
    return false;
  }
  return allowed.some((a) => a === origin);
}

/** The origin of a URL, or undefined when it is not one. */
export function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
