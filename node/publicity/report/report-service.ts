import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../clock.ts';
import { BadRequest, Forbidden, NotFound } from '../../errors.ts';
import { checkCode } from '../../identity/index.ts';
import { SYSTEM_PRINCIPAL } from '../../access/roles.ts';
import type { RecordService } from '../../records/service.ts';
import type { SchemaRegistry } from '../../records/schema-registry.ts';
import { chinaDay } from '../visibility.ts';
import { type ReportEvaluation, buildReportModel, registryLabels, type ReportModel } from './report-model.ts';
import { loadReportFont, renderReportPdf, type ReportFont } from './report-pdf.ts';
import { creditReportsRepo } from './reports-repo.ts';

/** Letters and digits nobody confuses when typing from paper: no 0/O, 1/I/L. */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 12;

export interface CreditReportServiceDeps {
  db: Knex;
  records: RecordService;
  registry: SchemaRegistry;
  clock: Clock;
  /** The issuing platform printed on the report (config report.issuer, or the node's name). */
  issuer: string;
  /**
   * The verification page's full address printed on every page (the site's base URL + /verify); a function when
   * the address is known only once the node listens.
   */
  verifyUrl: string | (() => string);
  /** The report's font file (config report.font; default Debian's fonts-wqy-zenhei) and, in a .ttc, which font. */
  font?: { path?: string; family?: string };
  /** USCCs with a wrong check character that are nevertheless registered (config identifiers.legacyCodes). */
  legacyCodes?: ReadonlySet<string>;
  /** The subject's credit evaluation as the public may see it, where one runs (信用评价信息). */
  evaluationOf?: (subjectKey: string) => Promise<ReportEvaluation | undefined>;
  /** Records among these with an objection open: printed （异议处理中） like a record whose status says so. */
  openObjections?: (recordIds: string[]) => Promise<Set<string>>;
}

export interface IssuedReport {
  number: string;
  verificationCode: string;
  /** SHA-256 of the PDF's bytes, hex. */
  digest: string;
  pdf: Buffer;
  fileName: string;
  issuedAt: string;
  subject: { key: string; name: string; code: string };
  recordCount: number;
}

export type ReportVerification =
  | { valid: false }
  | {
    valid: true;
    number: string;
    subjectName: string;
    subjectCode: string;
    issuer: string;
    issuedAt: string;
    digest: string;
    size: number;
    /** Whether the bytes (or digest) given with the question are the report's; absent when none were given. */
    matches?: boolean;
  };

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export function newVerificationCode(): string {
  let out = '';
  for (let i = 0; i < CODE_LENGTH; i += 1) out += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return out;
}

/** A verification code as typed: any case, spaces and hyphens ignored. */
export function normalizeVerificationCode(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase();
}

