import { expect } from 'chai';
import request from 'supertest';
import { pino } from 'pino';
import type { Express } from 'express';
import { backends, tempNode, fixedClock, type TempNode } from '../helpers/node.ts';
import { penalty, companyCode, personCode } from '../helpers/records.ts';
import { createHttpApp } from '../../node/http/app.ts';
import { CreditReportService } from '../../node/publicity/report/report-service.ts';
import { reportRoutes, escapeHtml, type ReportIssueInfo, type ReportRoutesDeps } from '../../node/publicity/report/report-routes.ts';

const COMPANY = { type: 'legal_person', code: companyCode(801), name: '济南"鲁味"<食品>&报告有限公司' };
const OTHER = { type: 'legal_person', code: companyCode(802), name: '济南另一家报告测试有限公司' };

/** A trivial frame: the portal provides the real one. */
const layout = (title: string, body: string) => `<!doctype html><html lang="zh-CN"><head><title>${escapeHtml(title)}</title></head><body><main>${body}</main></body></html>`;

/** supertest collects a binary body as a Buffer with this parser. */
function binary(res: unknown, done: (err: Error | null, body: Buffer) => void): void {
  // Under node, superagent hands the parser the response stream itself.
  const stream = res as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}

for (const backend of backends()) {
  describe(`public credit report routes on ${backend}`, () => {
    let node: TempNode;
    let reports: CreditReportService;
    let app: Express;
    const issued: ReportIssueInfo[] = [];
    const appWith = (extra: Partial<ReportRoutesDeps> = {}) => createHttpApp({
      log: pino({ level: 'silent' }),
      routers: [['/', reportRoutes({ reports, layout, onIssue: async (i) => { issued.push(i); }, ...extra })]],
    });
    const download = (a: Express, code: string) => request(a).get('/reports/new').query({ code }).buffer(true).parse(binary);

    before(async () => {
      const clock = fixedClock('2026-04-01T02:00:00Z');
      node = await tempNode({ backend, clock });
      const results = await node.ctx.records.ingest([
        penalty(801, { subject: COMPANY }),
        penalty(802, { subject: OTHER }),
        penalty(803, { subject: { type: 'natural_person', code: personCode(803), name: '王报告' } }),
      ]);
      expect(results.map((r) => r.status)).to.deep.equal(['created', 'created', 'created']);
      reports = new CreditReportService({ db: node.ctx.store.knex, records: node.ctx.records, registry: node.ctx.registry, clock, issuer: '信用山东', verifyUrl: 'https://credit.example.test/verify' });
      app = appWith();
    });
    after(() => node.cleanup());

    it('GET /reports/new downloads a PDF named by its number and tells the audit hook', async () => {
      const res = await download(app, COMPANY.code).expect(200);
      expect(res.headers['content-type']).to.match(/^application\/pdf/);
      const number = res.headers['x-report-number'] as string;
      expect(number).to.match(/^20260401\d{6}$/);
      expect(res.headers['content-disposition']).to.match(/^attachment;/).and.contain(number);
      expect(res.headers['cache-control']).to.equal('no-store');
      const pdf = res.body as Buffer;
      expect(pdf.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
      expect(pdf.toString('latin1')).to.contain('/FontFile2');
      const last = issued.at(-1);
      expect(last).to.deep.include({ number, subjectKey: COMPANY.code, subjectName: COMPANY.name, recordCount: 1 });
      expect(last?.digest).to.equal(res.headers['x-report-digest']);
    });

    it('GET /reports/new without a code shows the form; refusals are Chinese pages in the layout', async () => {
      const form = await request(app).get('/reports/new').expect(200);
      expect(form.text).to.contain('<form method="get" action="/reports/new">').and.contain('<title>下载公共信用信息报告</title>');
      const before = issued.length;
      const person = await request(app).get('/reports/new').query({ code: personCode(803) }).expect(403);
      expect(person.headers['content-type']).to.match(/^text\/html/);
      expect(person.text).to.contain('信用服务窗口').and.not.contain(personCode(803));
      const unknown = await request(app).get('/reports/new').query({ code: companyCode(899) }).expect(404);
      expect(unknown.text).to.contain('未找到该主体');
      const bad = await request(app).get('/reports/new').query({ code: '<script>alert(1)</script>' }).expect(400);
      expect(bad.text).to.not.contain('<script>');
      expect(issued.length).to.equal(before);
    });

    it('limits the reports one address may issue per minute', async () => {
      const limited = appWith({ issuesPerMinute: 2 });
      await download(limited, OTHER.code).expect(200);
      await download(limited, OTHER.code).expect(200);
      const res = await request(limited).get('/reports/new').query({ code: OTHER.code }).expect(429);
      expect(res.text).to.contain('出具报告过于频繁');
    });

    it('POST /verify checks number and code, and the uploaded PDF byte for byte', async () => {
      const res = await download(app, COMPANY.code).expect(200);
      const pdf = res.body as Buffer;
      const number = res.headers['x-report-number'] as string;
      const report = (await node.ctx.store.knex('credit_reports').where({ number }).first()) as { digest: string };
      expect(report.digest).to.equal(res.headers['x-report-digest']);
      // The code is only on the report: read it back from the PDF's metadata, as the page does for an upload alone.
      const code = /verification-code:([A-Z0-9]+)/.exec(pdf.toString('latin1'))![1]!;

      const page = await request(app).get('/verify').query({ number }).expect(200);
      expect(page.text).to.contain('enctype="multipart/form-data"').and.contain(`value="${number}"`);

      const plain = await request(app).post('/verify').type('form').send({ number, code: code.toLowerCase() }).expect(200);
      expect(plain.text).to.contain('data-valid="true"').and.contain(escapeHtml(COMPANY.name)).and.contain(report.digest).and.contain('data-matches="unknown"');
      expect(plain.text).to.not.contain(COMPANY.name);

      const upload = await request(app).post('/verify').field('number', number).field('code', code).attach('report', pdf, { filename: 'report.pdf', contentType: 'application/pdf' }).expect(200);
      expect(upload.text).to.contain('data-valid="true"').and.contain('data-matches="true"');

      const alone = await request(app).post('/verify').attach('report', pdf, { filename: 'report.pdf', contentType: 'application/pdf' }).expect(200);
      expect(alone.text).to.contain('data-valid="true"').and.contain('data-matches="true"').and.contain(number);

      const forged = Buffer.from(pdf);
      forged[forged.length - 200] = forged[forged.length - 200]! ^ 0x20;
      const edited = await request(app).post('/verify').field('number', number).field('code', code).attach('report', forged, { filename: 'report.pdf', contentType: 'application/pdf' }).expect(200);
      expect(edited.text).to.contain('data-valid="true"').and.contain('data-matches="false"').and.contain('不一致');

      const digest = await request(app).post('/verify').type('form').send({ number, code, digest: report.digest.toUpperCase() }).expect(200);
      expect(digest.text).to.contain('data-matches="true"');

      const wrong = await request(app).post('/verify').type('form').send({ number, code: 'AAAAAAAAAAAA' }).expect(200);
      expect(wrong.text).to.contain('data-valid="false"').and.contain('报告编号或验证码不正确');
      expect(wrong.text).to.not.contain(escapeHtml(COMPANY.name)).and.not.contain(report.digest);

      const empty = await request(app).post('/verify').type('form').send({}).expect(400);
      expect(empty.text).to.contain('请填写报告编号和验证码');
    });

    it('refuses an upload over the size limit', async () => {
      const small = appWith({ maxUploadBytes: 1024 });
      const res = await request(small).post('/verify').field('number', '20260401000001').field('code', 'ABCDEFGHJKMN').attach('report', Buffer.alloc(4096, 1), { filename: 'big.pdf', contentType: 'application/pdf' }).expect(413);
      expect(res.text).to.contain('报告文件过大');
    });

    it('GET /public/v1/reports/:number answers the check as JSON', async () => {
      const res = await download(app, OTHER.code).expect(200);
      const pdf = res.body as Buffer;
      const number = res.headers['x-report-number'] as string;
      const code = /verification-code:([A-Z0-9]+)/.exec(pdf.toString('latin1'))![1]!;
      const ok = await request(app).get(`/public/v1/reports/${number}`).query({ code }).expect(200);
      expect(ok.headers['cache-control']).to.equal('no-store');
      expect(ok.body).to.include({ valid: true, number, subjectName: OTHER.name, subjectCode: OTHER.code, issuer: '信用山东', digest: res.headers['x-report-digest'] });
      expect(ok.body).to.not.have.property('matches');
      const withDigest = await request(app).get(`/public/v1/reports/${number}`).query({ code, digest: '0'.repeat(64) }).expect(200);
      expect(withDigest.body).to.include({ valid: true, matches: false });
      const wrong = await request(app).get(`/public/v1/reports/${number}`).query({ code: 'AAAAAAAAAAAA' }).expect(200);
      expect(wrong.body).to.deep.equal({ valid: false, message: '报告编号或验证码不正确，未查到该报告' });
      const missing = await request(app).get(`/public/v1/reports/${number}`).expect(400);
      expect(missing.body.error.code).to.equal('BAD_REQUEST');
    });
  });
}
