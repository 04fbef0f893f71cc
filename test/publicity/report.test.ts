import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { backends, tempNode, fixedClock, type TempNode } from '../helpers/node.ts';
import { penalty, companyCode, personCode, exampleData, JINAN_MARKET } from '../helpers/records.ts';
import { SchemaRegistry } from '../../node/records/schema-registry.ts';
import { changeRecordStatus } from '../../node/records/status.ts';
import { CreditReportService, CODE_ALPHABET, CODE_LENGTH } from '../../node/publicity/report/report-service.ts';
import { buildReportModel, registryLabels, type ReportRecord } from '../../node/publicity/report/report-model.ts';
import { loadReportFont, readReportKeywords, renderReportPdf, DEFAULT_REPORT_FONT } from '../../node/publicity/report/report-pdf.ts';
import { REPORT_SECTIONS } from '../../node/query/subject-report.ts';
import { isCreditNodeError } from '../../node/errors.ts';

const COMPANY = { type: 'legal_person', code: companyCode(701), name: '济南泉城报告测试食品有限公司' };
const EMPTY_COMPANY = { type: 'legal_person', code: companyCode(702), name: '济南无记录测试商贸有限公司' };
const VERIFY_URL = 'https://credit.example.test/verify';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function record(category: string, n: number, subject: Record<string, string>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { category, externalId: `报告测试〔2026〕${n}号`, subject, sourceUnit: JINAN_MARKET, decisionDate: '2026-03-02', data: exampleData(category), ...overrides };
}

async function rejected<T>(p: Promise<T>): Promise<Error & { code?: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** Every text drawn in the PDF's page streams, decoded through the font's ToUnicode map. */
function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const streams: Buffer[] = [];
  const re = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw))) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    try { streams.push(inflateSync(pdf.subarray(start, end))); } catch { /* not deflated (font program) */ }
  }
  const map = new Map<string, string>();
  for (const s of streams) {
    const text = s.toString('latin1');
    for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
      for (const r of (block[1] as string).matchAll(/<([0-9a-f]+)>\s*<([0-9a-f]+)>\s*\[([^\]]*)\]/gi)) {
        const from = parseInt(r[1] as string, 16);
        [...(r[3] as string).matchAll(/<([0-9a-f]+)>/gi)].forEach((u, i) => {
          map.set((from + i).toString(16).padStart(4, '0'), String.fromCharCode(...(u[1] as string).match(/.{4}/g)!.map((h) => parseInt(h, 16))));
        });
      }
    }
  }
  let out = '';
  for (const s of streams) {
    for (const t of s.toString('latin1').matchAll(/\[([^\]]*)\]\s*TJ/g)) {
      for (const h of (t[1] as string).matchAll(/<([0-9a-f]+)>/gi)) out += ((h[1] as string).match(/.{4}/g) ?? []).map((g) => map.get(g) ?? '?').join('');
      out += '\n';
    }
  }
  return out;
}

