import { parse, printResult, required, withNode } from './common.ts';
import { UsageError } from '../errors.ts';
import { SYSTEM_PRINCIPAL } from '../access/roles.ts';

const USAGE = '用法：credit-node tickets list [--status <状态,…>] [--type repair|objection|complaint] | tickets show --number <受理编号> | tickets resolve --number <受理编号> --outcome <结果> [--reasons <理由>]';

/** The operator's desk for tickets this node decides (the same service as /api/v1/tickets, as the node itself). */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    status: { type: 'string' },
    type: { type: 'string' },
    number: { type: 'string' },
    outcome: { type: 'string' },
    reasons: { type: 'string' },
  }, true);
  const sub = positionals[0];
  if (sub !== 'list' && sub !== 'show' && sub !== 'resolve') throw new UsageError(USAGE);
  if (sub !== 'list') required(values, ['number']);
  if (sub === 'resolve') required(values, ['outcome']);
  return withNode(String(values.config), async (ctx) => {
    if (sub === 'list') {
      const items = await ctx.tickets.list(SYSTEM_PRINCIPAL, { ...(values.status ? { status: String(values.status).split(',') } : {}), ...(values.type ? { type: String(values.type) } : {}) }, 500);
      printResult({ items: items.map((t) => ({ number: t.number, type: t.type, status: t.status, outcome: t.outcome, recordId: t.recordId, subject: t.subject?.name ?? null, sourceUnit: t.sourceUnit?.name ?? null, filedAt: t.filedAt })) });
      await ctx.access({ principal: null, action: 'query', target: 'tickets', count: items.length });
    } else if (sub === 'show') {
      const t = await ctx.tickets.show(SYSTEM_PRINCIPAL, String(values.number));
      printResult(t);
      await ctx.access({ principal: null, action: 'query', target: t.number, subject: t.subject?.key ?? null, count: 1 });
    } else {
      const t = await ctx.tickets.resolve(SYSTEM_PRINCIPAL, String(values.number), { outcome: values.outcome, reasons: values.reasons ?? '' });
      printResult({ number: t.number, status: t.status, outcome: t.outcome, reasons: t.reasons });
      await ctx.access({ principal: null, action: 'write', target: t.number, subject: t.subject?.key ?? null, count: 1, detail: { outcome: t.outcome } });
    }
    return 0;
  });
}
