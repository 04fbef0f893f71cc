import { openRows } from './readers/index.ts';
import type { Encoding, ImportFormat } from './readers/types.ts';
import { buildColumnMap, rowToRecord } from './column-map.ts';
import type { SchemaRegistry } from './schema-registry.ts';
import type { FieldProblem, PreparedRecord } from './types.ts';
import { ImportFileUnreadable } from '../errors.ts';

export interface RowOptions {
  category: string;
  file: string;
  format?: ImportFormat;
  encoding?: Encoding;
  sourceUnit?: { code: string; name: string };
  batchSize: number;
}

export interface PreparedBatch {
  records: PreparedRecord[];
  rejects: Array<{ rowNumber: number; problems: FieldProblem[] }>;
  rows: number;
  bytes: number;
}

export interface RowDeps {
  registry: SchemaRegistry;
  prepare(raw: unknown, index: number): { record?: PreparedRecord; errors: FieldProblem[] };
}

/** Columns that bureau files carry for people, not for the platform. */
const IGNORED_HEADERS = new Set(['', '序号', '编号', 'No', 'NO', 'no']);

/**
 * Reads a file and turns it into batches of validated records and rejected rows. A file that cannot be read
 * as a whole (format, headers, truncation found up front) throws ImportFileUnreadable before the first batch.
 */
export async function* preparedBatches(deps: RowDeps, opts: RowOptions): AsyncGenerator<PreparedBatch> {
  const { registry } = deps;
  if (!registry.has(opts.category)) throw new ImportFileUnreadable(`未知的信用信息类别：${opts.category}（可选：${registry.categories().join('、')}）`);
  let bytes = 0;
  const source = await openRows(opts.file, {
    ...(opts.format ? { format: opts.format } : {}),
    ...(opts.encoding ? { encoding: opts.encoding } : {}),
    onBytes: (done) => { bytes = done; },
  });
  let batch: PreparedBatch = { records: [], rejects: [], rows: 0, bytes: 0 };
  const take = (): PreparedBatch => {
    const out = { ...batch, bytes };
    batch = { records: [], rejects: [], rows: 0, bytes: 0 };
    return out;
  };
  const accept = (raw: unknown, rowNumber: number) => {
    const { record, errors } = deps.prepare(raw, rowNumber);
    if (!record) {
      batch.rejects.push({ rowNumber, problems: errors });
    } else if (opts.sourceUnit && record.input.sourceUnit.code !== opts.sourceUnit.code) {
      batch.rejects.push({ rowNumber, problems: [{ path: 'sourceUnit.code', message: `数据来源单位（${record.input.sourceUnit.code}）与导入指定的单位（${opts.sourceUnit.code}）不一致` }] });
    } else {
      batch.records.push(record);
    }
  };
  const full = () => batch.records.length + batch.rejects.length >= opts.batchSize;

  if (source.kind === 'table') {
    const map = buildColumnMap(registry, opts.category, source.headers);
    const unknown = map.unknown.filter((h) => !IGNORED_HEADERS.has(h.trim()));
    if (unknown.length > 0 || map.missingRequired.length > 0) {
      source.close();
      const parts = [];
      if (unknown.length) parts.push(`无法识别的列：${unknown.join('、')}`);
      if (map.missingRequired.length) parts.push(`缺少必需的列：${map.missingRequired.join('、')}`);
      throw new ImportFileUnreadable(`文件的表头与类别“${registry.meta(opts.category).title}”不符：${parts.join('；')}`, { unknown, missing: map.missingRequired });
    }
    for await (const row of source.rows) {
      batch.rows += 1;
      const { record, errors } = rowToRecord(map, row.values, { category: opts.category, ...(opts.sourceUnit ? { sourceUnit: opts.sourceUnit } : {}) });
      if (errors.length > 0) batch.rejects.push({ rowNumber: row.rowNumber, problems: errors });
      else accept(record, row.rowNumber);
      if (full()) yield take();
    }
  } else {
    for await (const row of source.rows) {
      batch.rows += 1;
      const value = row.value;
      if (row.error !== undefined) {
        batch.rejects.push({ rowNumber: row.rowNumber, problems: [{ path: '', message: row.error }] });
      } else if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        batch.rejects.push({ rowNumber: row.rowNumber, problems: [{ path: '', message: '每行必须是一条记录（JSON 对象）' }] });
      } else {
        const rec = { ...(value as Record<string, unknown>) };
        rec['category'] ??= opts.category;
        if (opts.sourceUnit) rec['sourceUnit'] ??= opts.sourceUnit;
        if (rec['category'] !== opts.category) {
          batch.rejects.push({ rowNumber: row.rowNumber, problems: [{ path: 'category', message: `记录类别（${String(rec['category'])}）与导入类别（${opts.category}）不一致` }] });
        } else accept(rec, row.rowNumber);
      }
      if (full()) yield take();
    }
  }
  if (batch.rows > 0) yield take();
}
