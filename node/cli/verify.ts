import { parse, printResult, say, withNode } from './common.ts';

/** Checks every hash chain, every signed checkpoint and head against the origin's key; exit 1 naming the first broken link. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {});
  return withNode(String(values.config), async (ctx) => {
    // A revoked node's past signatures still verify with the key it had.
    const result = await ctx.eventLog.verify(ctx.store.knex, async (origin) => (await ctx.directory.lookup(origin))?.key);
    if (!result.ok && result.broken) {
      say(`哈希链校验失败：来源 ${result.broken.origin} 序号 ${result.broken.seq}：${result.broken.reason}`);
      printResult(result);
      return 1;
    }
    const audit = await ctx.audit.verify(ctx.keys.publicKey);
    if (!audit.ok && audit.broken) {
      say(`审计日志校验失败：序号 ${audit.broken.seq}：${audit.broken.reason}`);
      printResult({ ok: false, chains: result.origins, partial: result.partial, audit });
      return 1;
    }
    printResult({ ok: true, chains: result.origins, partial: result.partial, audit: { entries: audit.entries, signedSeq: audit.signedSeq ?? 0 } });
    return 0;
  });
}
