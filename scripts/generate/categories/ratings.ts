import { weighted } from '../random.ts';
import type { Random } from '../random.ts';
import type { PoolSubject } from '../pool.ts';
import { cityUnit, countyUnit } from '../units.ts';
import { addYears } from '../random.ts';
import { dateBetween, docNo, MAX_DATE, record, yearOf, type CategoryGenerator } from '../common.ts';
import type { DataValue } from '../types.ts';

/**
 * An evaluation year and the day its result came out (the following year, between `fromMonth` and `toMonth`),
 * neither before the subject existed nor after 2026-10-31.
 */
function evaluation(rnd: Random, s: PoolSubject, fromMonth: string, toMonth: string): { year: number; date: string } {
  const first = Math.max(2018, yearOf(s.since));
  const year = first > 2025 ? 2025 : rnd.int(first, 2025);
  const lo = `${year + 1}-${fromMonth}`;
  const hi = `${year + 1}-${toMonth}`;
  const date = dateBetween(rnd, lo > s.earliest ? lo : s.earliest, hi > MAX_DATE ? MAX_DATE : hi);
  return { year, date };
}

/** Subjects that existed before the latest evaluation year, so every rating has a year to be about. */
const established = (s: PoolSubject) => s.since < '2025-01-01';
const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Score bands of the grades (纳税信用管理办法): A 90 and above, B 70-90, C 40-70, D below 40; M has none. */
const SCORES: Readonly<Record<string, readonly [number, number]>> = { A: [90, 100], B: [70, 89.9], C: [40, 69.9], D: [0, 39.9] };

export const taxCreditRating: CategoryGenerator = {
  kinds: [['legal_person', 94], ['non_enterprise', 6]],
  prefer: (s) => established(s) && s.form !== 'organ',
  make({ rnd, index, subject: s }) {
    const { year, date } = evaluation(rnd, s, '04-01', '04-30');
    // M is for enterprises new in the year or without business income (纳税信用管理办法).
    const grade = yearOf(s.since) === year && rnd.chance(0.7) ? 'M' : weighted(rnd, [['A', 25], ['B', 55], ['M', 8], ['C', 7], ['D', 5]] as const);
    const authority = countyUnit(s.county, 'tax');
    const data: Record<string, DataValue> = { evaluationYear: year, grade };
    const score = SCORES[grade];
    if (score && rnd.chance(0.85)) data['score'] = Math.round((score[0] + rnd.next() * (score[1] - score[0])) * 10) / 10;
    data['ratingAuthority'] = authority.name;
    data['ratingAuthorityCode'] = authority.code;
    const externalId = `PJ${year}${s.county.code}${pad(index + 1, 8)}`;
    return record('tax_credit_rating', externalId, s, cityUnit(s.city, 'tax'), date, undefined, data);
  },
};

const RATINGS = [['环保诚信企业', 15], ['环保良好企业', 60], ['环保警示企业', 18], ['环保不良企业', 7]] as const;
const DEDUCTIONS = [
  '在线监测数据传输有效率低于90%',
  '危险废物管理台账记录不完整',
  '未按规定公开环境信息',
  '受到生态环境部门行政处罚1次',
  '排污许可证执行报告未按时提交',
  '突发环境事件应急预案未按规定备案',
];

export const environmental: CategoryGenerator = {
  kinds: [['legal_person', 1]],
  prefer: (s) => established(s) && s.form !== 'individual' && ['chemical', 'manufacturing', 'energy', 'food', 'agriculture', 'construction'].includes(s.sector),
  make({ rnd, index, subject: s }) {
    const { year, date } = evaluation(rnd, s, '03-01', '06-30');
    const rating = weighted(rnd, RATINGS);
    const authority = cityUnit(s.city, 'ecology');
    const data: Record<string, DataValue> = { evaluationYear: year, rating, evaluationAuthority: authority.name, evaluationAuthorityCode: authority.code };
    if (rnd.chance(0.7)) data['pollutantPermitNumber'] = `${s.code}001${rnd.pick(['P', 'U'])}`;
    if (rating !== '环保诚信企业') data['deductions'] = rnd.pick(DEDUCTIONS);
    data['validUntil'] = `${year + 2}-06-30`;
    return record('environmental', docNo(`${s.city.abbr}环信评`, year + 1, index + 1), s, authority, date, undefined, data);
  },
};

