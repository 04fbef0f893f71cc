import { createHash } from 'node:crypto';
import { BadRequest, EventTampered, type ErrorDetail } from '../errors.ts';

/**
 * Evidence files attached to objections and complaints. They travel inside the ticket's first event (base64), so
 * the handling node anywhere in the federation reads them from its own event log; the limits keep an event well
 * under the exchange batch size. The type is decided by the content alone: a name or a declared type is what the
 * sender says, the magic bytes are what the file is.
 */
export const EVIDENCE_TYPES = { 'application/pdf': 'PDF', 'image/jpeg': 'JPEG', 'image/png': 'PNG' } as const;
export type EvidenceType = keyof typeof EVIDENCE_TYPES;

export interface EvidenceLimits { maxFiles: number; maxFileBytes: number; maxTotalBytes: number }
export interface EvidenceFileInput { name: string; type?: string; data: Buffer }
export interface EvidenceMeta { name: string; type: string; size: number; sha256: string }
export interface EvidenceFile extends EvidenceMeta { data: Buffer }

const PATH = 'evidenceFiles';
const NAME_MAX = 100;
const MAGIC: ReadonlyArray<readonly [EvidenceType, Buffer]> = [
  ['application/pdf', Buffer.from('%PDF-', 'latin1')],
  ['image/jpeg', Buffer.from([0xff, 0xd8, 0xff])],
  ['image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
];
const EXTENSION: Record<EvidenceType, string> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png' };
/** Names some clients still send for the same types. */
const ALIASES: Record<string, EvidenceType> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg', 'image/x-png': 'image/png', 'application/x-pdf': 'application/pdf' };
/** Declared types that say nothing about the file (a browser's "unknown"). */
const UNDECLARED = new Set(['', 'application/octet-stream', 'binary/octet-stream']);
const ALLOWED_LABELS = Object.values(EVIDENCE_TYPES).join('、');

/** The evidence type of the content by its magic bytes, or undefined if it is none of them. */
export function sniffEvidenceType(data: Buffer): EvidenceType | undefined {
  return MAGIC.find(([, magic]) => data.length >= magic.length && data.subarray(0, magic.length).equals(magic))?.[0];
}

/** "2 MB", "0.5 MB", "1.25 MB". */
export function megabytes(bytes: number): string {
  const mb = Math.round((bytes / (1024 * 1024)) * 100) / 100;
  return mb === 0 && bytes > 0 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${mb} MB`;
}

/** The size of something over `limit`, precise enough to differ from it ("2.5 MB", or "2097153 字节"). */
function overSize(bytes: number, limit: number): string {
  const mb = megabytes(bytes);
  return mb === megabytes(limit) ? `${bytes} 字节` : mb;
}

/** The base name only (any path stripped, both / and \), no control or format characters, at most 100 characters. */
export function cleanEvidenceName(name: string, index: number, type: EvidenceType | undefined): string {
  // Format characters too: U+202E (right-to-left override) makes "gpj.exe" read as "exe.jpg".
  let base = (name.split(/[\\/]/).pop() ?? '').replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
  if (base === '.' || base === '..') base = '';
  if (base === '') return `证明材料-${index + 1}.${type ? EXTENSION[type] : 'bin'}`;
  const chars = Array.from(base);
  if (chars.length <= NAME_MAX) return base;
  // Cut the stem, keep a short extension so the file still opens with the right program.
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 ? Array.from(base.slice(dot)) : [];
  if (ext.length > 1 && ext.length <= 10) return Array.from(base.slice(0, dot)).slice(0, NAME_MAX - ext.length).join('') + ext.join('');
  return chars.slice(0, NAME_MAX).join('');
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function declaredType(type: string | undefined): string {
  const t = (type ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return ALIASES[t] ?? t;
}

/** One file's problems, or the file described; `index` is its place in the list (paths and default names). */
function describeOne(input: EvidenceFileInput, index: number, limits: EvidenceLimits, problems: ErrorDetail[]): EvidenceFile | undefined {
  const path = `${PATH}[${index}]`;
  const data = input.data;
  const type = sniffEvidenceType(data);
  const name = cleanEvidenceName(typeof input.name === 'string' ? input.name : '', index, type);
  const before = problems.length;
  if (data.length === 0) problems.push({ path, message: `「${name}」是空文件` });
  else if (data.length > limits.maxFileBytes) problems.push({ path, message: `「${name}」超过单个文件 ${megabytes(limits.maxFileBytes)} 的上限（${overSize(data.length, limits.maxFileBytes)}）` });
  if (data.length > 0 && type === undefined) {
    problems.push({ path, message: `「${name}」的文件类型不允许：只接受 ${ALLOWED_LABELS}（按文件内容判断，不看文件名）` });
  } else if (type !== undefined) {
    const declared = declaredType(input.type);
    if (!UNDECLARED.has(declared) && declared !== type) problems.push({ path, message: `「${name}」声明的类型（${declared}）与文件内容（${EVIDENCE_TYPES[type]}）不符` });
  }
  if (problems.length > before || type === undefined) return undefined;
  return { name, type, size: data.length, sha256: sha256(data), data };
}

function refuse(problems: ErrorDetail[]): never {
  const first = problems[0]?.message ?? '';
  throw new BadRequest(problems.length === 1 ? `证明材料不符合要求：${first}` : `证明材料不符合要求（${problems.length} 处）：${first}等`, problems);
}

const tooMany = (n: number, limits: EvidenceLimits): ErrorDetail => ({ path: PATH, message: `证明材料最多 ${limits.maxFiles} 个文件（收到 ${n} 个）` });
const totalOver = (bytes: number, limits: EvidenceLimits): ErrorDetail => ({ path: PATH, message: `证明材料合计不能超过 ${megabytes(limits.maxTotalBytes)}（收到 ${overSize(bytes, limits.maxTotalBytes)}）` });

/** Checks and describes the files; a BadRequest lists every problem (path `evidenceFiles[i]` or `evidenceFiles`). */
export function checkEvidence(files: EvidenceFileInput[], limits: EvidenceLimits): EvidenceFile[] {
  const problems: ErrorDetail[] = [];
  if (files.length > limits.maxFiles) problems.push(tooMany(files.length, limits));
  const total = files.reduce((sum, f) => sum + f.data.length, 0);
  if (total > limits.maxTotalBytes) problems.push(totalOver(total, limits));
  const out = files.map((f, i) => describeOne(f, i, limits, problems));
  if (problems.length > 0) refuse(problems);
  return out as EvidenceFile[];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The decoded size of a base64 string (whitespace already removed), or undefined if it is not base64. */
function base64Size(s: string): number | undefined {
  if (!BASE64.test(s)) return undefined;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  if (pad > 0 ? s.length % 4 !== 0 : s.length % 4 === 1) return undefined;
  return Math.floor(((s.length - pad) * 3) / 4);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The files of the JSON API: `[{ name, type?, content (base64) }]` (absent or null: none). Sizes are checked on
 * the base64 text before anything is decoded.
 */
export function evidenceFromJson(value: unknown, limits: EvidenceLimits): EvidenceFile[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) refuse([{ path: PATH, message: '证明材料应为数组：[{ name, type, content（base64） }]' }]);
  if (value.length > limits.maxFiles) refuse([tooMany(value.length, limits)]);
  const problems: ErrorDetail[] = [];
  const items: Array<{ name: string; type?: string; content: string; size: number } | undefined> = value.map((item: unknown, i) => {
    const path = `${PATH}[${i}]`;
    if (!isObject(item)) {
      problems.push({ path, message: '应为对象：{ name, type, content（base64） }' });
      return undefined;
    }
    const { name, type, content } = item;
    const before = problems.length;
    if (typeof name !== 'string') problems.push({ path, message: '缺少文件名（name，字符串）' });
    if (type !== undefined && type !== null && typeof type !== 'string') problems.push({ path, message: '文件类型（type）应为字符串' });
    if (typeof content !== 'string') {
      problems.push({ path, message: '缺少文件内容（content，base64 字符串）' });
      return undefined;
    }
    const text = content.replace(/\s+/g, '');
    const size = base64Size(text);
    if (size === undefined) problems.push({ path, message: '文件内容（content）不是合法的 base64' });
    else if (size > limits.maxFileBytes) problems.push({ path, message: `${typeof name === 'string' ? `「${cleanEvidenceName(name, i, undefined)}」` : '文件'}超过单个文件 ${megabytes(limits.maxFileBytes)} 的上限（${overSize(size, limits.maxFileBytes)}）` });
    if (problems.length > before || size === undefined) return undefined;
    return { name: name as string, ...(typeof type === 'string' ? { type } : {}), content: text, size };
  });
  const total = items.reduce((sum, it) => sum + (it?.size ?? 0), 0);
  if (total > limits.maxTotalBytes) refuse([...problems, totalOver(total, limits)]);
  const out = items.map((it, i) => (it ? describeOne({ name: it.name, ...(it.type !== undefined ? { type: it.type } : {}), data: Buffer.from(it.content, 'base64') }, i, limits, problems) : undefined));
  if (problems.length > 0) refuse(problems);
  return out as EvidenceFile[];
}

/** What the ticket's create event carries: the description and the content (base64). */
export function evidenceForEvent(files: EvidenceFile[]): Array<EvidenceMeta & { content: string }> {
  return files.map((f) => ({ name: f.name, type: f.type, size: f.size, sha256: f.sha256, content: f.data.toString('base64') }));
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * The files back from an event body (absent or null: none). Each must match its digest, size and type: an event
 * is hash-chained, so a mismatch here means it was altered or badly built, and it is refused.
 */
export function evidenceFromEvent(value: unknown): EvidenceFile[] {
  if (value === undefined || value === null) return [];
  const tampered = (i: number | undefined, message: string): never => {
    throw new EventTampered(`事件中的证明材料有误：${message}`, [{ path: i === undefined ? PATH : `${PATH}[${i}]`, message }]);
  };
  if (!Array.isArray(value)) return tampered(undefined, '应为数组');
  return value.map((item: unknown, i) => {
    if (!isObject(item)) return tampered(i, '应为对象');
    const { name, type, size, sha256: digest, content } = item;
    if (typeof name !== 'string' || typeof type !== 'string' || !(type in EVIDENCE_TYPES)) return tampered(i, '缺少文件名或类型');
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || typeof digest !== 'string' || !SHA256.test(digest)) return tampered(i, '缺少文件大小或数字摘要');
    if (typeof content !== 'string' || base64Size(content) === undefined) return tampered(i, `「${name}」缺少文件内容或内容不是 base64`);
    const data = Buffer.from(content, 'base64');
    if (data.length !== size || sha256(data) !== digest) return tampered(i, `「${name}」的内容与其数字摘要不一致`);
    if (sniffEvidenceType(data) !== type) return tampered(i, `「${name}」的内容与其类型不符`);
    return { name, type, size, sha256: digest, data };
  });
}

/** Only the description, for ticket versions after the first and for listings. */
export function evidenceMeta(files: ReadonlyArray<EvidenceMeta>): EvidenceMeta[] {
  return files.map((f) => ({ name: f.name, type: f.type, size: f.size, sha256: f.sha256 }));
}
