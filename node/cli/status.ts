import { parse, printResult, withNode } from './common.ts';
import { recordsRepo } from '../records/repo.ts';

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {});
  return withNode(String(values.config), async (ctx, config) => {
    const db = ctx.store.knex;
    const counts = await recordsRepo.counts(db);
    const ev = (await db('events').count({ n: '*' }).first()) as { n: number | string } | undefined;
    counts['events'] = Number(ev?.n ?? 0);
    const heads: Record<string, number> = {};
    for (const h of (await db('heads').select('origin', 'seq')) as Array<{ origin: string; seq: number | string }>) heads[h.origin] = Number(h.seq);
    printResult({ id: config.id, role: config.role, region: config.region, counts, heads, peers: [] });
    return 0;
  });
}
