import type { Request, RequestHandler } from 'express';
import busboy from 'busboy';
import { BadRequest, PayloadTooLarge, type CreditNodeError, type ErrorDetail } from '../errors.ts';
import { megabytes, type EvidenceFileInput, type EvidenceLimits } from '../disputes/evidence.ts';

/** The text fields and evidence files of a ticket form. */
export interface TicketUpload { fields: Record<string, string>; files: EvidenceFileInput[] }

export interface TicketUploadOptions {
  /** Characters one text field may hold (default 5000). */
  maxFieldChars?: number;
  /** Text fields one form may hold (default 50). */
  maxFields?: number;
}

declare global {
  // The way express lets a middleware declare what it adds to the request.
  namespace Express {
    interface Request {
      ticketUpload?: TicketUpload;
    }
  }
}

/** The form field whose files are the evidence. */
export const EVIDENCE_FIELD = 'evidenceFiles';
const DEFAULT_FIELD_CHARS = 5000;
const DEFAULT_FIELDS = 50;

/**
 * A ticket form: its text fields and the files of `evidenceFiles`. A `multipart/form-data` body is read with the
 * limits enforced while it streams (413 as soon as one is passed, without holding the rest); any other body is
 * the one express already parsed (urlencoded or JSON), as fields and no files.
 */
export function readTicketUpload(req: Request, limits: EvidenceLimits, opts: TicketUploadOptions = {}): Promise<TicketUpload> {
  const maxFieldChars = opts.maxFieldChars ?? DEFAULT_FIELD_CHARS;
  const maxFields = opts.maxFields ?? DEFAULT_FIELDS;
  if (!req.is('multipart/form-data')) {
    try {
      return Promise.resolve({ fields: parsedFields(req.body, maxFieldChars, maxFields), files: [] });
    } catch (err) {
      return Promise.reject(err);
    }
  }
  return readMultipart(req, limits, maxFieldChars, maxFields);
}

/** Puts the upload on `req.ticketUpload`; errors go to the error handler. */
export function ticketUpload(limits: EvidenceLimits, opts: TicketUploadOptions = {}): RequestHandler {
  return (req, _res, next) => {
    readTicketUpload(req, limits, opts).then((upload) => { req.ticketUpload = upload; next(); }, next);
  };
}

const tooLong = (name: string, max: number): ErrorDetail => ({ path: name, message: `「${name}」不能超过 ${max} 个字符` });

function parsedFields(body: unknown, maxFieldChars: number, maxFields: number): Record<string, string> {
  const fields: Record<string, string> = {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fields;
  const problems: ErrorDetail[] = [];
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.length > maxFields) throw new PayloadTooLarge(`表单字段过多（不超过 ${maxFields} 个）`);
  for (const [name, value] of entries) {
    // Objects and arrays (the JSON API's `evidenceFiles`, a claimant) are the route's to read from req.body.
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    const text = String(value);
    if (charCount(text) > maxFieldChars) problems.push(tooLong(name, maxFieldChars));
    else fields[name] = text;
  }
  if (problems.length > 0) throw new BadRequest('表单内容过长', problems);
  return fields;
}

const charCount = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

