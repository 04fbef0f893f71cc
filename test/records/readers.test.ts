import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import iconv from 'iconv-lite';
import { openRows, type OpenRowsOptions } from '../../node/records/readers/index.ts';
import { collect, unreadable, table } from '../helpers/readers.ts';
import type { ObjectSource, RowSource } from '../../node/records/readers/types.ts';





function objects(source: RowSource): ObjectSource {
  expect(source.kind).to.equal('objects');
  return source as ObjectSource;
}

const PENALTY_CSV =
  '行政相对人名称,统一社会信用代码,行政处罚决定书文号,处罚决定日期\r\n' +
  '济南某某食品有限公司,91370102MA3C000001,济市监罚〔2026〕12号,2026-03-02\r\n' +
  '青岛某某贸易有限公司,91370202MA3C000002,青市监罚〔2026〕7号,2026-03-05\r\n';

describe('records/readers', () => {
  let dir: string;
  const file = async (name: string, content: string | Buffer): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };
  const open = (path: string, opts: OpenRowsOptions = {}): Promise<RowSource> => openRows(path, opts);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'readers-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('CSV', () => {
    it('reads UTF-8 with a BOM and Chinese headers, header = row 1', async () => {
      const source = table(await open(await file('bom.csv', `\uFEFF${PENALTY_CSV}`)));
      expect(source.encoding).to.equal('utf8');
      expect(source.headers).to.deep.equal(['行政相对人名称', '统一社会信用代码', '行政处罚决定书文号', '处罚决定日期']);
      const rows = await collect(source.rows);
      expect(rows).to.deep.equal([
        { rowNumber: 2, values: ['济南某某食品有限公司', '91370102MA3C000001', '济市监罚〔2026〕12号', '2026-03-02'] },
        { rowNumber: 3, values: ['青岛某某贸易有限公司', '91370202MA3C000002', '青市监罚〔2026〕7号', '2026-03-05'] },
      ]);
    });

    it('detects GB18030 and reads the same rows, also when the encoding is given', async () => {
      const utf8 = await collect(table(await open(await file('same.csv', PENALTY_CSV))).rows);
      const gbFile = await file('gb.csv', iconv.encode(PENALTY_CSV, 'gb18030'));
      const detected = table(await open(gbFile));
      expect(detected.encoding).to.equal('gb18030');
      expect(detected.headers[0]).to.equal('行政相对人名称');
      expect(await collect(detected.rows)).to.deep.equal(utf8);
      const explicit = table(await open(gbFile, { encoding: 'gb18030' }));
      expect(await collect(explicit.rows)).to.deep.equal(utf8);
    });

    it('refuses GB18030 bytes read as UTF-8 instead of importing garbled names', async () => {
      const gbFile = await file('gb-as-utf8.csv', iconv.encode(PENALTY_CSV, 'gb18030'));
      const err = await unreadable(open(gbFile, { encoding: 'utf8' }));
      expect(err.message).to.contain('gb18030');
    });

    it('stops with a message when GBK text starts after an ASCII-only head', async () => {
      const head = 'code,name\r\n' + 'A123,plain ascii name\r\n'.repeat(4000); // > 64 KiB of ASCII
      const path = await file('late-gbk.csv', Buffer.concat([Buffer.from(head), iconv.encode('B1,济南某某\r\n', 'gb18030')]));
      const source = table(await open(path));
      expect(source.encoding).to.equal('utf8');
      const err = await unreadable(collect(source.rows));
      expect(err.message).to.contain('--encoding gb18030');
    });

    it('keeps commas and line breaks inside quotes and counts lines after them', async () => {
      const content =
        '名称,备注,金额\n' +
        '"济南某某, 有限公司","第一行\n第二行",100\n' + // lines 2-3
        '\n' + // line 4, empty
        '青岛,"windows\r\nbreak",200\r\n' + // lines 5-6
        ',,\n' + // line 7, only delimiters
        '烟台,"说""明""",300\n' + // line 8
        '潍坊\n'; // line 9, short row
      const source = table(await open(await file('quoted.csv', content)));
      const rows = await collect(source.rows);
      expect(rows).to.deep.equal([
        { rowNumber: 2, values: ['济南某某, 有限公司', '第一行\n第二行', '100'] },
        { rowNumber: 5, values: ['青岛', 'windows\r\nbreak', '200'] },
        { rowNumber: 8, values: ['烟台', '说"明"', '300'] },
        { rowNumber: 9, values: ['潍坊'] },
      ]);
    });

    it('reads tab-separated text and semicolon-separated files', async () => {
      const tabs = table(await open(await file('export.txt', '名称\t代码\n济南,某某\t001\n')));
      expect(tabs.headers).to.deep.equal(['名称', '代码']);
      expect(await collect(tabs.rows)).to.deep.equal([{ rowNumber: 2, values: ['济南,某某', '001'] }]);
      const semis = table(await open(await file('semi.csv', '名称;代码\n济南;002\n')));
      expect(await collect(semis.rows)).to.deep.equal([{ rowNumber: 2, values: ['济南', '002'] }]);
    });

    it('gives zero rows for a header-only file, and drops empty cells after the last header', async () => {
      const source = table(await open(await file('header-only.csv', ' 名称 ,代码,,\r\n')));
      expect(source.headers).to.deep.equal(['名称', '代码']);
      expect(await collect(source.rows)).to.deep.equal([]);
    });

    it('refuses a header that cannot be parsed', async () => {
      const err = await unreadable(open(await file('bad-header.csv', '"名称,代码\n济南,1\n')));
      expect(err.message).to.contain('表头');
    });

    it('stops at a broken quote further down with the line where the record starts', async () => {
      const source = table(await open(await file('bad-row.csv', '名称,代码\n济南,1\n青岛,"2\n')));
      const seen: number[] = [];
      const err = await unreadable(
        (async () => {
          for await (const row of source.rows) seen.push(row.rowNumber);
        })(),
      );
      expect(seen).to.deep.equal([2]);
      expect(err.message).to.contain('第 3 行');
    });

    it('refuses binary content and says when it is an xlsx file', async () => {
      await unreadable(open(await file('binary.csv', Buffer.from([0x41, 0x2c, 0x42, 0x0a, 0x00, 0x01, 0x02, 0x0a]))));
      const zipLike = await unreadable(open(await file('renamed.csv', Buffer.from('PK\u0003\u0004\u0014\u0000\u0000\u0000', 'latin1'))));
      expect(zipLike.message).to.contain('--format xlsx');
    });

    it('reports bytes read up to the file size', async () => {
      const path = await file('progress.csv', PENALTY_CSV.repeat(2000));
      const seen: Array<[number, number]> = [];
      const source = table(await open(path, { onBytes: (read, total) => seen.push([read, total]) }));
      await collect(source.rows);
      const size = Buffer.byteLength(PENALTY_CSV.repeat(2000));
      expect(seen.length).to.be.greaterThan(1);
      expect(seen.at(-1)).to.deep.equal([size, size]);
      expect(seen.every(([read], i) => i === 0 || read > (seen[i - 1]?.[0] ?? 0))).to.equal(true);
    });
  });

  describe('JSONL', () => {
    it('yields an error row for a malformed line and carries on', async () => {
      const path = await file(
        'records.jsonl',
        '{"externalId":"A1"}\n\n{"externalId":"A2",}\r\n{"externalId":"A3","subject":{"name":"济南某某"}}\n',
      );
      const rows = await collect(objects(await open(path)).rows);
      expect(rows).to.have.length(3);
      expect(rows[0]).to.deep.equal({ rowNumber: 1, value: { externalId: 'A1' } });
      expect(rows[1]?.rowNumber).to.equal(3);
      expect(rows[1]?.error).to.match(/^JSON 格式错误：/);
      expect(rows[1]).to.not.have.property('value');
      expect(rows[2]).to.deep.equal({ rowNumber: 4, value: { externalId: 'A3', subject: { name: '济南某某' } } });
    });

    it('reads .ndjson with a BOM and a last line without a line break', async () => {
      const rows = await collect(objects(await open(await file('x.ndjson', '\uFEFF{"a":1}\n{"a":2}'))).rows);
      expect(rows).to.deep.equal([
        { rowNumber: 1, value: { a: 1 } },
        { rowNumber: 2, value: { a: 2 } },
      ]);
    });

    it('refuses a file whose first record is not JSON at all', async () => {
      await unreadable(open(await file('csv.jsonl', '\n名称,代码\n济南,1\n')));
      await unreadable(open(await file('pretty.jsonl', '[\n  {"a": 1}\n]\n')));
    });
  });

  describe('whole-file problems', () => {
    it('refuses an empty file, a missing file and an unknown extension before any row', async () => {
      expect((await unreadable(open(await file('empty.csv', '')))).message).to.contain('空');
      expect((await unreadable(open(join(dir, 'missing.csv')))).message).to.contain('找不到');
      const unknown = await unreadable(open(await file('data.dat', 'a,b\n1,2\n')));
      expect(unknown.message).to.equal(`无法识别的文件格式：${join(dir, 'data.dat')}，请使用 --format 指定 csv、jsonl 或 xlsx`);
      expect((await unreadable(open(await file('old.xls', 'x')))).message).to.contain('.xls');
    });

    it('lets --format override the extension', async () => {
      const source = table(await open(await file('data.dat', '名称,代码\n济南,1\n'), { format: 'csv' }));
      expect(await collect(source.rows)).to.deep.equal([{ rowNumber: 2, values: ['济南', '1'] }]);
    });

    it('refuses a file of only empty lines', async () => {
      await unreadable(open(await file('blank.csv', '\r\n\r\n')));
      await unreadable(open(await file('blank.jsonl', '\n  \n')));
    });
  });
});
