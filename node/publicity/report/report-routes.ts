import express, { Router, type Request, type Response } from 'express';
import rateLimit from 'express-rate-limit';
import busboy from 'busboy';
import type { Logger } from 'pino';
import { asyncHandler } from '../../http/async-handler.ts';
import { BadRequest, isCreditNodeError, PayloadTooLarge } from '../../errors.ts';
import type { CreditReportService, ReportVerification } from './report-service.ts';
import { readReportKeywords, chinaTime } from './report-pdf.ts';

/** What the audit trail records of an issued report (the lead's access hook takes it). */
export interface ReportIssueInfo {
  number: string;
  /** The subject's lookup key: its USCC. */
  subjectKey: string;
  subjectName: string;
  digest: string;
  recordCount: number;
  ip: string | null;
}

export interface ReportRoutesDeps {
  reports: CreditReportService;
  /** The site's page frame (the portal's): a title and the body's HTML, already escaped. */
  layout: (title: string, bodyHtml: string) => string;
  /** Called once a report is issued, before it is sent (audit). */
  onIssue?: (info: ReportIssueInfo) => Promise<void>;
  /** Reports one address may have issued per minute (default 10). */
  issuesPerMinute?: number;
  /** Verifications one address may ask for per minute (default 60). */
  verificationsPerMinute?: number;
  /** Largest report file accepted for comparison (default 10 MiB). */
  maxUploadBytes?: number;
  log?: Pick<Logger, 'error'>;
}

const FIELD_MAX = 100;

/** HTML-escapes a value for text and attribute positions. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const queryString = (v: unknown): string => (typeof v === 'string' ? v.trim().slice(0, FIELD_MAX) : '');

/**
 * The public credit report on the site (mounted at '/'): GET /reports/new?code=<USCC> downloads a newly issued
 * report, GET /verify and POST /verify check one (number and code, and optionally the PDF itself or its
 * SHA-256), GET /public/v1/reports/:number?code= answers the same check as JSON for the app.
 */
