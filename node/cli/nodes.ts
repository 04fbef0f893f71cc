import { readFileSync, existsSync } from 'node:fs';
import { parse, printResult, required, withNode } from './common.ts';
import { UsageError } from '../errors.ts';

const USAGE = '用法：credit-node nodes add --id <id> --role <角色> --region <代码> [--sector <行业>] [--name <名称>] --public-key <pem 文件> | nodes list | nodes revoke --id <id>';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    id: { type: 'string' },
    role: { type: 'string' },
    region: { type: 'string' },
    sector: { type: 'string' },
    name: { type: 'string' },
    'public-key': { type: 'string' },
  }, true);
  const sub = positionals[0];
  if (sub !== 'add' && sub !== 'list' && sub !== 'revoke') throw new UsageError(USAGE);
  if (sub === 'add') {
    required(values, ['id', 'role', 'region', 'public-key']);
    if (!existsSync(String(values['public-key']))) throw new UsageError(`公钥文件不存在：${values['public-key']}`);
  }
  if (sub === 'revoke') required(values, ['id']);
  return withNode(String(values.config), async (ctx) => {
    const { directory } = ctx;
    if (sub === 'list') printResult({ nodes: await directory.list() });
    else if (sub === 'revoke') {
      printResult(await directory.revoke(String(values.id)));
      await ctx.access({ principal: null, action: 'revoke', target: String(values.id), count: 0 });
    } else {
      printResult(await directory.enroll({
        id: String(values.id),
        role: String(values.role),
        region: String(values.region),
        publicKeyPem: readFileSync(String(values['public-key']), 'utf8'),
        ...(values.sector ? { sector: String(values.sector) } : {}),
        ...(values.name ? { name: String(values.name) } : {}),
      }));
      await ctx.access({ principal: null, action: 'enroll', target: String(values.id), count: 0, detail: { role: String(values.role), region: String(values.region) } });
    }
    return 0;
  });
}
