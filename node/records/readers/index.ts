import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { ImportFileUnreadable, UsageError } from '../../errors.ts';
import { openCsv } from './csv.ts';
import { openJsonl } from './jsonl.ts';
import type { Encoding, ImportFormat, OnBytes, RowSource } from './types.ts';

export type { Encoding, ImportFormat, ObjectSource, OnBytes, RowSource, TableSource } from './types.ts';

export interface OpenRowsOptions {
  format?: ImportFormat | undefined;
  encoding?: Encoding | undefined;
  onBytes?: OnBytes | undefined;
}

/**
 * A source whose file can be closed early (e.g. when the headers are refused before any row is read). Iterating
 * the rows to the end, or leaving the loop early, closes it too.
 */
export type OpenedRowSource = RowSource & { close(): void };

const EXTENSIONS: Record<string, ImportFormat> = {
  '.csv': 'csv',
  '.txt': 'csv',
  '.tsv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.xlsx': 'xlsx',
};

const FORMATS: readonly string[] = ['csv', 'jsonl', 'xlsx'];

export function formatOf(file: string): ImportFormat {
  const ext = extname(file).toLowerCase();
  const format = EXTENSIONS[ext];
  if (format !== undefined) return format;
  if (ext === '.xls') {
    throw new ImportFileUnreadable(`不支持旧版 Excel（.xls）文件：${file}，请在 Excel 中另存为 .xlsx 或 CSV 后再导入`);
  }
  throw new ImportFileUnreadable(`无法识别的文件格式：${file}，请使用 --format 指定 csv、jsonl 或 xlsx`);
}

/** Accepts the spellings clerks type (`UTF-8`, `GBK`, `gb2312`); GB18030 is a superset of GBK and GB2312. */
export function encodingOf(name: string): Encoding {
  const key = name.trim().toLowerCase().replace(/[-_]/g, '');
  if (key === 'utf8') return 'utf8';
  if (key === 'gb18030' || key === 'gbk' || key === 'gb2312' || key === 'cp936') return 'gb18030';
  throw new UsageError(`不支持的编码：${name}，请使用 utf8 或 gb18030`);
}

async function fileSize(file: string): Promise<number> {
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ImportFileUnreadable(`找不到导入文件：${file}`);
    if (code === 'EACCES' || code === 'EPERM') throw new ImportFileUnreadable(`没有权限读取导入文件：${file}`);
    throw new ImportFileUnreadable(`无法读取导入文件：${file}（${(err as Error).message}）`);
  }
  if (!info.isFile()) throw new ImportFileUnreadable(`导入路径不是文件：${file}`);
  if (info.size === 0) throw new ImportFileUnreadable(`导入文件是空的：${file}`);
  return info.size;
}

/**
 * Opens an import file as a stream of rows. Everything that makes the file unreadable as a whole (missing, empty,
 * wrong or unknown format, damaged XLSX, unparsable header) throws ImportFileUnreadable here, before any row;
 * a file that breaks further on throws from the row iterator, and the caller rolls back.
 */
export async function openRows(file: string, opts: OpenRowsOptions = {}): Promise<OpenedRowSource> {
  if (opts.format !== undefined && !FORMATS.includes(opts.format)) {
    throw new UsageError(`不支持的导入格式：${String(opts.format)}，请使用 csv、jsonl 或 xlsx`);
  }
  const encoding = opts.encoding === undefined ? undefined : encodingOf(opts.encoding);
  const size = await fileSize(file);
  const format = opts.format ?? formatOf(file);
  switch (format) {
    case 'csv':
      return openCsv(file, { size, encoding, onBytes: opts.onBytes });
    case 'jsonl':
      return openJsonl(file, { size, encoding, onBytes: opts.onBytes });
    case 'xlsx':
      // exceljs is large: load it only for XLSX files.
      return (await import('./xlsx.ts')).openXlsx(file, { size, onBytes: opts.onBytes });
  }
}
