import { toDay, fromDay, weighted } from '../random.ts';
import type { Random } from '../random.ts';
import type { PoolSubject } from '../pool.ts';
import { cityUnit, countyUnit } from '../units.ts';
import { addMonths, cnDate, counterpartFields, decisionDate, docNo, LONG_TERM, record, wan, yearOf, type CategoryGenerator } from '../common.ts';
import type { DataValue, Severity } from '../types.ts';
import { Outcome, PENALTY_TEMPLATES, goodsFor, type FactContext, type PenaltyTemplate, type Who } from './penalty-templates.ts';

function whoOf(s: PoolSubject): Who {
  if (s.type === 'natural_person') return 'person';
  if (s.type === 'non_enterprise') return 'nonprofit';
  return s.form === 'individual' ? 'individual' : 'company';
}

/** Templates per (who, sector), worked out once: choosing one per record is then a single pick. */
const BY_FIT: ReadonlyMap<string, readonly PenaltyTemplate[]> = (() => {
  const map = new Map<string, PenaltyTemplate[]>();
  for (const t of PENALTY_TEMPLATES) {
    for (const who of t.who) {
      const key = who === 'person' || !t.sectors ? `${who}:*` : undefined;
      if (key) map.set(key, [...(map.get(key) ?? []), t]);
      for (const sector of t.sectors ?? []) if (who !== 'person') map.set(`${who}:${sector}`, [...(map.get(`${who}:${sector}`) ?? []), t]);
    }
  }
  return map;
})();

function pickTemplate(rnd: Random, s: PoolSubject): PenaltyTemplate {
  const who = whoOf(s);
  const generic = BY_FIT.get(`${who}:*`) ?? [];
  const specific = who === 'person' ? [] : BY_FIT.get(`${who}:${s.sector}`) ?? [];
  // Sector-specific offences (food safety for a restaurant) come up twice as often as generic ones.
  const list = specific.length > 0 && rnd.chance(0.67) ? specific : generic.length > 0 ? generic : specific;
  return weighted(rnd, (list.length > 0 ? list : PENALTY_TEMPLATES).map((t) => [t, t.weight ?? 1] as const));
}

/**
 * The Administrative Penalty Law as amended in 2021 (in force 2021-07-15) renamed and split the penalty types; many
 * bureaus kept the old list in their systems for older decisions (DOMAIN.md §4), so older records use it too.
 */
const OLD_TYPES: Readonly<Record<string, string>> = {
  没收违法所得: '没收违法所得、没收非法财物',
  没收非法财物: '没收违法所得、没收非法财物',
  暂扣许可证件: '暂扣或者吊销许可证、暂扣或者吊销执照',
  吊销许可证件: '暂扣或者吊销许可证、暂扣或者吊销执照',
  通报批评: '其他',
  降低资质等级: '其他',
  限制开展生产经营活动: '其他',
  责令关闭: '其他',
  限制从业: '其他',
};

const SEVERE = new Set(['吊销许可证件', '责令停产停业', '责令关闭', '限制从业', '行政拘留', '降低资质等级']);

function severityOf(rnd: Random, o: Outcome): Severity {
  if (o.types.some((t) => SEVERE.has(t))) return rnd.chance(0.9) ? 'serious' : 'general';
  const fine = o.fine ?? 0;
  if (fine >= 200000) return rnd.chance(0.7) ? 'serious' : 'general';
  if (fine >= 50000 && rnd.chance(0.2)) return 'serious';
  const onlyReprimand = o.types.every((t) => t === '警告' || t === '通报批评' || t === '其他');
  if ((onlyReprimand || (fine <= 2000 && o.confiscated === 0)) && rnd.chance(0.7)) return 'minor';
  return 'general';
}

/** Publicity ends per severity (DOMAIN.md §5): minor at most 3 months, general 1 year, serious 3 years. */
function publicityEnd(rnd: Random, date: string, severity: Severity): string | undefined {
  if (severity === 'minor') return rnd.chance(0.5) ? addMonths(date, 3, 1) : undefined;
  if (severity === 'general') return rnd.chance(0.7) ? addMonths(date, 12, 1) : addMonths(date, 6, 1);
  return rnd.chance(0.7) ? addMonths(date, 36, 1) : addMonths(date, 12, 1);
}

export const administrativePenalty: CategoryGenerator = {
  kinds: [['legal_person', 85], ['non_enterprise', 5], ['natural_person', 10]],
  make({ rnd, index, subject: s }) {
    const t = pickTemplate(rnd, s);
    const date = decisionDate(rnd, s);
    const [goods, unit, price] = goodsFor(rnd, t.goods);
    const qty = rnd.int(3, 300);
    const value = qty * price;
    const offence = fromDay(Math.max(toDay(s.since), toDay(date) - rnd.int(15, 240)));
    const ctx: FactContext = { rnd, s, when: cnDate(offence), goods, unit, qty, value, gain: rnd.chance(0.8) ? Math.round(value * (0.05 + rnd.next() * 0.3)) : 0 };
    const o = new Outcome(ctx);
    t.outcome(o, ctx);

    const countyLevel = rnd.chance(t.county);
    const authority = countyLevel ? countyUnit(s.county, t.bureau) : cityUnit(s.city, t.bureau);
    const year = yearOf(date);
    const n = index + 1;
    const externalId = t.bureau === 'police'
      ? docNo(`${s.city.abbr}公${countyLevel ? `（${s.county.abbr}）` : ''}${t.doc}`, year, n)
      : docNo(`${s.city.abbr}${countyLevel ? s.county.abbr : ''}${t.doc}`, year, n);

    const old = date < '2021-07-15' && rnd.chance(0.7);
    const types = old ? [...new Set(o.types.map((x) => OLD_TYPES[x] ?? x))] : o.types;
    const severity = severityOf(rnd, o);
    const data: Record<string, DataValue> = counterpartFields(rnd, s);
    data['violationType'] = t.violation;
    data['violationFacts'] = t.facts(ctx);
    data['penaltyBasis'] = t.basis;
    data['penaltyTypes'] = types;
    data['penaltyContent'] = `${o.parts.join('；')}。`;
    if (o.fine !== undefined) data['fineAmount'] = wan(o.fine);
    if (o.confiscated > 0) data['confiscatedAmount'] = wan(o.confiscated);
    if (o.license !== undefined) data['suspendedOrRevokedLicense'] = o.license;
    const until = publicityEnd(rnd, date, severity);
    if (o.license !== undefined || types.includes('限制从业')) data['penaltyValidUntil'] = LONG_TERM;
    else if (until !== undefined && rnd.chance(0.6)) data['penaltyValidUntil'] = until;
    if (until !== undefined) data['publicityUntil'] = until;
    data['penaltyAuthority'] = authority.name;
    data['penaltyAuthorityCode'] = authority.code;
    if (rnd.chance(0.05)) data['remarks'] = rnd.pick(['当事人已履行完毕', '已申请信用修复', '当事人已缴纳罚款', '经听证后作出处罚决定']);
    return record('administrative_penalty', externalId, s, cityUnit(s.city, t.bureau), date, severity, data);
  },
};
