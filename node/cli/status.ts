import { parse, printResult, withNode } from './common.ts';
import { recordsRepo } from '../records/repo.ts';
import { stateRepo } from '../exchange/state-repo.ts';

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
    printResult({ id: config.id, role: config.role, region: config.region, counts, heads, peers, alarms });
    return 0;
  });
}
