import { parse, printResult, say, withNode } from './common.ts';

/** Checks every hash chain and head; exit 1 naming the first broken link. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {});
  return withNode(String(values.config), async (ctx) => {
    const result = await ctx.eventLog.verify(ctx.store.knex);
    if (!result.ok && result.broken) {
      say(`哈希链校验失败：来源 ${result.broken.origin} 序号 ${result.broken.seq}：${result.broken.reason}`);
      printResult(result);
      return 1;
    }
    printResult({ ok: true, chains: result.origins });
    return 0;
  });
}