describe('public credit report: the model (pure)', () => {
  const labels = registryLabels(SchemaRegistry.load());
  const base: ReportRecord = {
    id: 'r1', category: 'administrative_penalty', externalId: '济市监罚〔2026〕1号', sourceUnit: JINAN_MARKET, decisionDate: '2026-03-02',
    data: exampleData('administrative_penalty'), status: 'active', publicity: 'public', publishFrom: '2026-03-02', publishUntil: '2027-03-01',
  };
  const subject = { name: COMPANY.name, code: COMPANY.code, type: 'legal_person' };
  const ids = (m: ReturnType<typeof buildReportModel>) => m.sections.flatMap((s) => s.entries.map((e) => e.id));

  it('keeps only what the public may see on the day: public, standing, inside its window', () => {
    const records: ReportRecord[] = [
      base,
      { ...base, id: 'shared', publicity: 'shared' },
      { ...base, id: 'restricted', publicity: 'restricted' },
      { ...base, id: 'withdrawn', status: 'withdrawn' },
      { ...base, id: 'repaired', status: 'repaired' },
      { ...base, id: 'revoked', status: 'revoked' },
      { ...base, id: 'ended', publishUntil: '2026-03-31' },
      { ...base, id: 'not-yet', publishFrom: '2026-04-02' },
      { ...base, id: 'disputed', status: 'disputed' },
    ];
    const model = buildReportModel(subject, records, '2026-04-01', labels);
    expect(ids(model).sort()).to.deep.equal(['disputed', 'r1']);
    expect(model.recordCount).to.equal(2);
    const disputed = model.sections.flatMap((s) => s.entries).find((e) => e.id === 'disputed');
    expect(disputed?.disputed).to.equal(true);
    // The last day of the window still shows the record; the day after does not.
    expect(ids(buildReportModel(subject, [{ ...base, publishUntil: '2026-04-01' }], '2026-04-01', labels))).to.deep.equal(['r1']);
    expect(ids(buildReportModel(subject, [{ ...base, publishUntil: '2026-04-01' }], '2026-04-02', labels))).to.deep.equal([]);
  });

  it('puts records in the sections of DOMAIN.md §7 with their key fields labelled from the schemas', () => {
    const records: ReportRecord[] = [
      base,
      { ...base, id: 'reg', category: 'registration', externalId: COMPANY.code, decisionDate: '2024-11-06', data: exampleData('registration') },
      { ...base, id: 'honor', category: 'honor', data: exampleData('honor') },
      { ...base, id: 'odd', category: 'contract_performance', data: exampleData('contract_performance') },
      { ...base, id: 'older', decisionDate: '2025-05-01', externalId: '济市监罚〔2025〕9号' },
    ];
    const model = buildReportModel(subject, records, '2026-04-01', labels);
    expect(model.sections.map((s) => s.title)).to.deep.equal(REPORT_SECTIONS.map((s) => s.title));
    const section = (key: string) => model.sections.find((s) => s.key === key)!;
    expect(section('registration').entries.map((e) => e.id)).to.deep.equal(['reg']);
    expect(section('administrative').entries.map((e) => e.id)).to.deep.equal(['r1', 'older']);
    expect(section('honors').entries.map((e) => e.id)).to.deep.equal(['honor']);
    expect(section('other').entries.map((e) => e.id)).to.deep.equal(['odd']);
    expect(section('dishonesty').entries).to.deep.equal([]);
    const p = section('administrative').entries[0]!;
    expect(p.categoryLabel).to.equal('行政处罚');
    expect(p.decisionDateLabel).to.equal('处罚决定日期');
    expect(p.document).to.deep.equal({ label: '行政处罚决定书文号', value: '济市监罚〔2026〕1号' });
    expect(p.sourceUnit).to.equal(JINAN_MARKET.name);
    const fields = Object.fromEntries(p.fields.map((f) => [f.label, f.value]));
    expect(fields['违法行为类型']).to.equal('生产经营标签不符合规定的食品');
    expect(fields['处罚类别']).to.equal('罚款；没收违法所得');
    expect(fields['罚款金额（万元）']).to.equal('2');
    // Codes of the deciding unit and anything about a person's ID are never printed.
    expect(Object.keys(fields).some((l) => l.includes('统一社会信用代码') || l.includes('证件'))).to.equal(false);
    // The registration's external id is the subject's own USCC, printed in the header already.
    expect(section('registration').entries[0]!.document).to.equal(null);
  });
});

