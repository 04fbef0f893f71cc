import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { tempNode, fixedClock, type TempNode } from '../helpers/node.ts';
import { JINAN_MARKET } from '../helpers/records.ts';
import { checkCode } from '../../node/identity/index.ts';
import { importFile } from '../../node/records/import.ts';
import { openRows } from '../../node/records/readers/index.ts';
import { buildColumnMap, rowToRecord } from '../../node/records/column-map.ts';
import { SchemaRegistry } from '../../node/records/schema-registry.ts';
import { generateRecords, writeRecordsFile, DEMO_SOURCE_UNIT, type RecordJson, type WriteOptions } from '../../scripts/generate-data.ts';
import { GENERATORS } from '../../scripts/generate/categories/index.ts';
import { addMonths, addYears, fromDay, toDay } from '../../scripts/generate/random.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const registry = SchemaRegistry.load();
/** The day after the last generated decision date (2026-10-31), at noon in China. */
const clock = fixedClock('2026-11-01T04:00:00Z');

const all = (category: string, count: number, seed = 42, startIndex?: number): RecordJson[] =>
  [...generateRecords({ category, count, seed, ...(startIndex === undefined ? {} : { startIndex }) })];

/** The city (xxxx00) of a subject code: positions 3-8 of a unified code, 1-6 of a resident ID. */
const cityOf = (r: RecordJson) => `${(r.subject.type === 'natural_person' ? r.subject.code.slice(0, 6) : r.subject.code.slice(2, 8)).slice(0, 4)}00`;

function countBy<T>(items: readonly T[], key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of items) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}