function readMultipart(req: Request, limits: EvidenceLimits, maxFieldChars: number, maxFields: number): Promise<TicketUpload> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        // Browsers send UTF-8 file names; busboy's default for them is latin1.
        defParamCharset: 'utf8',
        limits: {
          fields: maxFields,
          // In bytes: a Chinese character is 3 in UTF-8, anything else at most 4.
          fieldSize: maxFieldChars * 4 + 1,
          // One byte over, so that a file of exactly maxFileBytes is not reported as cut.
          fileSize: limits.maxFileBytes + 1,
          parts: maxFields + limits.maxFiles + 10,
        },
      });
    } catch {
      reject(new BadRequest('表单格式错误：不是合法的 multipart/form-data'));
      return;
    }
    // Past this, the request is no longer worth reading even to answer it properly.
    const hardCap = limits.maxTotalBytes * 2;
    const tooLarge = () => new PayloadTooLarge(`请求内容过大（证明材料合计不超过 ${megabytes(limits.maxTotalBytes)}）`);
    if (Number(req.headers['content-length'] ?? 0) > hardCap) {
      // Announced past the cap: refused before any of it is read.
      cutAfterAnswer(req);
      reject(tooLarge());
      return;
    }
    const fields: Record<string, string> = {};
    const problems: ErrorDetail[] = [];
    const files: EvidenceFileInput[] = [];
    let received = 0;
    let fileBytes = 0;
    let fileCount = 0;
    let done = false;

    const fail = (err: CreditNodeError) => {
      if (done) return;
      done = true;
      req.unpipe(bb);
      bb.removeAllListeners('file').removeAllListeners('field').removeAllListeners('close');
      bb.on('error', () => {});
      // Not now: this may run inside busboy's own write, which still uses the part it is in.
      setImmediate(() => bb.destroy());
      afterTheRest(req, () => received, hardCap, () => reject(err));
    };
    const over = (message: string) => fail(new PayloadTooLarge(message));
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (!done && received > hardCap) fail(tooLarge());
    });
    req.on('error', () => fail(new BadRequest('请求未完整送达')));

    bb.on('field', (name, value, info) => {
      if (info.nameTruncated) problems.push({ path: name, message: '字段名过长' });
      else if (Object.hasOwn(fields, name)) problems.push({ path: name, message: `字段「${name}」重复出现` });
      else if (info.valueTruncated || charCount(value) > maxFieldChars) problems.push(tooLong(name, maxFieldChars));
      else fields[name] = value;
    });
    bb.on('file', (name, stream, info) => {
      stream.on('error', () => {});
      if (name !== EVIDENCE_FIELD) {
        problems.push({ path: name, message: `只接受「${EVIDENCE_FIELD}」字段上传的文件` });
        stream.resume();
        return;
      }
      const filename = info.filename ?? '';
      // A file input left empty arrives as a part with no name and no content.
      if (filename !== '' && ++fileCount > limits.maxFiles) {
        over(`证明材料最多 ${limits.maxFiles} 个文件`);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        if (done) return;
        size += chunk.length;
        fileBytes += chunk.length;
        if (size > limits.maxFileBytes) over(`证明材料单个文件不能超过 ${megabytes(limits.maxFileBytes)}`);
        else if (fileBytes > limits.maxTotalBytes) over(`证明材料合计不能超过 ${megabytes(limits.maxTotalBytes)}`);
        else chunks.push(chunk);
      });
      stream.on('end', () => {
        if (done || (filename === '' && size === 0)) return;
        if (filename === '' && ++fileCount > limits.maxFiles) {
          over(`证明材料最多 ${limits.maxFiles} 个文件`);
          return;
        }
        files.push({ name: filename, type: info.mimeType, data: Buffer.concat(chunks, size) });
      });
    });
    bb.on('fieldsLimit', () => over(`表单字段过多（不超过 ${maxFields} 个）`));
    bb.on('partsLimit', () => over('表单项过多'));
    bb.on('error', () => fail(new BadRequest('表单格式错误：multipart/form-data 内容不完整或有误')));
    bb.on('close', () => {
      if (done) return;
      done = true;
      if (problems.length > 0) reject(new BadRequest(`表单有误：${problems[0]?.message ?? ''}`, problems));
      else resolve({ fields, files });
    });
    req.pipe(bb);
  });
}

/**
 * Reads and drops what the client is still sending, then settles (the error handler answers). Answering first
 * does not work: once the answer is written node closes a `Connection: close` socket, and a socket closed with
 * unread data answers the client's next packet with a reset, which can cost the client the answer too. Past `cap`
 * bytes in all the request is not worth reading: the answer goes out at once and the connection is cut after it.
 */
function afterTheRest(req: Request, received: () => number, cap: number, settle: () => void): void {
  let settled = false;
  const once = () => {
    if (settled) return;
    settled = true;
    settle();
  };
  const cut = () => {
    cutAfterAnswer(req);
    once();
  };
  if (req.complete || req.destroyed) {
    req.resume();
    once();
    return;
  }
  if (received() > cap) {
    cut();
    return;
  }
  req.on('data', () => { if (!settled && received() > cap) cut(); });
  req.once('end', once);
  req.once('close', once);
  req.once('error', once);
  req.resume();
}

/** Stops reading the request and closes its connection once the answer is written. */
function cutAfterAnswer(req: Request): void {
  req.pause();
  const res = req.res;
  if (res && !res.writableFinished && !res.destroyed) res.once('close', () => req.destroy());
  else req.destroy();
}
