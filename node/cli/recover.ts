import { parse, printResult, say, withNode } from './common.ts';

/**
 * Rebuilds a node's store from its parent (disaster recovery): with the node's config and keys back in place and
 * an empty (or stale) store, every chain of its subtree is fetched back, verified and projected, then one down
 * round brings back what the node is entitled to from elsewhere. Prints
 * `{"recovered":{origin:n},"heads":{origin:seq},"down":{"received","batches"}}`.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {});
  return withNode(String(values.config), async (ctx) => {
    say('从上级节点恢复本节点及其下级节点的事件链……');
    const { recovered, heads } = await ctx.sync.recover();
    say('下行同步：取回本节点应接收的其他来源数据……');
    const { down } = await ctx.sync.round({ up: false, down: true });
    await ctx.exchange.drainProjection();
    printResult({ recovered, heads, down });
    return 0;
  });
}