export const energySaving: CategoryGenerator = {
  kinds: [['legal_person', 80], ['non_enterprise', 20]],
  prefer: (s) => established(s) && s.form !== 'individual',
  make({ rnd, index, subject: s }) {
    const { year, date } = evaluation(rnd, s, '04-01', '09-30');
    const enterprise = s.type === 'legal_person';
    const authority = cityUnit(s.city, enterprise ? 'development' : 'offices');
    const result = weighted(rnd, [['超额完成', 25], ['完成', 50], ['基本完成', 15], ['未完成', 10]] as const);
    const consumption = enterprise ? Math.round(10000 + rnd.next() ** 2 * 490000) : Math.round(100 + rnd.next() * 4900);
    const target = Math.round(consumption * (0.01 + rnd.next() * 0.02) * 10) / 10;
    const factor = { 超额完成: [1.1, 1.5], 完成: [1.0, 1.1], 基本完成: [0.8, 1.0], 未完成: [-0.3, 0.8] }[result];
    const achieved = Math.round(target * ((factor[0] ?? 1) + rnd.next() * ((factor[1] ?? 1) - (factor[0] ?? 1))) * 10) / 10;
    const data: Record<string, DataValue> = {
      assessmentYear: year,
      assessmentType: enterprise ? '重点用能单位节能目标责任评价考核' : '公共机构节能目标考核',
      result,
      energyConsumption: consumption,
      savingTarget: target,
      savingAchieved: achieved,
      assessmentAuthority: authority.name,
      assessmentAuthorityCode: authority.code,
    };
    if (result === '未完成') data['remarks'] = '已约谈主要负责人，责令制定整改方案';
    const doc = enterprise ? `${s.city.abbr}发改环资` : `${s.city.abbr}机管`;
    return record('energy_saving', docNo(doc, year + 1, index + 1), s, authority, date, undefined, data);
  },
};

export const annualAssessment: CategoryGenerator = {
  kinds: [['non_enterprise', 1]],
  prefer: established,
  make({ rnd, index, subject: s }) {
    const { year, date } = evaluation(rnd, s, '03-01', '09-30');
    const social = s.form === 'association' || s.form === 'private_nonprofit' || s.form === 'foundation';
    const data: Record<string, DataValue> = { assessmentYear: year };
    let key: 'civil' | 'staffing' = 'staffing';
    if (social) {
      key = 'civil';
      if (rnd.chance(0.2)) {
        data['assessmentType'] = '社会组织等级评估';
        data['conclusion'] = weighted(rnd, [['5A', 10], ['4A', 30], ['3A', 40], ['2A', 15], ['1A', 5]] as const);
        data['validUntil'] = addYears(date, 5, 1);
      } else {
        data['assessmentType'] = '社会组织年度检查';
        data['conclusion'] = weighted(rnd, [['合格', 85], ['基本合格', 10], ['不合格', 5]] as const);
      }
    } else if (s.form === 'institution') {
      data['assessmentType'] = '事业单位年度报告';
      data['conclusion'] = rnd.chance(0.9) ? '已公示' : '未按时报送';
    } else {
      data['assessmentType'] = '履职情况考核';
      data['conclusion'] = weighted(rnd, [['优秀', 25], ['良好', 45], ['合格', 25], ['不合格', 5]] as const);
    }
    const conclusion = String(data['conclusion']);
    const countyLevel = rnd.chance(0.6);
    const authority = countyLevel ? countyUnit(s.county, key) : cityUnit(s.city, key);
    data['assessmentAuthority'] = authority.name;
    data['assessmentAuthorityCode'] = authority.code;
    if (['基本合格', '不合格', '未按时报送'].includes(conclusion)) {
      data['issues'] = rnd.pick(['未按章程规定召开会员（代表）大会', '财务管理制度不健全，票据使用不规范', '年度报告未按时报送', '内部治理结构不完善，未按期换届']);
    }
    const doc = key === 'civil' ? `${s.city.abbr}民社` : `${s.city.abbr}编办`;
    return record('annual_assessment', docNo(`${doc}${countyLevel ? s.county.abbr : ''}`, year + 1, index + 1), s, cityUnit(s.city, key), date, undefined, data);
  },
};
