import { expect } from 'chai';
import type { NodeContext } from '../../node/app.ts';
import { JINAN_MARKET, QINGDAO_MARKET, companyCode, exampleData, penalty, personCode } from '../helpers/records.ts';

/**
 * A store that mixes what the public may see with what it must never see: public records inside and outside
 * their windows, a disputed one, shared (政务共享) and restricted (授权查询) records, withdrawn and future ones, and
 * natural persons with public penalties. Publicity columns are set directly (SQL) after the ingest, so the
 * test does not depend on how the publicity rules would judge these records.
 */
export interface PortalSeed {
  /** The day the tests run on (China time), with the clock at 10:00 that day. */
  today: string;
  clockIso: string;
  food: { code: string; name: string };
  qingdao: { code: string; name: string };
  sharedOnly: { code: string; name: string };
  listed: { code: string; name: string };
  /** Records the public sees today, by name. */
  visible: Record<'penalty' | 'disputed' | 'registration' | 'license' | 'honor' | 'qingdao' | 'list', string>;
  /** Records the public must never see today, by name. */
  hidden: Record<'expired' | 'restricted' | 'shared' | 'withdrawn' | 'future' | 'sharedOnly' | 'personPenalty' | 'personShared', string>;
  /** External ids (文号) of the hidden records. */
  hiddenExternalIds: string[];
  persons: Array<{ name: string; idNumber: string }>;
  /** Every organisation's USCC in the store. */
  organisations: string[];
}

const TODAY = '2026-06-01';

type Columns = { publicity: string; status?: string; publish_from: string | null; publish_until: string | null };

export async function seedPortal(ctx: NodeContext): Promise<PortalSeed> {
  const food = { code: companyCode(701), name: '济南鲁信泉食品有限公司' };
  const qingdao = { code: companyCode(702, '370202'), name: '青岛海晟泉贸易有限公司' };
  const sharedOnly = { code: companyCode(703), name: '济南共享泉科技有限公司' };
  const listed = { code: companyCode(704, '370112'), name: '济南历城泉建筑劳务有限公司' };
  const persons = [{ name: '郝思嘉', idNumber: personCode(41) }, { name: '卫青山', idNumber: personCode(42) }];
  const org = (s: { code: string; name: string }) => ({ type: 'legal_person', code: s.code, name: s.name });
  const other = (category: string, n: number, subject: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    category, externalId: `测试${category}〔2026〕${n}号`, subject, sourceUnit: JINAN_MARKET, decisionDate: '2026-03-02', data: exampleData(category), ...extra,
  });
  const raws: Array<[string, Record<string, unknown>, Columns]> = [
    ['penalty', penalty(7101, { subject: org(food) }), { publicity: 'public', publish_from: '2026-03-09', publish_until: '2027-03-02' }],
    ['disputed', penalty(7102, { subject: org(food), severity: 'serious' }), { publicity: 'public', status: 'disputed', publish_from: '2026-03-09', publish_until: '2029-03-02' }],
    ['expired', penalty(7103, { subject: org(food), decisionDate: '2025-01-10' }), { publicity: 'public', publish_from: '2025-01-17', publish_until: '2026-05-31' }],
    ['restricted', penalty(7104, { subject: org(food) }), { publicity: 'restricted', publish_from: null, publish_until: null }],
    ['shared', other('contract_performance', 7105, org(food)), { publicity: 'shared', publish_from: null, publish_until: null }],
    ['withdrawn', penalty(7106, { subject: org(food) }), { publicity: 'public', status: 'withdrawn', publish_from: '2026-03-09', publish_until: '2027-03-02' }],
    ['future', penalty(7107, { subject: org(food), decisionDate: '2026-05-30' }), { publicity: 'public', publish_from: '2026-06-08', publish_until: '2027-05-30' }],
    ['registration', other('registration', 7108, org(food)), { publicity: 'public', publish_from: null, publish_until: null }],
    ['license', other('administrative_license', 7109, org(food)), { publicity: 'public', publish_from: '2026-03-02', publish_until: '2031-03-01' }],
    ['honor', other('honor', 7110, org(food)), { publicity: 'public', publish_from: '2026-03-02', publish_until: '2027-12-31' }],
    ['qingdao', penalty(7111, { subject: org(qingdao), sourceUnit: QINGDAO_MARKET }), { publicity: 'public', publish_from: '2026-03-09', publish_until: '2027-03-02' }],
    ['sharedOnly', other('contract_performance', 7112, org(sharedOnly)), { publicity: 'shared', publish_from: null, publish_until: null }],
    ['list', other('serious_dishonesty_list', 7113, org(listed)), { publicity: 'public', publish_from: '2026-03-02', publish_until: '2029-03-01' }],
    ['personPenalty', penalty(7114, { subject: { type: 'natural_person', name: persons[0]?.name, code: persons[0]?.idNumber } }), { publicity: 'public', publish_from: '2026-03-09', publish_until: '2027-03-02' }],
    ['personShared', penalty(7115, { subject: { type: 'natural_person', name: persons[1]?.name, code: persons[1]?.idNumber } }), { publicity: 'shared', publish_from: null, publish_until: null }],
  ];
  const results = await ctx.records.ingest(raws.map(([, raw]) => raw));
  expect(results.map((r) => r.status), JSON.stringify(results.filter((r) => r.status === 'rejected'))).to.deep.equal(raws.map(() => 'created'));
  const ids: Record<string, string> = {};
  const db = ctx.store.knex;
  for (const [i, [name, , cols]] of raws.entries()) {
    const id = results[i]?.id as string;
    ids[name] = id;
    await db('records').where({ id }).update({ status: cols.status ?? 'active', publicity: cols.publicity, publish_from: cols.publish_from, publish_until: cols.publish_until });
  }
  const pick = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, ids[k] as string])) as Record<K, string>;
  const hiddenKeys = ['expired', 'restricted', 'shared', 'withdrawn', 'future', 'sharedOnly', 'personPenalty', 'personShared'] as const;
  return {
    today: TODAY,
    clockIso: `${TODAY}T02:00:00.000Z`,
    food, qingdao, sharedOnly, listed,
    visible: pick(['penalty', 'disputed', 'registration', 'license', 'honor', 'qingdao', 'list'] as const),
    hidden: pick(hiddenKeys),
    hiddenExternalIds: raws.filter(([name]) => (hiddenKeys as readonly string[]).includes(name)).map(([, raw]) => String(raw['externalId'])),
    persons,
    organisations: [food.code, qingdao.code, sharedOnly.code, listed.code],
  };
}
