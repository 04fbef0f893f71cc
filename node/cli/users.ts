import { parse, printResult, readStdin, required, withNode } from './common.ts';
import { UsageError } from '../errors.ts';

const list = (v: unknown) => (typeof v === 'string' && v.trim() ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    username: { type: 'string' },
    role: { type: 'string' },
    regions: { type: 'string' },
    sectors: { type: 'string' },
    'source-unit': { type: 'string' },
    'password-stdin': { type: 'boolean', default: false },
  }, true);
  if (positionals[0] === 'revoke-tokens') {
    required(values, ['username']);
    return withNode(String(values.config), async (ctx) => {
      printResult(await ctx.users.revokeTokens(String(values.username)));
      await ctx.access({ principal: null, action: 'token_revoke', target: String(values.username), count: 0 });
      return 0;
    });
  }
  if (positionals[0] !== 'add') throw new UsageError('用法：credit-node users add --username <u> --role <角色> --password-stdin | users revoke-tokens --username <u>');
  required(values, ['username', 'role']);
  if (!values['password-stdin']) throw new UsageError('密码只能从标准输入读取：请加 --password-stdin');
  const password = (await readStdin()).replace(/\r?\n$/, '');
  return withNode(String(values.config), async (ctx) => {
    const user = await ctx.users.add({
      username: String(values.username),
      role: String(values.role),
      password,
      regions: list(values.regions),
      sectors: list(values.sectors),
      ...(values['source-unit'] ? { sourceUnit: String(values['source-unit']) } : {}),
    });
    await ctx.access({ principal: null, action: 'user_add', target: user.username, count: 0, detail: { role: user.role, regions: user.regions, sectors: user.sectors } });
    printResult(user);
    return 0;
  });
}
