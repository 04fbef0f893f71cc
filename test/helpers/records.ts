import { SchemaRegistry } from '../../node/records/schema-registry.ts';
import { makeUscc, makeResidentId } from '../../node/identity/index.ts';

/** The Jinan market regulation bureau as a source unit (a valid, made-up code). */
export const JINAN_MARKET = { code: makeUscc('1', '1', '370100', '00430011'), name: '济南市市场监督管理局' };
export const QINGDAO_MARKET = { code: makeUscc('1', '1', '370200', '00430012'), name: '青岛市市场监督管理局' };

export function companyCode(n: number, region = '370102'): string {
  return makeUscc('9', '1', region, `MA${String(n).padStart(6, '0')}`);
}

export function personCode(n: number): string {
  return makeResidentId('370102', '19850612', String(100 + (n % 900)).padStart(3, '0'));
}

export function exampleData(category: string): Record<string, unknown> {
  const examples = (SchemaRegistry.load().schema(category) as { examples?: unknown[] }).examples;
  return structuredClone((examples?.[0] ?? {}) as Record<string, unknown>);
}

/** A valid administrative penalty record; overrides are merged on top. */
export function penalty(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    category: 'administrative_penalty',
    externalId: `济市监罚〔2026〕${n}号`,
    subject: { type: 'legal_person', code: companyCode(n), name: `济南测试食品有限公司${n}` },
    sourceUnit: JINAN_MARKET,
    decisionDate: '2026-03-02',
    severity: 'general',
    data: exampleData('administrative_penalty'),
    ...overrides,
  };
}