export function reportRoutes(deps: ReportRoutesDeps): Router {
  const r = Router();
  const page = (res: Response, status: number, title: string, body: string) => {
    res.status(status).type('html').set('Cache-Control', 'no-store').send(deps.layout(title, body));
  };
  const problem = (res: Response, err: unknown, title: string) => {
    if (isCreditNodeError(err) && err.status < 500) {
      page(res, err.status, title, `<section class="report-problem"><h1>${escapeHtml(title)}</h1><p class="error">${escapeHtml(err.message)}</p><p><a href="/reports/new">重新输入统一社会信用代码</a></p></section>`);
      return;
    }
    deps.log?.error({ error: err instanceof Error ? `${err.name}: ${err.message.slice(0, 300)}` : 'unknown' }, 'credit report failed');
    page(res, 500, title, `<section class="report-problem"><h1>${escapeHtml(title)}</h1><p class="error">报告暂时无法出具，请稍后再试。</p></section>`);
  };
  const limiter = (perMinute: number, message: string, json: boolean) => rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res) => {
      if (json) res.status(429).json({ error: { code: 'RATE_LIMITED', message, details: [] } });
      else page(res, 429, '请求过于频繁', `<section class="report-problem"><h1>请求过于频繁</h1><p class="error">${escapeHtml(message)}</p></section>`);
    },
  });
  const issueLimit = limiter(deps.issuesPerMinute ?? 10, '出具报告过于频繁，请一分钟后再试', false);
  const verifyPerMinute = deps.verificationsPerMinute ?? 60;
  const verifyLimit = limiter(verifyPerMinute, '查验过于频繁，请一分钟后再试', false);
  const verifyJsonLimit = limiter(verifyPerMinute, '查验过于频繁，请一分钟后再试', true);

  r.get('/reports/new', (req, res, next) => {
    // Without a code: the form that asks for one (no limit spent on it).
    if (queryString(req.query['code']) === '') {
      page(res, 200, '下载公共信用信息报告', issueForm());
      return;
    }
    next();
  }, issueLimit, asyncHandler(async (req, res) => {
    const code = queryString(req.query['code']);
    try {
      const report = await deps.reports.issue(code);
      await deps.onIssue?.({ number: report.number, subjectKey: report.subject.key, subjectName: report.subject.name, digest: report.digest, recordCount: report.recordCount, ip: req.ip ?? null });
      res.status(200)
        .type('application/pdf')
        .attachment(report.fileName)
        .set({ 'Cache-Control': 'no-store', 'X-Report-Number': report.number, 'X-Report-Digest': report.digest, 'X-Robots-Tag': 'noindex' })
        .send(report.pdf);
    } catch (err) {
      problem(res, err, '下载公共信用信息报告');
    }
  }));

  r.get('/verify', (req, res) => {
    page(res, 200, '公共信用信息报告查验', verifyForm(queryString(req.query['number']), queryString(req.query['code'])));
  });

  r.post('/verify', verifyLimit, express.urlencoded({ extended: false, limit: '8kb' }), asyncHandler(async (req, res) => {
    const title = '公共信用信息报告查验结果';
    let form: VerifyForm;
    try {
      form = req.is('multipart/form-data') ? await readMultipart(req, deps.maxUploadBytes ?? 10 * 1024 * 1024) : fromFields((req.body ?? {}) as Record<string, unknown>);
    } catch (err) {
      problem(res, err, title);
      return;
    }
    // A report uploaded alone carries its number and code in its metadata.
    const carried = form.file ? readReportKeywords(form.file) : undefined;
    const number = form.number || carried?.number || '';
    const code = form.code || carried?.verificationCode || '';
    if (number === '' || code === '') {
      page(res, 400, title, verifyForm(number, code, '请填写报告编号和验证码，或上传报告文件。'));
      return;
    }
    const evidence = form.file ?? (form.digest !== '' ? form.digest : undefined);
    const result = await deps.reports.verify(number, code, evidence);
    page(res, 200, title, resultPage(result, form.file ? 'file' : form.digest !== '' ? 'digest' : 'none'));
  }));

  r.get('/public/v1/reports/:number', verifyJsonLimit, asyncHandler(async (req, res) => {
    const code = queryString(req.query['code']);
    if (code === '') throw new BadRequest('请提供验证码（code）', [{ path: 'code', message: '必填' }]);
    const digest = queryString(req.query['digest']);
    const result = await deps.reports.verify(String(req.params['number'] ?? '').slice(0, FIELD_MAX), code, digest === '' ? undefined : digest);
    res.set('Cache-Control', 'no-store').json(result.valid ? result : { valid: false, message: NOT_FOUND_MESSAGE });
  }));
  return r;
}

const NOT_FOUND_MESSAGE = '报告编号或验证码不正确，未查到该报告';

interface VerifyForm { number: string; code: string; digest: string; file?: Buffer }

function fromFields(body: Record<string, unknown>): VerifyForm {
  return { number: queryString(body['number']), code: queryString(body['code']), digest: queryString(body['digest']) };
}

/** The verification form's fields and its one optional PDF, within the size limit. */
function readMultipart(req: Request, maxBytes: number): Promise<VerifyForm> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fields: 10, fieldSize: 1024, fileSize: maxBytes, parts: 12 } });
    } catch {
      reject(new BadRequest('表单格式错误'));
      return;
    }
    const fields: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let gotFile = false;
    let tooLarge = false;
    bb.on('field', (name, value) => { fields[name] = value; });
    bb.on('file', (name, stream) => {
      if (name !== 'report') {
        stream.resume();
        return;
      }
      stream.on('data', (c: Buffer) => { chunks.push(c); });
      stream.on('limit', () => { tooLarge = true; });
      stream.on('end', () => { gotFile = chunks.length > 0; });
    });
    bb.on('error', () => reject(new BadRequest('表单格式错误')));
    bb.on('close', () => {
      if (tooLarge) {
        reject(new PayloadTooLarge(`报告文件过大（不超过 ${Math.floor(maxBytes / 1024 / 1024)} MB）`));
        return;
      }
      const form = fromFields(fields);
      resolve(gotFile ? { ...form, file: Buffer.concat(chunks) } : form);
    });
    req.pipe(bb);
  });
}

