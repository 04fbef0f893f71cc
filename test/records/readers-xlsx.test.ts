import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import { openRows } from '../../node/records/readers/index.ts';
import { collect, unreadable, table } from '../helpers/readers.ts';





/** A minimal zip writer, so a test can choose the order of the parts and where the bytes go bad. */
function zip(parts: Array<[string, string]>): { bytes: Buffer; dataRange: Map<string, [number, number]> } {
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  const dataRange = new Map<string, [number, number]>();
  let offset = 0;
  for (const [name, text] of parts) {
    const content = Buffer.from(text);
    const data = deflateRawSync(content);
    const nameBytes = Buffer.from(name);
    const crc = crc32(content);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(0x0800, 6);
    head.writeUInt16LE(8, 8);
    head.writeUInt32LE(crc, 14);
    head.writeUInt32LE(data.length, 18);
    head.writeUInt32LE(content.length, 22);
    head.writeUInt16LE(nameBytes.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt16LE(8, 10);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(data.length, 20);
    entry.writeUInt32LE(content.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(offset, 42);
    local.push(head, nameBytes, data);
    central.push(entry, nameBytes);
    const dataStart = offset + 30 + nameBytes.length;
    dataRange.set(name, [dataStart, dataStart + data.length]);
    offset = dataStart + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return { bytes: Buffer.concat([...local, directory, end]), dataRange };
}

const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** A workbook whose shared strings come before the sheet, so rows stream straight from the zip. */
function handMadeXlsx(rowCount: number): ReturnType<typeof zip> {
  const rows: string[] = ['<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'];
  for (let r = 2; r <= rowCount + 1; r += 1) {
    rows.push(`<row r="${r}"><c r="A${r}" t="str"><v>某某公司${r}</v></c><c r="B${r}"><v>${r * 7}</v></c></row>`);
  }
  return zip([
    [
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
    ],
    [
      'xl/workbook.xml',
      `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${NS}" xmlns:r="${REL_NS}"><sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ],
    [
      'xl/_rels/workbook.xml.rels',
      `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    ],
    ['xl/sharedStrings.xml', `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${NS}"><si><t>名称</t></si><si><t>金额</t></si></sst>`],
    ['xl/worksheets/sheet1.xml', `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${NS}"><sheetData>${rows.join('')}</sheetData></worksheet>`],
  ]);
}

describe('records/readers XLSX', () => {
  let dir: string;
  let written: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'readers-xlsx-'));
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('行政处罚');
    sheet.addRow(['行政相对人名称', '处罚决定日期', '罚款金额', '备注', '合计', '是否公示']);
    sheet.addRow([
      '济南某某食品有限公司',
      new Date(Date.UTC(2026, 2, 2)),
      1234.5,
      { richText: [{ text: '首次' }, { text: '违法', font: { bold: true } }] },
      { formula: 'C2*2', result: 2469 },
      true,
    ]);
    sheet.addRow([]); // row 3 left empty
    sheet.addRow(['青岛某某贸易有限公司', new Date(Date.UTC(2025, 11, 31)), 0.1 + 0.2]);
    for (let i = 0; i < 500; i += 1) sheet.addRow([`公司${i}`, new Date(Date.UTC(2024, 0, 1 + i)), i]);
    workbook.addWorksheet('说明').addRow(['不应读取']);
    written = join(dir, 'penalties.xlsx');
    await workbook.xlsx.writeFile(written);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads an exceljs workbook: dates, numbers, rich text, formulas, row numbers', async () => {
    const source = table(await openRows(written, {}));
    expect(source.headers).to.deep.equal(['行政相对人名称', '处罚决定日期', '罚款金额', '备注', '合计', '是否公示']);
    const rows = await collect(source.rows);
    expect(rows[0]).to.deep.equal({
      rowNumber: 2,
      values: ['济南某某食品有限公司', '2026-03-02', '1234.5', '首次违法', '2469', 'TRUE'],
    });
    expect(rows[1]).to.deep.equal({ rowNumber: 4, values: ['青岛某某贸易有限公司', '2025-12-31', '0.3', '', '', ''] });
    expect(rows).to.have.length(502);
    expect(rows.at(-1)).to.deep.equal({ rowNumber: 504, values: ['公司499', '2025-05-14', '499', '', '', ''] });
    expect(rows.some((r) => r.values.includes('不应读取'))).to.equal(false);
  });

  it('refuses a truncated file before any row', async () => {
    const bytes = await readFile(written);
    const cut = join(dir, 'cut.xlsx');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const err = await unreadable(openRows(cut, {}));
    expect(err.message).to.contain('不完整');
  });

  it('refuses a file that is not a zip', async () => {
    const notZip = join(dir, 'text.xlsx');
    await writeFile(notZip, '名称,代码\n济南,1\n');
    await unreadable(openRows(notZip, {}));
    const ole = join(dir, 'old.xlsx');
    await writeFile(ole, Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512)]));
    expect((await unreadable(openRows(ole, {}))).message).to.contain('.xls');
  });

  it('refuses a zip without a workbook', async () => {
    const path = join(dir, 'other.xlsx');
    await writeFile(path, zip([['readme.txt', 'hello']]).bytes);
    expect((await unreadable(openRows(path, {}))).message).to.contain('xl/workbook.xml');
  });

  it('streams rows straight from the zip when shared strings come first', async () => {
    const path = join(dir, 'hand.xlsx');
    await writeFile(path, handMadeXlsx(3000).bytes);
    const source = table(await openRows(path, {}));
    expect(source.headers).to.deep.equal(['名称', '金额']);
    const rows = await collect(source.rows);
    expect(rows).to.have.length(3000);
    expect(rows.at(-1)).to.deep.equal({ rowNumber: 3001, values: ['某某公司3001', '21007'] });
  });

  it('throws from the row iterator, without hanging, when the sheet breaks midway', async () => {
    const { bytes, dataRange } = handMadeXlsx(20000);
    const [start, end] = dataRange.get('xl/worksheets/sheet1.xml') ?? [0, 0];
    const broken = Buffer.from(bytes);
    const at = start + Math.floor((end - start) * 0.7);
    broken.fill(0xff, at, at + 64);
    const path = join(dir, 'broken.xlsx');
    await writeFile(path, broken);
    const source = table(await openRows(path, {}));
    let seen = 0;
    const err = await unreadable(
      (async () => {
        for await (const _row of source.rows) seen += 1;
      })(),
    );
    expect(seen).to.be.greaterThan(0);
    expect(seen).to.be.lessThan(20000);
    expect(err.message).to.contain('损坏');
  });

  it('fails with one message, without hanging, when an exceljs workbook is damaged inside', async () => {
    // exceljs copies a sheet stored before the shared strings to a temporary file; a bad deflate block there used to
    // leave its reader waiting forever.
    const bytes = Buffer.from(await readFile(written));
    const name = Buffer.from('xl/worksheets/sheet1.xml');
    const dataStart = bytes.indexOf(name) + name.length;
    const dataEnd = bytes.indexOf(Buffer.from('PK\u0003\u0004', 'latin1'), dataStart);
    // Zeros from a third of the way in to the end of the entry: the deflate stream itself breaks.
    bytes.fill(0, Math.floor(dataStart + (dataEnd - dataStart) / 3), dataEnd);
    const path = join(dir, 'damaged.xlsx');
    await writeFile(path, bytes);
    const err = await unreadable((async () => collect(table(await openRows(path, {})).rows))());
    expect(err.message).to.contain('损坏');
  });

  it('reports progress while rows are read, not only while the zip is unpacked', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('数据');
    sheet.addRow(['名称', '金额']);
    for (let i = 0; i < 20_000; i += 1) sheet.addRow([`某某公司${i}`, i]);
    const path = join(dir, 'progress.xlsx');
    await workbook.xlsx.writeFile(path);

    const reports: number[] = [];
    const source = table(await openRows(path, { onBytes: (read, total) => reports.push(read / total) }));
    let atFirstRow: number | undefined;
    let rows = 0;
    for await (const _row of source.rows) {
      atFirstRow ??= reports.at(-1) ?? 0;
      rows += 1;
    }
    expect(rows).to.equal(20_000);
    expect(atFirstRow).to.be.lessThan(0.5);
    expect(reports.at(-1)).to.equal(1);
    expect(reports.every((r, i) => i === 0 || r >= (reports[i - 1] ?? 0))).to.equal(true);
  });
});
