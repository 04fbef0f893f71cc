import { parse, printResult, withNode } from './common.ts';

/** One sync round with the parent now: `{"up":{"sent","batches"},"down":{"received","batches"}}` (CONTRACT.md). */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { up: { type: 'boolean' }, down: { type: 'boolean' } });
  const both = !values.up && !values.down;
  return withNode(String(values.config), async (ctx) => {
    const result = await ctx.sync.round({ up: both || !!values.up, down: both || !!values.down });
    // What came down is in the store; its records and tickets are projected before the command ends.
    await ctx.exchange.drainProjection();
    printResult(result);
    return 0;
  });
}
