import { parse, printResult, withNode } from './common.ts';
import { recordsRepo } from '../records/repo.ts';
import { stateRepo } from '../exchange/state-repo.ts';
import { ticketStats } from '../disputes/escalation.ts';
import { chinaDay } from '../publicity/visibility.ts';

/** The node's counts, heads and peers (lag, last success, last error) as CONTRACT.md describes. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {});
  return withNode(String(values.config), async (ctx, config) => {
    const db = ctx.store.knex;
    const counts = await recordsRepo.counts(db);
    counts['events'] = await ctx.eventLog.count(db);
    const heads: Record<string, number> = {};
    for (const h of await ctx.eventLog.heads(db)) heads[h.origin] = h.seq;
    const peers = (await stateRepo.all(db)).map((p) => ({ id: p.peer, direction: p.direction, lag: p.lag, lastOk: p.lastOk, lastError: p.lastError, ...(p.direction.endsWith('down') ? { cursor: p.cursor } : {}) }));
    const alarms = await stateRepo.alarms(db, 10);
    // Received events stored but not yet turned into records and tickets (a large intake is projected after it).
    const projection = { pending: await ctx.exchange.projectionPending() };
    const tickets = await ticketStats(db, ctx.clock, await ctx.nodeNames());
    // Deadlines reach about two months ahead: a year in that span without a holiday table is counted Monday to Friday.
    const today = chinaDay(ctx.clock());
    const missing = ctx.calendar.missingYears(today, chinaDay(new Date(ctx.clock().getTime() + 62 * 86_400_000)));
    const calendar = { years: ctx.calendar.years, ...(missing.length ? { missingYears: missing, warning: `节假日日历缺少 ${missing.join('、')} 年，相关办理时限暂按周一至周五计算，请按 config/calendar/README.md 添加` } : {}) };
    const notifications = await ctx.outbox.counts();
    printResult({ id: config.id, role: config.role, region: config.region, counts, heads, peers, alarms, projection, tickets, notifications, calendar });
    return 0;
  });
}
