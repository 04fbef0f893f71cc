import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { parse, printResult, required, say, withNode } from './common.ts';
import { importFile } from '../records/import.ts';
import { UsageError } from '../errors.ts';
import type { Encoding, ImportFormat } from '../records/readers/types.ts';

const FORMATS = ['csv', 'jsonl', 'xlsx'];
const ENCODINGS: Record<string, Encoding> = { utf8: 'utf8', 'utf-8': 'utf8', gb18030: 'gb18030', gbk: 'gb18030', gb2312: 'gb18030' };

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    category: { type: 'string' },
    file: { type: 'string' },
    format: { type: 'string' },
    encoding: { type: 'string' },
    'source-unit': { type: 'string' },
    'source-name': { type: 'string' },
    progress: { type: 'boolean' },
    'no-progress': { type: 'boolean' },
  });
  required(values, ['category', 'file']);
  const file = String(values.file);
  if (!existsSync(file)) throw new UsageError(`文件不存在：${file}`);
  if (values.format && !FORMATS.includes(String(values.format))) throw new UsageError(`--format 只能是 ${FORMATS.join('、')}`);
  const encoding = values.encoding ? ENCODINGS[String(values.encoding).toLowerCase()] : undefined;
  if (values.encoding && !encoding) throw new UsageError('--encoding 只能是 utf8 或 gb18030');
  if (values['source-unit'] && !values['source-name']) throw new UsageError('指定 --source-unit 时也请给出 --source-name（数据来源单位名称）');
  const progress = values['no-progress'] ? false : values.progress ?? statSync(file).size > 2 * 1024 * 1024;
  return withNode(String(values.config), async (ctx, config) => {
    // A large file writes for minutes: the log is checkpointed beside the import, not inside its commits.
    ctx.store.checkpointInBackground(ctx.log);
    const summary = await importFile(
      { store: ctx.store, records: ctx.records, clock: ctx.clock, dataKey: ctx.dataKey, legacyCodes: config.identifiers.legacyCodes },
      {
        category: String(values.category),
        file,
        ...(values.format ? { format: String(values.format) as ImportFormat } : {}),
        ...(encoding ? { encoding } : {}),
        ...(values['source-unit'] ? { sourceUnit: { code: String(values['source-unit']).toUpperCase(), name: String(values['source-name']) } } : {}),
        rejectsDir: config.import.rejectsDir,
        batchSize: config.import.batchSize,
        progress,
      },
    );
    await ctx.access({ principal: null, action: 'import', target: path.basename(file), count: summary.accepted + summary.updated, detail: { category: String(values.category), rows: summary.rows, accepted: summary.accepted, updated: summary.updated, unchanged: summary.unchanged, rejected: summary.rejected } });
    say(`导入完成：共 ${summary.rows} 行，新增 ${summary.accepted}，更新 ${summary.updated}，未变化 ${summary.unchanged}，拒绝 ${summary.rejected}${summary.rejectsFile ? `（拒绝明细：${summary.rejectsFile}）` : ''}`);
    printResult(summary);
    return 0;
  });
}
