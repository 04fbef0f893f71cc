import ExcelJS from 'exceljs';
import { ImportFileUnreadable } from '../../errors.ts';
import { asUnreadable, cleanHeaders } from './text-stream.ts';
import { cellText } from './xlsx-cell.ts';
import { feed } from './xlsx-feed.ts';
import { checkXlsxContainer } from './zip-check.ts';
import type { OnBytes, TableSource } from './types.ts';

type TableRow = { rowNumber: number; values: string[] };
type SheetReader = ExcelJS.stream.xlsx.WorksheetReader;

/** Fields of exceljs's streaming reader that its typings leave out. */
interface ReaderInternals {
  model?: { sheets?: { name?: string; state?: string }[] };
  properties?: { model?: { date1904?: boolean } };
}

export async function openXlsx(
  file: string,
  opts: { size: number; onBytes?: OnBytes | undefined },
): Promise<TableSource & { close(): void }> {
  await checkXlsxContainer(file, opts.size);

  const { input, failure, reportProgress } = feed(file, opts.size);
  // Styles are cached because only they tell a date cell from a number; shared strings must be cached to be read.
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const internals = reader as unknown as ReaderInternals;
  const sheets = reader[Symbol.asyncIterator]();
  const guarded = <T>(step: Promise<T>): Promise<T> => Promise.race([step, failure]);
  let done = false;
  const close = (): void => {
    if (done) return;
    done = true;
    input.destroy();
    // The exceljs generators hold nothing but the stream just destroyed; end them without waiting.
    sheets.return(undefined).catch(() => undefined);
  };

  let rowsOfSheet: AsyncIterator<ExcelJS.Row> | undefined;
  let headers: string[] | undefined;
  let lastRow = 0;
  // Some generators leave out the row's `r` attribute; the row then follows the previous one.
  const numberOf = (row: ExcelJS.Row): number => (Number.isFinite(row.number) ? row.number : lastRow + 1);
  const date1904 = (): boolean => internals.properties?.model?.date1904 === true;
  const valuesOf = (row: ExcelJS.Row, width: number): string[] => {
    const values: string[] = [];
    for (let col = 1; col <= Math.max(width, row.cellCount); col += 1) {
      const cell = row.getCell(col);
      values.push(cellText(cell.value, cell.numFmt, date1904()));
    }
    return values;
  };

  try {
    const sheet = await firstSheet(sheets, internals, guarded);
    if (sheet === undefined) throw new ImportFileUnreadable(`${file} 中没有工作表`);
    await reportProgress(sheet, opts.onBytes);
    rowsOfSheet = sheet[Symbol.asyncIterator]();
    for (let r = await guarded(rowsOfSheet.next()); !r.done; r = await guarded(rowsOfSheet.next())) {
      lastRow = numberOf(r.value);
      const values = valuesOf(r.value, 0);
      if (values.some((v) => v.trim() !== '')) {
        headers = cleanHeaders(values);
        break;
      }
    }
    if (headers === undefined) throw new ImportFileUnreadable(`${file} 的第一个工作表是空的，没有表头行`);
  } catch (err) {
    close();
    throw asUnreadable(err, `${file} 无法读取，Excel 文件可能已损坏`);
  }
  const header = headers;
  const sheetRows = rowsOfSheet;

  async function* rows(): AsyncGenerator<TableRow> {
    try {
      for (;;) {
        let r: IteratorResult<ExcelJS.Row>;
        try {
          r = await guarded(sheetRows.next());
        } catch (err) {
          throw asUnreadable(err, `${file} 读到第 ${lastRow} 行之后出错，Excel 文件可能已损坏或不完整`);
        }
        if (r.done) return;
        lastRow = numberOf(r.value);
        const values = valuesOf(r.value, header.length);
        if (values.some((v) => v.trim() !== '')) yield { rowNumber: lastRow, values };
      }
    } finally {
      close();
    }
  }

  return { kind: 'table', headers: header, rows: rows(), close };
}

/**
 * The first visible worksheet in tab order. exceljs emits worksheets in the order they are stored in the zip, which
 * can differ (a sheet moved to the front in Excel keeps its file name), so sheets before it are read through and
 * dropped. When the workbook part comes after the sheets, the order is unknown and the first stored sheet is taken.
 */
async function firstSheet(
  sheets: AsyncIterator<SheetReader>,
  internals: ReaderInternals,
  guarded: <T>(step: Promise<T>) => Promise<T>,
): Promise<SheetReader | undefined> {
  for (let s = await guarded(sheets.next()); !s.done; s = await guarded(sheets.next())) {
    const tabs = internals.model?.sheets;
    const wanted = tabs?.find((t) => t.state !== 'hidden' && t.state !== 'veryHidden')?.name;
    const name = (s.value as unknown as { name?: string }).name;
    if (wanted === undefined || name === undefined || name === wanted) return s.value;
    const skipped = s.value[Symbol.asyncIterator]();
    while (!(await guarded(skipped.next())).done);
  }
  return undefined;
}
