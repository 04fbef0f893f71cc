import { canonicalize, canonicalizeWith, sha256Hex } from '../exchange/canonical-json.ts';
import { checkCode } from '../identity/index.ts';
import { BadRequest } from '../errors.ts';

/** What an audit entry records (DESIGN.md §5: sign-ins, queries, writes, imports, exports, enrollments, batches). */
export const AUDIT_ACTIONS = [
  'sign_in', 'sign_in_failed', 'query', 'search', 'export', 'write', 'import', 'enroll', 'revoke',
  'batch_in', 'batch_out', 'reveal', 'audit_read', 'user_add', 'token_revoke', 'key_rotate',
  'open_token', 'open_query', 'client_add', 'client_status', 'client_authorise',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}

export interface AuditUser { id: number; username: string; role: string }

export interface AuditInput {
  action: AuditAction;
  user?: AuditUser | null;
  ip?: string | null;
  /** The subject key: a USCC, or the keyed hash of a resident ID number (never the number). */
  subject?: string | null;
  /** What was acted on: a record id, a file name, a node id. */
  target?: string | null;
  /** How many records the action involved. */
  count?: number;
  /** 查询事由, as the user stated it. */
  purpose?: string | null;
  detail?: Record<string, unknown>;
}

/** One link of the audit chain as stored. */
export interface AuditEntry {
  seq: number;
  at: string;
  userId: number | null;
  username: string | null;
  role: string | null;
  ip: string | null;
  action: AuditAction;
  subject: string | null;
  target: string | null;
  count: number;
  purpose: string | null;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** An entry before it has a place in the chain: its detail already as the canonical text that is stored and hashed. */
export type PreparedEntry = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash' | 'detail'> & { detailText: string };

/** The signed statement of the audit head: this node's chain ends at `seq` with `hash`. */
export interface AuditHeadPayload { node: string; seq: number; hash: string; at: string }

/** The prevHash of the first entry. */
export const AUDIT_GENESIS = '0'.repeat(64);

/** A detail is a few fields about the action, never a copy of the data acted on. */
export const DETAIL_MAX_CHARS = 4096;

/**
 * Something that reads as an 18-character resident ID number (GB 11643: region, birth date, sequence, check
 * character), not glued to other letters or digits, so a hex hash that happens to hold a run of digits passes.
 */
const RESIDENT_ID_LIKE = /(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])/;

export function looksLikeResidentId(text: string): boolean {
  return RESIDENT_ID_LIKE.test(text);
}

/**
 * hash = SHA-256 over the canonical JSON (RFC 8785) of the entry without `hash`. The detail is spliced in as the
 * stored text, so any edit of that text breaks the link; for a canonical detail this is the same text as
 * canonicalizing the whole entry, which the tests check.
 */
export function entryHash(e: Omit<AuditEntry, 'hash' | 'detail'>, detailText: string): string {
  const { seq, at, userId, username, role, ip, action, subject, target, count, purpose, prevHash } = e;
  return sha256Hex(canonicalizeWith({ seq, at, userId, username, role, ip, action, subject, target, count, purpose, detail: null, prevHash }, { detail: detailText }));
}

const refuse = (path: string, message: string) => new BadRequest(message, [{ path, message }]);

/** Cleans and checks one input; throws BadRequest naming the field. No full ID number ever enters the log. */
export function prepareEntry(input: AuditInput, at: string): PreparedEntry {
  if (!isAuditAction(input.action)) throw refuse('action', `审计动作不正确：${String(input.action)}`);
  const count = input.count ?? 0;
  if (!Number.isSafeInteger(count) || count < 0) throw refuse('count', '审计记录的 count 须为非负整数');
  const subject = input.subject ?? null;
  // checkCode calls anything shaped like an ID number (even one with a bad check character) a resident ID.
  if (subject !== null && checkCode(subject).kind === 'resident_id') throw refuse('subject', '审计记录的 subject 须为主体键（统一社会信用代码或身份证号码的密钥哈希），不能是身份证号码');
  for (const [path, value] of [['target', input.target], ['purpose', input.purpose]] as const) {
    if (value && looksLikeResidentId(value)) throw refuse(path, `审计记录的 ${path} 含有疑似居民身份证号码，已拒绝写入`);
  }
  const detailText = canonicalize(input.detail ?? {});
  if (looksLikeResidentId(detailText)) throw refuse('detail', '审计记录的 detail 含有疑似居民身份证号码，已拒绝写入');
  if (detailText.length > DETAIL_MAX_CHARS) throw refuse('detail', `审计记录的 detail 过长（上限 ${DETAIL_MAX_CHARS} 字符）`);
  const user = input.user ?? null;
  return {
    at,
    userId: user?.id ?? null,
    username: user?.username ?? null,
    role: user?.role ?? null,
    ip: input.ip ?? null,
    action: input.action,
    subject,
    target: input.target ?? null,
    count,
    purpose: input.purpose ?? null,
    detailText,
  };
}
