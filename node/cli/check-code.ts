import { parse, printResult } from './common.ts';
import { checkCode } from '../identity/index.ts';
import { UsageError } from '../errors.ts';

/** Validates codes without a config; one JSON line per code; exit 0 whatever the verdicts (CONTRACT.md). */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, { legacy: { type: 'string', multiple: true } }, true);
  if (positionals.length === 0) throw new UsageError('用法：credit-node check-code <代码> [<代码> ...]');
  const legacyCodes = new Set((values.legacy ?? []).map((c) => String(c).toUpperCase()));
  for (const code of positionals) {
    const r = checkCode(code, { legacyCodes });
    printResult({ code: r.code, valid: r.valid, kind: r.kind, subjectType: r.subjectType, errors: r.errors.map((e) => ({ code: e.code, message: e.message })), ...(r.warnings?.length ? { warnings: r.warnings } : {}) });
  }
  return 0;
}