function issueForm(): string {
  return `<section class="report-issue">
<h1>下载公共信用信息报告</h1>
<p>公共信用信息报告载有法人和非法人组织依法向社会公开的信用信息，可代替各部门分别出具的无违法违规证明。报告附有报告编号和验证码，收到报告的单位可在本站查验真伪。</p>
<form method="get" action="/reports/new">
<label>统一社会信用代码 <input name="code" maxlength="18" required autocomplete="off" autocapitalize="characters"></label>
<button type="submit">生成并下载报告（PDF）</button>
</form>
<p class="hint">自然人的信用报告请本人持有效身份证件到信用服务窗口申请。</p>
</section>`;
}

function verifyForm(number: string, code: string, error?: string): string {
  return `<section class="report-verify">
<h1>公共信用信息报告查验</h1>
<p>请输入报告上的报告编号和验证码。上传收到的报告文件（PDF）可同时核对文件是否被改动；也可以只上传报告文件，或填写文件的 SHA-256 数字摘要。</p>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/verify" enctype="multipart/form-data">
<label>报告编号 <input name="number" value="${escapeHtml(number)}" maxlength="20" inputmode="numeric" autocomplete="off"></label>
<label>验证码 <input name="code" value="${escapeHtml(code)}" maxlength="20" autocomplete="off" autocapitalize="characters"></label>
<label>报告文件（PDF，可选） <input type="file" name="report" accept="application/pdf,.pdf"></label>
<label>SHA-256 数字摘要（可选） <input name="digest" maxlength="80" autocomplete="off"></label>
<button type="submit">查验</button>
</form>
</section>`;
}

function resultPage(result: ReportVerification, evidence: 'file' | 'digest' | 'none'): string {
  if (!result.valid) {
    return `<section class="report-verify-result">
<h1>公共信用信息报告查验结果</h1>
<p class="verify-result invalid" data-valid="false">${escapeHtml(NOT_FOUND_MESSAGE)}。请核对报告编号和验证码后重试；如对报告真伪有疑问，请联系出具机构。</p>
<p><a href="/verify">重新查验</a></p>
</section>`;
  }
  const rows: Array<[string, string]> = [
    ['报告编号', result.number],
    ['主体名称', result.subjectName],
    ['统一社会信用代码', result.subjectCode],
    ['出具机构', result.issuer],
    ['出具时间', chinaTime(new Date(result.issuedAt))],
    ['报告文件数字摘要（SHA-256）', result.digest],
    ['报告文件大小', `${result.size} 字节`],
  ];
  let match: string;
  if (result.matches === true) match = `<p class="verify-match" data-matches="true">${evidence === 'file' ? '上传的文件' : '填写的数字摘要'}与出具的报告一致，报告未被改动。</p>`;
  else if (result.matches === false) match = `<p class="verify-match error" data-matches="false">${evidence === 'file' ? '上传的文件' : '填写的数字摘要'}与出具的报告不一致：文件已被改动，或不是该编号的报告。请以出具机构的记录为准。</p>`;
  else match = '<p class="verify-match" data-matches="unknown">未核对报告文件。可上传收到的报告文件，或将其 SHA-256 数字摘要与上面的摘要比对，以确认报告未被改动。</p>';
  return `<section class="report-verify-result">
<h1>公共信用信息报告查验结果</h1>
<p class="verify-result valid" data-valid="true">该报告编号和验证码有效：报告由本平台出具。</p>
<dl class="report-facts">
${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('\n')}
</dl>
${match}
<p><a href="/verify">查验其他报告</a></p>
</section>`;
}
