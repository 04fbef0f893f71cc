import { parse, printResult, withNode } from './common.ts';
import { recordsRepo } from '../records/repo.ts';

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {});
  return withNode(String(values.config), async (ctx, config) => {
    const db = ctx.store.knex;
    const counts = await recordsRepo.counts(db);
    counts['events'] = await ctx.eventLog.count(db);
    const heads: Record<string, number> = {};
    for (const h of await ctx.eventLog.heads(db)) heads[h.origin] = h.seq;
    printResult({ id: config.id, role: config.role, region: config.region, counts, heads, peers: [] });
    return 0;
  });
}
