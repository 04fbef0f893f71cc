/** What the bulk import readers hand to the import service: rows, never a whole file. */

export type ImportFormat = 'csv' | 'jsonl' | 'xlsx';
export type Encoding = 'utf8' | 'gb18030';

/** CSV and XLSX: a header row and string cells. `rowNumber` is the row as the clerk sees it (header = row 1). */
export interface TableSource {
  kind: 'table';
  headers: string[];
  rows: AsyncIterable<{ rowNumber: number; values: string[] }>;
  encoding?: Encoding;
}

/** JSONL: one JSON value per line; a malformed line carries `error` instead of `value` and does not stop the file. */
export interface ObjectSource {
  kind: 'objects';
  rows: AsyncIterable<{ rowNumber: number; value?: unknown; error?: string }>;
}

export type RowSource = TableSource | ObjectSource;

/** Progress callback: bytes read from disk so far, and the file size. */
export type OnBytes = (bytesRead: number, totalBytes: number) => void;