/** A SHA-256 digest as typed (hex, any case, spaces ignored), or undefined when it is not one. */
export function normalizeDigest(digest: string): string | undefined {
  const d = digest.replace(/\s/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(d) ? d : undefined;
}

/**
 * The public credit report (公共信用信息报告, DOMAIN.md §7) of an organisation as a PDF, and its verification: each
 * report gets a number (YYYYMMDD and the day's sequence, unique on this node) and a random verification code;
 * the node keeps the number, the subject, the time, the code's hash and the PDF's SHA-256, so whoever receives
 * a report can check that this node issued it and that not one byte of it was changed.
 */
export class CreditReportService {
  constructor(private readonly deps: CreditReportServiceDeps) {}

  /** The report's font (throws CONFIG_INVALID naming report.font when it is missing). */
  font(): ReportFont {
    return loadReportFont(this.deps.font?.path, this.deps.font?.family);
  }

  /** The subject an organisation's code names (a natural person is refused: they apply in person). */
  private subjectKey(code: string): string {
    const raw = typeof code === 'string' ? code : '';
    const check = checkCode(raw, this.deps.legacyCodes ? { legacyCodes: this.deps.legacyCodes } : {});
    if (check.kind === 'resident_id') throw new Forbidden('自然人的公共信用信息报告不在网上出具，请本人持有效身份证件到信用服务窗口申请', [{ path: 'code', message: '仅出具法人和非法人组织的报告' }]);
    if (!check.valid) throw new BadRequest(`统一社会信用代码不正确：${check.errors.map((e) => e.message).join('；')}`, [{ path: 'code', message: check.errors.map((e) => e.message).join('；') }]);
    return check.code;
  }

  /** The report's content for an organisation on the clock's day, from the store (public records only). */
  async model(code: string): Promise<{ model: ReportModel; subject: { key: string; name: string; code: string } }> {
    const key = this.subjectKey(code);
    // Read as the node itself, then narrowed to what the public may see (buildReportModel, visibility.ts).
    const found = await this.deps.records.subjectWithRecords(key, SYSTEM_PRINCIPAL);
    if (!found) throw new NotFound(`未找到该主体：${key}`, [{ path: 'code', message: '本平台没有该统一社会信用代码的主体' }]);
    if (found.subject.type === 'natural_person') throw new Forbidden('自然人的公共信用信息报告不在网上出具，请本人持有效身份证件到信用服务窗口申请');
    const today = chinaDay(this.deps.clock());
    const open = this.deps.openObjections ? await this.deps.openObjections(found.records.map((r) => r.id)) : new Set<string>();
    // An open objection reads as the standing status disputed: still shown, with its mark.
    const records = found.records.map((r) => (open.has(r.id) && r.status === 'active' ? { ...r, status: 'disputed' as const } : r));
    const evaluation = await this.deps.evaluationOf?.(key);
    const model = buildReportModel({ name: found.subject.name, code: found.subject.code, type: found.subject.type }, records, today, registryLabels(this.deps.registry), evaluation);
    return { model, subject: { key, name: found.subject.name, code: found.subject.code } };
  }

  /** Issues a report: a new number and code, the PDF, and its entry in the registry of issued reports. */
  async issue(code: string): Promise<IssuedReport> {
    const font = this.font();
    const { model, subject } = await this.model(code);
    const now = this.deps.clock();
    const issuedAt = now.toISOString();
    const verificationCode = newVerificationCode();
    const number = await this.reserve(model.asOf, {
      subject_key: subject.key, subject_name: subject.name, subject_type: model.subject.type, issuer: this.deps.issuer,
      issued_at: issuedAt, code_hash: sha256(verificationCode), digest: null, size: null, record_count: model.recordCount,
    });
    let pdf: Buffer;
    try {
      pdf = await renderReportPdf(model, { number, verificationCode, issuedAt: now, issuer: this.deps.issuer, verifyUrl: typeof this.deps.verifyUrl === 'function' ? this.deps.verifyUrl() : this.deps.verifyUrl }, font);
    } catch (err) {
      await creditReportsRepo.release(this.deps.db, number);
      throw err;
    }
    const digest = sha256(pdf);
    await creditReportsRepo.complete(this.deps.db, number, digest, pdf.length);
    return { number, verificationCode, digest, pdf, fileName: `公共信用信息报告-${number}.pdf`, issuedAt, subject, recordCount: model.recordCount };
  }

  /** The day's next number, reserved (another issue racing for the same number makes this one take the next). */
  private async reserve(day: string, row: Omit<Parameters<typeof creditReportsRepo.reserve>[1], 'number'>): Promise<string> {
    const prefix = day.replace(/-/g, '');
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const last = await creditReportsRepo.lastNumber(this.deps.db, prefix);
      const seq = (last ? Number(last.slice(prefix.length)) : 0) + 1;
      if (seq > 999_999) throw new Forbidden('今日出具的报告数量已达上限，请明日再试');
      const number = `${prefix}${String(seq).padStart(6, '0')}`;
      if (await creditReportsRepo.reserve(this.deps.db, { ...row, number })) return number;
    }
    throw new Error('could not reserve a report number after 20 attempts');
  }

  /**
   * Checks a report by its number and verification code; with its bytes (or their SHA-256 as hex), also that
   * they are the report as issued. A wrong number and a wrong code get the same answer and nothing else.
   */
  async verify(number: string, verificationCode: string, evidence?: Buffer | string): Promise<ReportVerification> {
    const n = typeof number === 'string' ? number.replace(/\s/g, '') : '';
    const c = typeof verificationCode === 'string' ? normalizeVerificationCode(verificationCode) : '';
    if (!/^\d{8,20}$/.test(n) || c.length === 0 || c.length > 40) return { valid: false };
    const row = await creditReportsRepo.byNumber(this.deps.db, n);
    const given = Buffer.from(sha256(c), 'hex');
    // The comparison costs the same whether the number exists or not.
    const stored = Buffer.from(row?.code_hash ?? '0'.repeat(64), 'hex');
    const codeOk = timingSafeEqual(given, stored);
    if (!row || !codeOk || row.digest === null) return { valid: false };
    const out: ReportVerification = {
      valid: true, number: row.number, subjectName: row.subject_name, subjectCode: row.subject_key, issuer: row.issuer,
      issuedAt: row.issued_at, digest: row.digest, size: Number(row.size),
    };
    if (evidence !== undefined) {
      const digest = Buffer.isBuffer(evidence) ? sha256(evidence) : normalizeDigest(evidence);
      out.matches = digest === row.digest;
    }
    return out;
  }
}
