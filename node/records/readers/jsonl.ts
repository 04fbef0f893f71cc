import { ImportFileUnreadable } from '../../errors.ts';
import { asUnreadable, openTextStream, sniffText } from './text-stream.ts';
import type { Encoding, ObjectSource, OnBytes } from './types.ts';

/** Longest line accepted, in characters: a file without line breaks must not end up in memory as one line. */
const MAX_LINE_CHARS = 16 * 1024 * 1024;

type Line = { lineNumber: number; text: string };
type ObjectRow = { rowNumber: number; value?: unknown; error?: string };

/**
 * Splits decoded text into lines (LF or CRLF). Written out rather than using readline so a line can be bounded:
 * readline buffers a line however long it gets.
 */
async function* splitLines(text: AsyncIterable<string | Buffer>, file: string): AsyncGenerator<Line> {
  let pending = '';
  let lineNumber = 0;
  for await (const chunk of text) {
    pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
      lineNumber += 1;
      yield { lineNumber, text: pending.slice(start, nl > start && pending[nl - 1] === '\r' ? nl - 1 : nl) };
      start = nl + 1;
    }
    pending = pending.slice(start);
    if (pending.length > MAX_LINE_CHARS) {
      throw new ImportFileUnreadable(
        `${file} 第 ${lineNumber + 1} 行过长（超过 ${MAX_LINE_CHARS / 1024 / 1024}M 字符），文件可能不是 JSONL（每行一条 JSON 记录）格式`,
      );
    }
  }
  if (pending.length > 0) yield { lineNumber: lineNumber + 1, text: pending.replace(/\r$/, '') };
}

function parseLine(line: Line): ObjectRow {
  try {
    return { rowNumber: line.lineNumber, value: JSON.parse(line.text) as unknown };
  } catch (err) {
    return { rowNumber: line.lineNumber, error: `JSON 格式错误：${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * The first record decides whether this is JSONL at all. A line that does not even start like a JSON object (a CSV
 * header, a lone `[` or `{` of pretty-printed JSON) means the wrong format, not one bad record.
 */
function assertLooksLikeJsonl(first: ObjectRow, text: string, file: string): void {
  const trimmed = text.trim();
  const prettyPrinted = trimmed === '{' || trimmed === '[';
  if (prettyPrinted || (first.error !== undefined && !trimmed.startsWith('{'))) {
    throw new ImportFileUnreadable(
      `${file} 第 ${first.rowNumber} 行不是 JSON 记录，不能按 JSONL 读取（JSONL 要求每行一条完整的 JSON 记录${prettyPrinted ? '，多行排版的 JSON 需先转换' : ''}）`,
    );
  }
}

export async function openJsonl(
  file: string,
  opts: { size: number; encoding?: Encoding | undefined; onBytes?: OnBytes | undefined },
): Promise<ObjectSource & { close(): void }> {
  const { encoding } = await sniffText(file, opts.size, 'JSONL', opts.encoding);
  const text = openTextStream(file, { size: opts.size, encoding, onBytes: opts.onBytes });
  const lines = splitLines(text, file);
  const close = (): void => {
    text.destroy();
  };

  let first: ObjectRow | undefined;
  try {
    // Not `for await`: leaving that loop would end the generator the rows still come from.
    for (let next = await lines.next(); !next.done; next = await lines.next()) {
      if (next.value.text.trim() === '') continue;
      first = parseLine(next.value);
      assertLooksLikeJsonl(first, next.value.text, file);
      break;
    }
  } catch (err) {
    close();
    throw asUnreadable(err, `${file} 读取失败`);
  }
  if (first === undefined) {
    close();
    throw new ImportFileUnreadable(`${file} 中没有任何记录（文件只有空行）`);
  }
  const firstRow = first;

  async function* rows(): AsyncGenerator<ObjectRow> {
    try {
      yield firstRow;
      for (;;) {
        let next: IteratorResult<Line>;
        try {
          next = await lines.next();
        } catch (err) {
          throw asUnreadable(err, `${file} 读取失败`);
        }
        if (next.done) return;
        if (next.value.text.trim() !== '') yield parseLine(next.value);
      }
    } finally {
      close();
    }
  }

  return { kind: 'objects', rows: rows(), close };
}
