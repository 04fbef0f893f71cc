import { ImportFileUnreadable } from '../../errors.ts';
import { assertText, readRange } from './text-stream.ts';

/**
 * Up-front check of an XLSX container, reading only its head and tail. The streaming reader reads the zip front to
 * back and would only notice a cut-off file after rows had been imported; the central directory at the end of the
 * file tells at once whether the file is complete and holds a workbook with a worksheet.
 */

const EOCD_SIG = 0x06054b50;
const EOCD_LEN = 22;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const MAX_COMMENT = 0xffff;
/** An XLSX directory has one small entry per part; anything this large is not a spreadsheet. */
const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;

/** exceljs's streaming reader only recognises worksheets stored under this name. */
export const WORKSHEET_PART = /^xl\/worksheets\/sheet\d+\.xml$/;

interface Directory {
  offset: number;
  size: number;
  entries: number;
}

function damaged(file: string, why: string): Error {
  return new ImportFileUnreadable(`${file} 不是完整有效的 Excel（.xlsx）文件：${why}，请重新导出或另存为 .xlsx 后再导入`);
}

function findDirectory(tail: Buffer, tailStart: number, file: string): Promise<Directory> | Directory {
  for (let i = tail.length - EOCD_LEN; i >= 0; i -= 1) {
    if (tail.readUInt32LE(i) !== EOCD_SIG) continue;
    // The comment length must account exactly for the rest of the file, or these 4 bytes are just data.
    if (i + EOCD_LEN + tail.readUInt16LE(i + 20) !== tail.length) continue;
    const entries = tail.readUInt16LE(i + 10);
    const size = tail.readUInt32LE(i + 12);
    const offset = tail.readUInt32LE(i + 16);
    if (entries !== 0xffff && size !== 0xffffffff && offset !== 0xffffffff) return { offset, size, entries };
    return findZip64Directory(tail, i, tailStart, file);
  }
  throw damaged(file, '文件不完整（缺少 ZIP 目录，可能下载或复制未完成）');
}

async function findZip64Directory(tail: Buffer, eocdAt: number, tailStart: number, file: string): Promise<Directory> {
  const locatorAt = eocdAt - 20;
  if (locatorAt < 0 || tail.readUInt32LE(locatorAt) !== ZIP64_LOCATOR_SIG) throw damaged(file, 'ZIP64 目录定位记录缺失');
  const recordAt = Number(tail.readBigUInt64LE(locatorAt + 8));
  if (recordAt >= tailStart + locatorAt) throw damaged(file, 'ZIP64 目录位置无效');
  const record = await readRange(file, recordAt, 56);
  if (record.length < 56 || record.readUInt32LE(0) !== ZIP64_EOCD_SIG) throw damaged(file, 'ZIP64 目录记录损坏');
  return {
    entries: Number(record.readBigUInt64LE(32)),
    size: Number(record.readBigUInt64LE(40)),
    offset: Number(record.readBigUInt64LE(48)),
  };
}

function listEntries(dir: Buffer, file: string): Map<string, number> {
  const names = new Map<string, number>();
  let at = 0;
  while (at + 46 <= dir.length) {
    if (dir.readUInt32LE(at) !== CENTRAL_SIG) throw damaged(file, 'ZIP 目录损坏');
    const nameLen = dir.readUInt16LE(at + 28);
    const extraLen = dir.readUInt16LE(at + 30);
    const commentLen = dir.readUInt16LE(at + 32);
    if (at + 46 + nameLen > dir.length) throw damaged(file, 'ZIP 目录损坏');
    names.set(dir.toString('utf8', at + 46, at + 46 + nameLen), dir.readUInt32LE(at + 42));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

export async function checkXlsxContainer(file: string, size: number): Promise<void> {
  const head = await readRange(file, 0, 8);
  if (head.length < 4 || head.readUInt32LE(0) !== LOCAL_SIG) {
    // Says what it is when it is recognisably something else (old .xls, a CSV renamed .xlsx ...).
    const printable = head.every((b) => b >= 0x20 ? b !== 0x7f : b === 0x09 || b === 0x0a || b === 0x0d);
    if (head.length > 0 && printable) {
      throw new ImportFileUnreadable(`${file} 不是 Excel（.xlsx）文件，看起来是文本文件；若是 CSV 请使用 --format csv`);
    }
    assertText(head, file, 'xlsx');
    throw damaged(file, '文件头不是 ZIP 格式');
  }

  const tailStart = Math.max(0, size - EOCD_LEN - MAX_COMMENT);
  const tail = await readRange(file, tailStart, size - tailStart);
  const dir = await findDirectory(tail, tailStart, file);
  if (dir.size > MAX_DIRECTORY_BYTES || dir.offset + dir.size > size) throw damaged(file, 'ZIP 目录位置无效');
  const names = listEntries(await readRange(file, dir.offset, dir.size), file);
  if (names.size !== dir.entries) throw damaged(file, 'ZIP 目录条目数不符');

  const workbook = names.get('xl/workbook.xml');
  const sheet = [...names.entries()].find(([name]) => WORKSHEET_PART.test(name));
  if (workbook === undefined) throw damaged(file, '缺少工作簿（xl/workbook.xml）');
  if (sheet === undefined) throw damaged(file, '缺少工作表（xl/worksheets/sheet1.xml 等）');
  for (const offset of [workbook, sheet[1]]) {
    if (offset === 0xffffffff) continue; // ZIP64 offset in the extra field; the streaming reader will check it
    const local = await readRange(file, offset, 4);
    if (local.length < 4 || local.readUInt32LE(0) !== LOCAL_SIG) throw damaged(file, 'ZIP 条目位置无效');
  }
}
