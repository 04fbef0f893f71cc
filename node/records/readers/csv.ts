import { pipeline } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { ImportFileUnreadable } from '../../errors.ts';
import {
  asUnreadable,
  cleanHeaders,
  decodeSample,
  openTextStream,
  sniffText,
} from './text-stream.ts';
import type { Encoding, OnBytes, TableSource } from './types.ts';

/**
 * Longest record accepted, in characters. An unclosed quote would otherwise swallow the rest of the file into
 * one field held in memory; this stops it with a message that points at the line instead.
 */
const MAX_RECORD_CHARS = 1024 * 1024;

/** What csv-parse yields with `info: true` (its typings give records as `any`). */
interface ParsedRecord {
  record: string[];
  info: { empty_lines: number };
}

type CsvRow = { rowNumber: number; values: string[] };

/**
 * Line numbers as a text editor shows them: the line where each record starts. csv-parse's own `info.lines`
 * counts a CRLF inside a quoted field as two lines, so lines are counted here from the skipped empty lines and
 * the line breaks inside the record's fields.
 */
class LineCounter {
  private nextLine = 1;
  private emptySeen = 0;

  place(parsed: ParsedRecord): number {
    const skipped = parsed.info.empty_lines - this.emptySeen;
    this.emptySeen = parsed.info.empty_lines;
    const start = this.nextLine + skipped;
    this.nextLine = start + 1 + lineBreaks(parsed.record);
    return start;
  }

  /** Where the record being parsed starts (for error messages). */
  get current(): number {
    return this.nextLine;
  }
}

function lineBreaks(fields: string[]): number {
  let n = 0;
  for (const field of fields) {
    if (field.includes('\n') || field.includes('\r')) n += field.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return n;
}

const isBlank = (fields: string[]): boolean => fields.every((f) => f.trim() === '');

/** The header's delimiter among `,` `\t` `;` (most frequent outside quotes; comma when in doubt). */
export function detectDelimiter(head: string): string {
  const counts = new Map<string, number>([[',', 0], ['\t', 0], [';', 0]]);
  let inQuotes = false;
  let seenText = false;
  for (const ch of head.replace(/^\uFEFF/, '')) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\n' || ch === '\r')) {
      if (seenText) break;
    } else if (!inQuotes && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    if (ch.trim() !== '') seenText = true;
  }
  let best = ',';
  for (const d of ['\t', ';']) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}

function csvProblem(err: unknown, file: string, line: number): Error {
  const code = (err as Partial<CsvError> | undefined)?.code;
  const reason: Record<string, string> = {
    CSV_QUOTE_NOT_CLOSED: '引号未闭合',
    CSV_INVALID_CLOSING_QUOTE: '闭合引号后还有其他字符',
    CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: '闭合引号后还有其他字符',
    INVALID_OPENING_QUOTE: '字段中间出现引号',
    CSV_MAX_RECORD_SIZE: '单条记录过长（可能有未闭合的引号）',
  };
  if (code !== undefined && reason[code] !== undefined) {
    return new ImportFileUnreadable(`${file} 第 ${line} 行起 CSV 格式错误：${reason[code]}`, { line, code });
  }
  return asUnreadable(err, `${file} 第 ${line} 行附近读取失败`);
}

export async function openCsv(
  file: string,
  opts: { size: number; encoding?: Encoding | undefined; onBytes?: OnBytes | undefined },
): Promise<TableSource & { close(): void }> {
  const { sample, encoding } = await sniffText(file, opts.size, 'CSV', opts.encoding);
  const head = decodeSample(sample, encoding);
  // Old Mac exports end lines with a bare CR; everything else uses LF or CRLF, sometimes mixed in one file.
  const recordDelimiter = head.includes('\n') || !head.includes('\r') ? ['\r\n', '\n'] : ['\r'];

  const text = openTextStream(file, { size: opts.size, encoding, onBytes: opts.onBytes });
  const parser = parse({
    delimiter: detectDelimiter(head),
    record_delimiter: recordDelimiter,
    bom: true,
    info: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARS,
  });
  pipeline(text, parser, () => {
    // Errors surface from the parser's iterator.
  });
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<ParsedRecord>;
  const lines = new LineCounter();
  const close = (): void => {
    parser.destroy();
  };

  let headers: string[] | undefined;
  try {
    for (let r = await records.next(); !r.done; r = await records.next()) {
      lines.place(r.value);
      if (!isBlank(r.value.record)) {
        headers = cleanHeaders(r.value.record);
        break;
      }
    }
  } catch (err) {
    close();
    const problem = csvProblem(err, file, lines.current);
    throw new ImportFileUnreadable(`CSV 表头行无法解析：${problem.message}`);
  }
  if (headers === undefined) {
    close();
    throw new ImportFileUnreadable(`${file} 中没有表头行（文件只有空行）`);
  }

  async function* rows(): AsyncGenerator<CsvRow> {
    try {
      for (;;) {
        let r: IteratorResult<ParsedRecord>;
        try {
          r = await records.next();
        } catch (err) {
          throw csvProblem(err, file, lines.current);
        }
        if (r.done) return;
        const rowNumber = lines.place(r.value);
        if (!isBlank(r.value.record)) yield { rowNumber, values: r.value.record };
      }
    } finally {
      close();
    }
  }

  return { kind: 'table', headers, encoding, rows: rows(), close };
}
