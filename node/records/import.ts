import { statSync } from 'node:fs';
import path from 'node:path';
import { openRows } from './readers/index.ts';
import type { Encoding, ImportFormat } from './readers/types.ts';
import { buildColumnMap, rowToRecord } from './column-map.ts';
import { RejectsReport } from './rejects.ts';
import { ProgressBar } from './progress.ts';
import type { RecordService } from './service.ts';
import type { SchemaRegistry } from './schema-registry.ts';
import type { Store } from '../store/connection.ts';
import type { Clock } from '../clock.ts';
import type { FieldProblem, PreparedRecord } from './types.ts';
import { ImportFileUnreadable } from '../errors.ts';

export interface ImportOptions {
  category: string;
  file: string;
  format?: ImportFormat;
  encoding?: Encoding;
  sourceUnit?: { code: string; name: string };
  rejectsDir: string;
  batchSize: number;
  /** Show a progress bar on stderr (the CLI turns it on for files big enough to wait for). */
  progress?: boolean;
}

export interface ImportSummary {
  file: string;
  category: string;
  rows: number;
  accepted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  rejectsFile: string | null;
}

export interface ImportDeps { store: Store; records: RecordService; registry: SchemaRegistry; clock: Clock }

/** Columns that bureau files carry for people, not for the platform. */
const IGNORED_HEADERS = new Set(['', '序号', '编号', 'No', 'NO', 'no']);

/**
 * Streams a file into the store: rows are mapped, validated and written a batch per transaction, so memory stays
 * flat and a crash loses at most the batch in flight (a re-run is idempotent). Bad rows never stop the file:
 * they go to the rejects report. A file that cannot be read at all fails before anything is written.
 */
export async function importFile(deps: ImportDeps, opts: ImportOptions): Promise<ImportSummary> {
  const { registry, records } = deps;
  if (!registry.has(opts.category)) throw new ImportFileUnreadable(`未知的信用信息类别：${opts.category}（可选：${registry.categories().join('、')}）`);
  const total = statSync(opts.file).size;
  const bar = new ProgressBar({ total, label: '导入中', enabled: opts.progress ?? false });
  const summary: ImportSummary = { file: path.resolve(opts.file), category: opts.category, rows: 0, accepted: 0, updated: 0, unchanged: 0, rejected: 0, rejectsFile: null };
  const source = await openRows(opts.file, {
    ...(opts.format ? { format: opts.format } : {}),
    ...(opts.encoding ? { encoding: opts.encoding } : {}),
    onBytes: (done) => bar.update(done, { rows: summary.rows }),
  });
  const stamp = deps.clock().toISOString().replace(/[:.]/g, '-');
  const rejects = new RejectsReport(path.join(opts.rejectsDir, `${path.basename(opts.file)}.${stamp}.rejects.csv`));

  let batch: PreparedRecord[] = [];
  const rowNumbers = new Map<number, number>();
  const flush = async () => {
    if (batch.length === 0) return;
    const written = await deps.store.knex.transaction((trx) => records.write(trx, batch));
    for (const r of written) {
      if (r.status === 'created') summary.accepted += 1;
      else if (r.status === 'updated') summary.updated += 1;
      else if (r.status === 'unchanged') summary.unchanged += 1;
    }
    batch = [];
    rowNumbers.clear();
  };
  const reject = (rowNumber: number, problems: FieldProblem[]) => {
    summary.rejected += 1;
    rejects.add(rowNumber, problems);
  };
  const accept = async (raw: unknown, rowNumber: number) => {
    const { record, errors } = records.prepare(raw, rowNumber);
    if (!record) return reject(rowNumber, errors);
    if (opts.sourceUnit && record.input.sourceUnit.code !== opts.sourceUnit.code) {
      return reject(rowNumber, [{ path: 'sourceUnit.code', message: `数据来源单位（${record.input.sourceUnit.code}）与导入指定的单位（${opts.sourceUnit.code}）不一致` }]);
    }
    batch.push(record);
    if (batch.length >= opts.batchSize) await flush();
  };

  try {
    if (source.kind === 'table') {
      const map = buildColumnMap(registry, opts.category, source.headers);
      const unknown = map.unknown.filter((h) => !IGNORED_HEADERS.has(h.trim()));
      if (unknown.length > 0 || map.missingRequired.length > 0) {
        const parts = [];
        if (unknown.length) parts.push(`无法识别的列：${unknown.join('、')}`);
        if (map.missingRequired.length) parts.push(`缺少必需的列：${map.missingRequired.join('、')}`);
        source.close();
        throw new ImportFileUnreadable(`文件的表头与类别“${registry.meta(opts.category).title}”不符：${parts.join('；')}`, { unknown, missing: map.missingRequired });
      }
      for await (const row of source.rows) {
        summary.rows += 1;
        const { record, errors } = rowToRecord(map, row.values, { category: opts.category, ...(opts.sourceUnit ? { sourceUnit: opts.sourceUnit } : {}) });
        if (errors.length > 0) reject(row.rowNumber, errors);
        else await accept(record, row.rowNumber);
      }
    } else {
      for await (const row of source.rows) {
        summary.rows += 1;
        if (row.error !== undefined) {
          reject(row.rowNumber, [{ path: '', message: row.error }]);
          continue;
        }
        const value = row.value;
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          reject(row.rowNumber, [{ path: '', message: '每行必须是一条记录（JSON 对象）' }]);
          continue;
        }
        const rec = { ...(value as Record<string, unknown>) };
        rec['category'] ??= opts.category;
        if (opts.sourceUnit) rec['sourceUnit'] ??= opts.sourceUnit;
        if (rec['category'] !== opts.category) {
          reject(row.rowNumber, [{ path: 'category', message: `记录类别（${String(rec['category'])}）与导入类别（${opts.category}）不一致` }]);
          continue;
        }
        await accept(rec, row.rowNumber);
      }
    }
    await flush();
  } finally {
    summary.rejectsFile = await rejects.close();
    bar.finish();
  }
  return summary;
}