describe('generate-data: records', () => {
  let node: TempNode;
  before(async () => { node = await tempNode({ clock }); });
  after(async () => { await node.cleanup(); });

  it('covers every category of the registry', () => {
    expect(Object.keys(GENERATORS).sort()).to.deep.equal([...registry.categories()].sort());
  });

  for (const category of registry.categories()) {
    it(`${category}: 200 records all pass ingest validation, with unique external IDs and dates in range`, () => {
      const records = all(category, 200);
      expect(records).to.have.length(200);
      const problems: string[] = [];
      records.forEach((r, i) => {
        const { record, errors } = node.ctx.records.prepare(r, i);
        if (!record) problems.push(`#${i} ${r.externalId}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
      });
      expect(problems, problems.slice(0, 5).join('\n')).to.deep.equal([]);
      expect(new Set(records.map((r) => r.externalId)).size).to.equal(200);
      for (const r of records) {
        expect(r.category).to.equal(category);
        expect(r.decisionDate >= '2019-01-01' && r.decisionDate <= '2026-10-31', r.decisionDate).to.equal(true);
        expect(registry.meta(category).subjectTypes).to.include(r.subject.type);
      }
    });
  }

  it('is deterministic: the same seed gives identical records, another seed different ones', () => {
    for (const category of ['administrative_penalty', 'registration', 'court_enforcement']) {
      const a = JSON.stringify(all(category, 300, 7));
      expect(JSON.stringify(all(category, 300, 7))).to.equal(a);
      expect(JSON.stringify(all(category, 300, 8))).to.not.equal(a);
    }
  });

  it('startIndex moves the running index in the external IDs', () => {
    const from0 = all('administrative_license', 50, 3);
    const from1000 = all('administrative_license', 50, 3, 1000);
    expect(from0[0]?.externalId).to.match(/〔\d{4}〕1号$/);
    expect(from1000[0]?.externalId).to.match(/〔\d{4}〕1001号$/);
    expect(from1000[49]?.externalId).to.match(/〔\d{4}〕1050号$/);
    expect(all('administrative_license', 50, 3, 1000)).to.deep.equal(from1000);
  });

  it('is lazy: the first records of a run of a billion come at once', () => {
    const it = generateRecords({ category: 'administrative_penalty', count: 1_000_000_000, seed: 1 });
    const first = [it.next().value, it.next().value] as RecordJson[];
    expect(first.map((r) => r.externalId)).to.have.length(2);
  });

  it('penalties: all three subject types, all 16 cities, a severity mix, repeat offenders, amounts in 万元', () => {
    const records = all('administrative_penalty', 3000, 11);
    const types = countBy(records, (r) => r.subject.type);
    expect(types.get('legal_person') ?? 0).to.be.greaterThan(2200);
    expect(types.get('natural_person') ?? 0).to.be.within(150, 500);
    expect(types.get('non_enterprise') ?? 0).to.be.greaterThan(50);
    expect(countBy(records, cityOf).size).to.equal(16);
    const severity = countBy(records, (r) => r.severity ?? '');
    expect(severity.get('general') ?? 0).to.be.greaterThan(records.length / 2);
    expect(severity.get('minor') ?? 0).to.be.greaterThan(50);
    expect(severity.get('serious') ?? 0).to.be.greaterThan(50);
    const perSubject = countBy(records, (r) => r.subject.code);
    expect(perSubject.size).to.be.below(records.length * 0.6);
    expect([...perSubject.values()].filter((n) => n >= 3).length).to.be.greaterThan(100);
    const fines = records.map((r) => r.data['fineAmount']).filter((x): x is number => typeof x === 'number');
    expect(fines.length).to.be.greaterThan(2000);
    for (const f of fines) expect(Math.round(f * 1e6) / 1e6).to.equal(f);
    const types21 = new Set(records.flatMap((r) => r.data['penaltyTypes'] as string[]));
    expect(types21).to.include('罚款').and.to.include('没收违法所得').and.to.include('没收违法所得、没收非法财物');
    expect(records.some((r) => /^济市监罚〔20\d\d〕\d+号$/.test(r.externalId))).to.equal(true);
    for (const r of records) {
      expect(r.sourceUnit.name).to.match(/^(国家税务总局)?\S+市\S+$/);
      expect(checkCode(r.sourceUnit.code).valid).to.equal(true);
      expect(cityOf(r).slice(0, 4)).to.equal(r.sourceUnit.code.slice(2, 6));
    }
  });

  it('licences carry validity (some long-term) and a status in step with it', () => {
    const records = all('administrative_license', 1000, 5);
    expect(records.some((r) => r.data['validUntil'] === '2099-12-31')).to.equal(true);
    for (const r of records) {
      expect(r.data['validFrom'] as string <= (r.data['validUntil'] as string)).to.equal(true);
      if ((r.data['validUntil'] as string) < '2026-10-31') expect(r.data['status']).to.equal('无效');
    }
  });

  it('registration has one record per subject; qualifications are all natural persons; tax ratings span A to D', () => {
    const reg = all('registration', 2000, 9);
    expect(new Set(reg.map((r) => r.subject.code)).size).to.equal(2000);
    for (const r of reg) expect(r.externalId).to.equal(r.subject.code);
    expect(all('professional_qualification', 300).every((r) => r.subject.type === 'natural_person')).to.equal(true);
    expect(new Set(all('tax_credit_rating', 1000).map((r) => r.data['grade']))).to.deep.equal(new Set(['A', 'B', 'M', 'C', 'D']));
  });

  it('the same seed gives the same companies across categories', () => {
    const penalties = new Set(all('administrative_penalty', 600, 2026).map((r) => r.subject.code));
    const registered = all('registration', 300, 2026).map((r) => r.subject.code);
    expect(registered.filter((c) => penalties.has(c)).length).to.be.greaterThan(20);
  });

  it('the demo source unit is the Jinan market regulation bureau', () => {
    expect(DEMO_SOURCE_UNIT).to.deep.equal({ code: JINAN_MARKET.code, name: '济南市市场监督管理局' });
    expect(checkCode(DEMO_SOURCE_UNIT.code).valid).to.equal(true);
  });

  it('date helpers agree with the Date object', () => {
    for (let day = toDay('1950-01-01'); day <= toDay('2100-12-31'); day += 13) {
      const iso = new Date(day * 86400000).toISOString().slice(0, 10);
      expect(fromDay(day)).to.equal(iso);
      expect(toDay(iso)).to.equal(day);
    }
    expect(addYears('2026-03-02', 5, 1)).to.equal('2031-03-01');
    expect(addYears('2024-02-29', 1)).to.equal('2025-02-28');
    expect(addMonths('2025-10-31', 4)).to.equal('2026-02-28');
    expect(addMonths('2025-12-15', 1, 1)).to.equal('2026-01-14');
  });
});

describe('generate-data: files and import', function () {
  this.timeout(180_000);
  let node: TempNode;
  beforeEach(async () => { node = await tempNode({ clock }); });
  afterEach(async () => { await node.cleanup(); });

  const deps = () => ({ store: node.ctx.store, records: node.ctx.records, clock: node.ctx.clock, dataKey: node.ctx.dataKey, legacyCodes: node.ctx.config.identifiers.legacyCodes });
  const write = (o: Omit<WriteOptions, 'out'> & { name: string }) => writeRecordsFile({ ...o, out: path.join(node.dir, o.name) });
  const load = (category: string, file: string, encoding?: 'utf8' | 'gb18030') =>
    importFile(deps(), { category, file, rejectsDir: path.join(node.dir, 'rejects'), batchSize: 500, ...(encoding ? { encoding } : {}) });

  it('CSV in UTF-8 with BOM, national headers, CRLF, mixed date styles, quoting', async () => {
    const { file, count, bad } = await write({ category: 'administrative_penalty', count: 300, seed: 4, format: 'csv', name: 'p.csv' });
    expect({ count, bad }).to.deep.equal({ count: 300, bad: 0 });
    const text = readFileSync(file, 'utf8');
    expect(text.charCodeAt(0)).to.equal(0xfeff);
    const header = text.slice(1, text.indexOf('\r\n')).split(',');
    expect(header.slice(0, 8)).to.deep.equal(['行政处罚决定书文号', '处罚决定日期', '行政相对人名称', '统一社会信用代码', '证件号码', '行政相对人类别', '数据来源单位', '数据来源单位统一社会信用代码']);
    expect(header).to.include('罚款金额（万元）').and.to.include('处罚类别').and.to.include('失信严重程度');
    expect(text.split('\r\n').length).to.equal(302);
    expect(text).to.match(/,20\d\d\/\d\d\/\d\d,/).and.to.match(/,20\d\d-\d\d-\d\d,/);
    expect(text).to.include('；');
  });

  it('every category round-trips: CSV rows map back to the generated records field for field', async () => {
    for (const category of registry.categories()) {
      const records = all(category, 150, 21);
      const { file } = await write({ category, count: 150, seed: 21, format: 'csv', name: `${category}.csv` });
      const source = await openRows(file);
      if (source.kind !== 'table') throw new Error('expected a table');
      const map = buildColumnMap(registry, category, source.headers);
      expect(map.unknown, category).to.deep.equal([]);
      expect(map.missingRequired, category).to.deep.equal([]);
      let i = 0;
      for await (const row of source.rows) {
        const { record, errors } = rowToRecord(map, row.values, { category });
        expect(errors, `${category} row ${row.rowNumber}`).to.deep.equal([]);
        expect(record, `${category} row ${row.rowNumber}`).to.deep.equal(records[i]);
        i += 1;
      }
      expect(i).to.equal(150);
    }
  });

  for (const [category, encoding] of [
    ['administrative_penalty', 'gb18030'],
    ['administrative_penalty', 'utf8'],
    ['administrative_license', 'gb18030'],
    ['administrative_license', 'utf8'],
    ['registration', 'gb18030'],
    ['registration', 'utf8'],
    ['court_enforcement', 'gb18030'],
    ['professional_qualification', 'utf8'],
  ] as const) {
    it(`${category}: a ${encoding} CSV imports with no rejects`, async () => {
      const { file } = await write({ category, count: 400, seed: 12, format: 'csv', encoding, name: `${category}.${encoding}.csv` });
      if (encoding === 'gb18030') {
        const bytes = readFileSync(file);
        expect(bytes[0]).to.not.equal(0xef);
        expect(iconv.decode(bytes, 'gb18030')).to.include(category === 'registration' ? '企业名称' : '数据来源单位');
      }
      const summary = await load(category, file, encoding);
      expect(summary).to.include({ rows: 400, accepted: 400, rejected: 0, rejectsFile: null });
    });
  }

  it('JSONL imports with no rejects, one record per line', async () => {
    const { file } = await write({ category: 'honor', count: 300, seed: 3, format: 'jsonl', name: 'honor.jsonl' });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).to.have.length(300);
    expect(JSON.parse(lines[0] ?? '{}')).to.deep.equal(all('honor', 300, 3)[0]);
    expect(await load('honor', file)).to.include({ rows: 300, accepted: 300, rejected: 0 });
  });

  for (const format of ['csv', 'jsonl'] as const) {
    it(`badRatio 0.1 (${format}): exactly the reported number of rows is rejected, in every category`, async () => {
      for (const category of registry.categories()) {
        const encoding = category === 'administrative_penalty' ? 'gb18030' : 'utf8';
        const { file, bad, count } = await write({ category, count: 200, seed: 77, format, encoding, badRatio: 0.1, name: `${category}.bad.${format}` });
        expect(bad, category).to.be.within(5, 40);
        const summary = await load(category, file, encoding);
        expect({ category, rejected: summary.rejected, accepted: summary.accepted }).to.deep.equal({ category, rejected: bad, accepted: count - bad });
      }
    });
  }

  it('bad rows are the same rows for the same seed, and badRatio 0 and 1 are the ends', async () => {
    const a = await write({ category: 'administrative_penalty', count: 200, seed: 5, format: 'jsonl', badRatio: 0.3, name: 'a.jsonl' });
    const b = await write({ category: 'administrative_penalty', count: 200, seed: 5, format: 'jsonl', badRatio: 0.3, name: 'b.jsonl' });
    expect(readFileSync(a.file, 'utf8')).to.equal(readFileSync(b.file, 'utf8'));
    expect((await write({ category: 'bidding', count: 50, seed: 5, format: 'csv', badRatio: 1, name: 'c.csv' })).bad).to.equal(50);
    expect((await write({ category: 'bidding', count: 50, seed: 5, format: 'csv', name: 'd.csv' })).bad).to.equal(0);
  });

  it('rejects bad options', async () => {
    expect(() => generateRecords({ category: 'nope', count: 1, seed: 1 })).to.throw(/unknown category/);
    expect(() => generateRecords({ category: 'honor', count: -1, seed: 1 })).to.throw(/count/);
    expect(() => generateRecords({ category: 'honor', count: 1, seed: 1.5 })).to.throw(/seed/);
    let err: unknown;
    try {
      await write({ category: 'honor', count: 1, seed: 1, format: 'jsonl', badRatio: 2, name: 'x.jsonl' });
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/badRatio/);
  });
});

describe('generate-data: command line', function () {
  this.timeout(60_000);
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/generate-data.ts'), ...args], { cwd: root, encoding: 'utf8' });

  it('writes the file and prints a one-line JSON summary', async () => {
    const node = await tempNode({ clock });
    try {
      const out = path.join(node.dir, 'cli.csv');
      const r = run(['--category', 'administrative_penalty', '--count', '120', '--seed', '42', '--format', 'csv', '--encoding', 'gb18030', '--out', out, '--bad-ratio', '0.1']);
      expect(r.status, r.stderr).to.equal(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines).to.have.length(1);
      const summary = JSON.parse(lines[0] ?? '{}') as { count: number; bad: number; file: string };
      expect(summary).to.include({ count: 120, file: out });
      const same = await writeRecordsFile({ category: 'administrative_penalty', count: 120, seed: 42, format: 'csv', encoding: 'gb18030', out: path.join(node.dir, 'api.csv'), badRatio: 0.1 });
      expect(summary.bad).to.equal(same.bad);
      expect(readFileSync(out).equals(readFileSync(same.file))).to.equal(true);
    } finally {
      await node.cleanup();
    }
  });

  it('--help prints the usage and exits 0; a file that cannot be written exits 1', () => {
    const help = run(['--help']);
    expect(help.status).to.equal(0);
    expect(help.stdout).to.match(/^usage: generate-data/);
    const fail = run(['--category', 'honor', '--count', '5', '--out', path.join(root, 'no-such-dir', 'x', 'honor.jsonl')]);
    expect(fail.status).to.equal(1);
    expect(fail.stderr).to.match(/ENOENT/);
  });

  it('exits 2 on bad usage', () => {
    for (const args of [[], ['--category', 'nope', '--count', '1', '--out', '/tmp/x'], ['--category', 'honor', '--count', 'ten', '--out', '/tmp/x'], ['--category', 'honor', '--count', '1'], ['--category', 'honor', '--count', '1', '--out', '/tmp/x', '--bad-ratio', '3'], ['--bogus']]) {
      const r = run(args);
      expect(r.status, args.join(' ')).to.equal(2);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.match(/usage/);
    }
  });
});