describe('public credit report: the PDF', () => {
  it('embeds the configured font as a subset, carries the number and code on every page, and is deterministic', async function () {
    const font = loadReportFont();
    const model = buildReportModel({ name: COMPANY.name, code: COMPANY.code, type: 'legal_person' }, [], '2026-04-01', registryLabels(SchemaRegistry.load()));
    const stamp = { number: '20260401000007', verificationCode: 'ABCDEFGHJKMN', issuedAt: new Date('2026-04-01T02:00:00Z'), issuer: '信用山东', verifyUrl: VERIFY_URL };
    const pdf = await renderReportPdf(model, stamp, font);
    expect(pdf.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    const raw = pdf.toString('latin1');
    expect(raw).to.contain('/FontFile2');
    // A subset: a 6-letter tag before the PostScript name, and far smaller than the 16 MB collection.
    expect(raw).to.match(/\/BaseFont \/[A-Z]{6}\+WenQuanYiZenHei/);
    expect(pdf.length).to.be.below(200_000);
    expect(readReportKeywords(pdf)).to.deep.equal({ number: stamp.number, verificationCode: stamp.verificationCode });
    const text = pdfText(pdf);
    expect(text).to.contain('公共信用信息报告');
    expect(text).to.contain(COMPANY.name);
    expect(text).to.contain('无相关记录');
    expect(text).to.contain(`报告编号：${stamp.number}`);
    expect(text).to.contain(VERIFY_URL);
    expect(await renderReportPdf(model, stamp, font)).to.deep.equal(pdf);
    expect(sha256(await renderReportPdf(model, { ...stamp, verificationCode: 'ABCDEFGHJKMP' }, font))).to.not.equal(sha256(pdf));
  });

  it('names the config key when the font file is missing', () => {
    let err: unknown;
    try { loadReportFont('/nonexistent/font.ttc'); } catch (e) { err = e; }
    expect(isCreditNodeError(err)).to.equal(true);
    expect((err as Error).message).to.contain('report.font').and.contain('/nonexistent/font.ttc').and.contain('找不到');
    expect(() => loadReportFont(DEFAULT_REPORT_FONT, 'NoSuchFont')).to.throw(/report\.fontFamily.*WenQuanYiZenHei/);
  });
});

for (const backend of backends()) {
  describe(`public credit report on ${backend}`, () => {
    let node: TempNode;
    let reports: CreditReportService;
    const clock = fixedClock('2026-04-01T02:00:00Z');
    const ids: Record<string, string> = {};

    before(async () => {
      node = await tempNode({ backend, clock });
      const results = await node.ctx.records.ingest([
        record('registration', 1, COMPANY, { externalId: COMPANY.code, decisionDate: '2024-11-06' }),
        penalty(701, { subject: COMPANY }),
        penalty(703, { subject: COMPANY, externalId: '济市监罚〔2026〕703号' }),
        record('tax_credit_rating', 2, COMPANY, { data: { ...exampleData('tax_credit_rating'), grade: 'B' } }),
        record('contract_performance', 3, COMPANY),
        record('registration', 4, EMPTY_COMPANY, { externalId: EMPTY_COMPANY.code, decisionDate: '2024-11-06' }),
        penalty(705, { subject: { type: 'natural_person', code: personCode(705), name: '李报告' } }),
      ]);
      expect(results.map((r) => r.status)).to.deep.equal(Array(7).fill('created'));
      ['registration', 'penalty', 'revoked', 'tax', 'contract'].forEach((k, i) => { ids[k] = (results[i] as { id: string }).id; });
      await node.ctx.store.knex.transaction((trx) => changeRecordStatus(trx, { eventLog: node.ctx.eventLog, nodeId: node.ctx.config.id }, ids['revoked']!, 'revoked', clock().toISOString()));
      reports = new CreditReportService({ db: node.ctx.store.knex, records: node.ctx.records, registry: node.ctx.registry, clock, issuer: '信用山东', verifyUrl: VERIFY_URL });
    });
    after(() => node.cleanup());

    it('selects the public records only: shared and revoked ones are not in the report', async () => {
      const { model, subject } = await reports.model(COMPANY.code.toLowerCase());
      expect(subject).to.deep.equal({ key: COMPANY.code, name: COMPANY.name, code: COMPANY.code });
      const inReport = model.sections.flatMap((s) => s.entries.map((e) => e.id));
      expect(inReport.sort()).to.deep.equal([ids['penalty'], ids['registration']].sort());
      for (const k of ['tax', 'contract', 'revoked']) expect(inReport).to.not.include(ids[k]);
      expect(model.sections.find((s) => s.key === 'evaluation')!.entries).to.deep.equal([]);
      expect(model.asOf).to.equal('2026-04-01');
    });

    it('issues a report: a PDF with the embedded font, a number and code kept in the registry with its digest', async () => {
      const a = await reports.issue(COMPANY.code);
      expect(a.pdf.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
      expect(a.pdf.toString('latin1')).to.contain('/FontFile2');
      expect(a.number).to.match(/^20260401\d{6}$/);
      expect(a.verificationCode).to.have.length(CODE_LENGTH);
      expect([...a.verificationCode].every((c) => CODE_ALPHABET.includes(c))).to.equal(true);
      expect(a.digest).to.equal(sha256(a.pdf));
      expect(a.fileName).to.contain(a.number).and.match(/\.pdf$/);
      expect(a.recordCount).to.equal(2);
      expect(readReportKeywords(a.pdf)).to.deep.equal({ number: a.number, verificationCode: a.verificationCode });
      const text = pdfText(a.pdf);
      expect(text).to.contain(a.number).and.contain(a.verificationCode).and.contain('济市监罚〔2026〕701号');
      expect(text).to.not.contain('报告测试〔2026〕2号');
      const row = await node.ctx.store.knex('credit_reports').where({ number: a.number }).first();
      expect(row).to.include({ subject_key: COMPANY.code, subject_name: COMPANY.name, issuer: '信用山东', digest: a.digest, issued_at: '2026-04-01T02:00:00.000Z' });
      expect(Number(row.size)).to.equal(a.pdf.length);
      // The code itself is not kept.
      expect(JSON.stringify(row)).to.not.contain(a.verificationCode);
      const b = await reports.issue(EMPTY_COMPANY.code);
      expect(Number(b.number) - Number(a.number)).to.equal(1);
      expect(b.verificationCode).to.not.equal(a.verificationCode);
      clock.set('2026-04-02T17:00:00Z');
      try {
        expect((await reports.issue(COMPANY.code)).number).to.equal('20260403000001');
      } finally {
        clock.set('2026-04-01T02:00:00Z');
      }
    });

    it('gives reports issued at the same time numbers of their own', async () => {
      const many = await Promise.all(Array.from({ length: 6 }, () => reports.issue(COMPANY.code)));
      const numbers = many.map((r) => r.number);
      expect(new Set(numbers).size).to.equal(6);
      for (const r of many) expect((await reports.verify(r.number, r.verificationCode, r.pdf))).to.include({ valid: true, matches: true });
    });

    it('verifies the true number, code and bytes; refuses a wrong code or number; detects a changed byte', async () => {
      const r = await reports.issue(COMPANY.code);
      const ok = await reports.verify(r.number, r.verificationCode.toLowerCase(), r.pdf);
      expect(ok).to.deep.equal({ valid: true, number: r.number, subjectName: COMPANY.name, subjectCode: COMPANY.code, issuer: '信用山东', issuedAt: r.issuedAt, digest: r.digest, size: r.pdf.length, matches: true });
      expect(await reports.verify(r.number, r.verificationCode)).to.not.have.property('matches');
      expect((await reports.verify(r.number, r.verificationCode, r.digest.toUpperCase())).valid && (await reports.verify(r.number, r.verificationCode, r.digest.toUpperCase()) as { matches: boolean }).matches).to.equal(true);
      const wrongCode = r.verificationCode.slice(0, -1) + (r.verificationCode.endsWith('A') ? 'B' : 'A');
      expect(await reports.verify(r.number, wrongCode, r.pdf)).to.deep.equal({ valid: false });
      expect(await reports.verify('20260401999999', r.verificationCode)).to.deep.equal({ valid: false });
      expect(await reports.verify('not a number', r.verificationCode)).to.deep.equal({ valid: false });
      const forged = Buffer.from(r.pdf);
      const at = forged.length >> 1;
      forged[at] = forged[at]! ^ 0x01;
      const checked = await reports.verify(r.number, r.verificationCode, forged);
      expect(checked).to.include({ valid: true, matches: false });
    });

    it("refuses a natural person's report, an unknown subject and a malformed code, in Chinese", async () => {
      const person = await rejected(reports.issue(personCode(705)));
      expect(person.status).to.equal(403);
      expect(person.message).to.contain('自然人').and.contain('窗口');
      expect(person.message).to.not.contain(personCode(705));
      const unknown = await rejected(reports.issue(companyCode(799)));
      expect(unknown.status).to.equal(404);
      expect(unknown.message).to.contain('未找到该主体');
      const bad = await rejected(reports.issue('91370102MA0000000'));
      expect(bad.status).to.equal(400);
      expect(bad.message).to.contain('统一社会信用代码');
      const count = await node.ctx.store.knex('credit_reports').count({ n: '*' }).first();
      const before = Number(count?.['n']);
      await rejected(new CreditReportService({ db: node.ctx.store.knex, records: node.ctx.records, registry: node.ctx.registry, clock, issuer: '信用山东', verifyUrl: VERIFY_URL, font: { path: '/nonexistent/font.ttf' } }).issue(COMPANY.code));
      const after = await node.ctx.store.knex('credit_reports').count({ n: '*' }).first();
      expect(Number(after?.['n'])).to.equal(before);
    });
  });
}
