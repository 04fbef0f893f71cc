import { readFileSync } from 'node:fs';
import { parse, printResult, withNode } from './common.ts';
import { UsageError } from '../errors.ts';
import { SYSTEM_PRINCIPAL } from '../access/roles.ts';

const USAGE = '用法：credit-node tickets list [--status <状态,…>] [--type repair|objection|complaint] [--overdue]'
  + ' | tickets show --id <受理编号> | tickets resolve --id <受理编号> --outcome <办理结果> [--note <理由>] [--record-file <更正后的记录 JSON>]';

/**
 * The operator's desk for tickets this node decides (the same service as /api/v1/tickets, as the node itself):
 * objections, complaints and repair applications (CONTRACT.md). `--number` and `--reasons` are accepted for
 * `--id` and `--note`.
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    status: { type: 'string' },
    type: { type: 'string' },
    overdue: { type: 'boolean' },
    id: { type: 'string' },
    number: { type: 'string' },
    outcome: { type: 'string' },
    note: { type: 'string' },
    reasons: { type: 'string' },
    'record-file': { type: 'string' },
  }, true);
  const sub = positionals[0];
  if (sub !== 'list' && sub !== 'show' && sub !== 'resolve') throw new UsageError(USAGE);
  const id = values.id ?? values.number;
  if (sub !== 'list' && !id) throw new UsageError(`缺少 --id（受理编号）。${USAGE}`);
  if (sub === 'resolve' && !values.outcome) throw new UsageError(`缺少 --outcome（办理结果）。${USAGE}`);
  // A correction's record is read before the node opens, so a bad file changes nothing.
  let record: unknown;
  if (values['record-file']) {
    const file = String(values['record-file']);
    try {
      record = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UsageError(`无法读取更正后的记录 ${file}：${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return withNode(String(values.config), async (ctx) => {
    if (sub === 'list') {
      const items = await ctx.tickets.list(SYSTEM_PRINCIPAL, {
        ...(values.status ? { status: String(values.status).split(',') } : {}), ...(values.type ? { type: String(values.type) } : {}), ...(values.overdue ? { overdue: true } : {}),
      }, 500);
      printResult({
        tickets: items.map((t) => ({
          id: t.number, type: t.type, status: t.status, recordId: t.recordId, due: t.dueOn ?? null, step: t.step ?? null,
          outcome: t.outcome, subject: t.subject?.name ?? null, sourceUnit: t.sourceUnit?.name ?? null, filedAt: t.filedAt,
        })),
      });
      await ctx.access({ principal: null, action: 'query', target: 'tickets', count: items.length });
    } else if (sub === 'show') {
      const t = await ctx.tickets.show(SYSTEM_PRINCIPAL, String(id));
      printResult({ id: t.number, ...t, due: t.dueOn ?? null });
      await ctx.access({ principal: null, action: 'query', target: t.number, subject: t.subject?.key ?? null, count: 1 });
    } else {
      const t = await ctx.tickets.resolve(SYSTEM_PRINCIPAL, String(id), { outcome: values.outcome, reasons: values.note ?? values.reasons ?? '', record });
      printResult({ id: t.number, status: t.status, outcome: t.outcome, reasons: t.reasons, ...(t.correctedVersion ? { correctedVersion: t.correctedVersion } : {}) });
      await ctx.access({ principal: null, action: 'write', target: t.number, subject: t.subject?.key ?? null, count: 1, detail: { ticket: t.number, outcome: t.outcome } });
    }
    return 0;
  });
}
