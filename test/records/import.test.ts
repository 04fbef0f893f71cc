import { SYSTEM_PRINCIPAL } from '../../node/access/roles.ts';
import { expect } from 'chai';
import { writeFileSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import { tempNode, fixedClock, type TempNode } from '../helpers/node.ts';
import { companyCode, JINAN_MARKET, exampleData } from '../helpers/records.ts';
import { importFile, type ImportOptions } from '../../node/records/import.ts';

const HEADERS = ['行政相对人名称', '行政相对人类别', '统一社会信用代码', '行政处罚决定书文号', '违法行为类型', '违法事实', '处罚依据', '处罚类别', '处罚内容', '罚款金额（万元）', '处罚决定日期', '处罚机关', '处罚机关统一社会信用代码', '严重程度', '数据来源单位', '数据来源单位统一社会信用代码'];

function row(n: number, overrides: Record<string, string> = {}): string[] {
  const ex = exampleData('administrative_penalty');
  const base: Record<string, string> = {
    行政相对人名称: `济南鲁味食品有限公司${n}`,
    行政相对人类别: '法人及非法人组织',
    统一社会信用代码: companyCode(n),
    行政处罚决定书文号: `济市监罚〔2026〕${n}号`,
    违法行为类型: String(ex['violationType']),
    违法事实: '当事人销售标签不符合规定的食品，货值金额3,260元。',
    处罚依据: String(ex['penaltyBasis']),
    处罚类别: '罚款；没收违法所得、没收非法财物',
    处罚内容: '罚款人民币2万元',
    '罚款金额（万元）': '2',
    处罚决定日期: n % 2 ? '2026/3/2' : '2026-03-02',
    处罚机关: '济南市市场监督管理局',
    处罚机关统一社会信用代码: String(ex['penaltyAuthorityCode']),
    严重程度: '一般',
    数据来源单位: JINAN_MARKET.name,
    数据来源单位统一社会信用代码: JINAN_MARKET.code,
    ...overrides,
  };
  return HEADERS.map((h) => base[h] ?? '');
}

const csvLine = (cells: string[]) => cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');

function csv(rows: string[][]): string {
  return `${[csvLine(HEADERS), ...rows.map(csvLine)].join('\r\n')}\r\n`;
}

describe('bulk import', () => {
  let node: TempNode;
  let opts: (file: string, extra?: Partial<ImportOptions>) => ImportOptions;
  const clock = fixedClock('2026-06-01T02:00:00Z');

  beforeEach(async () => {
    node = await tempNode({ clock });
    opts = (file, extra = {}) => ({ category: 'administrative_penalty', file, rejectsDir: path.join(node.dir, 'rejects'), batchSize: 7, ...extra });
  });
  afterEach(async () => { await node.cleanup(); });

  const deps = () => ({ store: node.ctx.store, records: node.ctx.records, clock: node.ctx.clock, dataKey: node.ctx.dataKey, legacyCodes: [] });
  const count = async (t: string) => Number(((await node.ctx.store.knex(t).count({ n: '*' }).first()) as { n: number | string }).n);

  it('imports a GB18030 CSV with the national Chinese headers, and re-importing it changes nothing', async () => {
    const file = path.join(node.dir, '处罚信息.csv');
    writeFileSync(file, iconv.encode(csv(Array.from({ length: 30 }, (_, i) => row(i + 1))), 'gb18030'));
    const first = await importFile(deps(), opts(file));
    expect(first).to.include({ rows: 30, accepted: 30, updated: 0, unchanged: 0, rejected: 0, rejectsFile: null });
    const stored = (await node.ctx.store.knex('subjects').where({ key: companyCode(3) }).first()) as { name: string };
    expect(stored.name).to.equal('济南鲁味食品有限公司3');
    const storedRow = (await node.ctx.store.knex('records').where({ external_id: '济市监罚〔2026〕3号' }).first()) as { id: string };
    const rec = await node.ctx.records.get(storedRow.id, SYSTEM_PRINCIPAL);
    expect(rec.decisionDate).to.equal('2026-03-02');
    expect(rec.data['penaltyTypes']).to.deep.equal(['罚款', '没收违法所得、没收非法财物']);
    const events = await count('events');
    const second = await importFile(deps(), opts(file));
    expect(second).to.include({ accepted: 0, updated: 0, unchanged: 30, rejected: 0 });
    expect(await count('events')).to.equal(events);
    expect(await count('records')).to.equal(30);
    expect(await count('record_versions')).to.equal(0);
  });

  it('a file with a tenth of its rows bad: the good rows land, the bad go to the rejects report with row, field and reason', async () => {
    const rows: string[][] = [];
    for (let i = 1; i <= 50; i++) {
      if (i % 10 === 0) {
        const bad = [
          { 统一社会信用代码: '91110000600037341N' },
          { 处罚决定日期: '2027-01-01' },
          { '罚款金额（万元）': '两万' },
          { 违法行为类型: '' },
          { 严重程度: '' },
        ][(i / 10) - 1] as Record<string, string>;
        rows.push(row(i, bad));
      } else rows.push(row(i));
    }
    const file = path.join(node.dir, 'mixed.csv');
    writeFileSync(file, `\uFEFF${csv(rows)}`);
    const summary = await importFile(deps(), opts(file));
    expect(summary).to.include({ rows: 50, accepted: 45, rejected: 5 });
    expect(summary.rejectsFile).to.be.a('string');
    const report = readFileSync(String(summary.rejectsFile), 'utf8');
    const lines = report.replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0]).to.equal('行号,字段,原因');
    // Row numbers as a clerk sees them: the header is row 1, data row i is row i + 1.
    expect(report).to.match(/^11,subject\.code,.*校验/m);
    expect(report).to.match(/^21,decisionDate,/m);
    expect(report).to.match(/^31,data\.fineAmount,.*罚款金额/m);
    expect(report).to.match(/^41,data\.violationType,.*违法行为类型/m);
    expect(report).to.match(/^51,severity,/m);
    expect(await count('records')).to.equal(45);
  });

  it('imports XLSX', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('行政处罚');
    ws.addRow(HEADERS);
    for (let i = 1; i <= 12; i++) {
      const cells: Array<string | number | Date> = row(i);
      cells[HEADERS.indexOf('罚款金额（万元）')] = 1.5;
      cells[HEADERS.indexOf('处罚决定日期')] = new Date(Date.UTC(2026, 2, 2));
      ws.addRow(cells);
    }
    const file = path.join(node.dir, 'penalties.xlsx');
    await wb.xlsx.writeFile(file);
    const summary = await importFile(deps(), opts(file));
    expect(summary).to.include({ rows: 12, accepted: 12, rejected: 0 });
    const storedRow = (await node.ctx.store.knex('records').first()) as { id: string };
    const rec = await node.ctx.records.get(storedRow.id, SYSTEM_PRINCIPAL);
    expect(rec.decisionDate).to.equal('2026-03-02');
    expect(rec.data['fineAmount']).to.equal(1.5);
  });

  it('a truncated XLSX fails with one clear message and writes nothing', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('行政处罚');
    ws.addRow(HEADERS);
    for (let i = 1; i <= 200; i++) ws.addRow(row(i));
    const full = path.join(node.dir, 'full.xlsx');
    await wb.xlsx.writeFile(full);
    const buf = readFileSync(full);
    const cut = path.join(node.dir, 'cut.xlsx');
    writeFileSync(cut, buf.subarray(0, Math.floor(buf.length * 0.6)));
    let message = '';
    try { await importFile(deps(), opts(cut)); } catch (err) { message = (err as Error).message; }
    expect(message).to.match(/[\u4e00-\u9fa5]/);
    expect(await count('records')).to.equal(0);
    expect(await count('events')).to.equal(0);
  });

  it('unknown headers fail before anything is written, naming the columns', async () => {
    const file = path.join(node.dir, 'wrong.csv');
    writeFileSync(file, `企业名称,随便一列\n某公司,x\n`);
    let err: Error & { code?: string } = new Error('none');
    try { await importFile(deps(), opts(file)); } catch (e) { err = e as Error & { code?: string }; }
    expect(err.code).to.equal('IMPORT_FILE_UNREADABLE');
    expect(err.message).to.include('随便一列');
    expect(await count('records')).to.equal(0);
    expect(existsSync(path.join(node.dir, 'rejects')) ? readdirSync(path.join(node.dir, 'rejects')) : []).to.deep.equal([]);
  });

  it('imports JSONL, reporting a malformed line without stopping', async () => {
    const rec = (n: number) => JSON.stringify({
      externalId: `济市监罚〔2026〕${n}号`,
      subject: { type: 'legal_person', code: companyCode(n), name: `公司${n}` },
      sourceUnit: JINAN_MARKET,
      decisionDate: '2026-03-02',
      severity: 'general',
      data: exampleData('administrative_penalty'),
    });
    const file = path.join(node.dir, 'penalties.jsonl');
    writeFileSync(file, [rec(1), rec(2), '{"broken": ', rec(3), ''].join('\n'));
    const summary = await importFile(deps(), opts(file));
    expect(summary).to.include({ accepted: 3, rejected: 1 });
    expect(readFileSync(String(summary.rejectsFile), 'utf8')).to.match(/^3,,/m);
  });

  it('the CLI prints the summary JSON and exits 0 even with rejects', async () => {
    const { cli } = await import('../helpers/cli.ts');
    const file = path.join(node.dir, 'cli.csv');
    writeFileSync(file, csv([row(1), row(2, { 统一社会信用代码: 'bad' })]));
    await node.ctx.close();
    const used = node;
    const r = cli(['import', '--config', node.configFile, '--category', 'administrative_penalty', '--file', file]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.json).to.include({ accepted: 1, updated: 0, unchanged: 0, rejected: 1 });
    expect((r.json as { rejectsFile: string }).rejectsFile).to.match(/rejects\.csv$/);
    const bad = cli(['import', '--config', node.configFile, '--category', 'no_such', '--file', file]);
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.include('未知的信用信息类别');
    node = await tempNode({ clock });
    await used.cleanup().catch(() => undefined);
  });
});
