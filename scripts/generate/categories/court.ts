import { weighted, toDay, fromDay, dayBetween } from '../random.ts';
import { cityUnit, countyUnit } from '../units.ts';
import { decisionDate, MAX_DAY, record, wan, yearOf, type CategoryGenerator } from '../common.ts';
import type { DataValue } from '../types.ts';

const OBLIGATIONS = [
  (x: number) => `被执行人于判决生效之日起十日内支付申请执行人货款${x}元及逾期付款利息`,
  (x: number) => `被执行人偿还申请执行人借款本金${x}元及利息`,
  (x: number) => `被执行人支付申请执行人工程款${x}元`,
  (x: number) => `被执行人支付申请执行人劳动报酬及经济补偿金共计${x}元`,
  (x: number) => `被执行人支付申请执行人房屋租金${x}元及违约金`,
  (x: number) => `被执行人赔偿申请执行人损失${x}元`,
];

const CONDUCT = ['有履行能力而拒不履行生效法律文书确定义务', '违反财产报告制度', '违反限制消费令', '以伪造证据、暴力、威胁等方法妨碍、抗拒执行'];

const STATUS = [['执行中', 35], ['执行完毕', 25], ['终结本次执行程序', 30], ['终结执行', 5], ['不予执行', 2], ['销案', 2], ['驳回申请', 1]] as const;

export const courtEnforcement: CategoryGenerator = {
  kinds: [['legal_person', 55], ['natural_person', 43], ['non_enterprise', 2]],
  make({ rnd, index, subject: s }) {
    const filing = decisionDate(rnd, s, undefined, fromDay(MAX_DAY - 10));
    const published = fromDay(dayBetween(rnd, toDay(filing), Math.min(MAX_DAY, toDay(filing) + 90)));
    const intermediate = rnd.chance(0.15);
    const court = intermediate ? cityUnit(s.city, 'court') : countyUnit(s.county, 'court');
    const courtCode = intermediate ? s.city.courtCode : s.county.code.slice(2);
    const year = yearOf(filing);
    const caseNumber = `（${year}）鲁${courtCode}执${index + 1}号`;
    const yuan = Math.round(1000 + rnd.next() ** 3 * 5_000_000);
    const arbitration = rnd.chance(0.1);
    let status: string = weighted(rnd, STATUS);
    const closing = toDay(filing) + rnd.int(30, 400);
    if (status !== '执行中' && closing > MAX_DAY) status = '执行中';
    const data: Record<string, DataValue> = {
      caseNumber,
      caseType: '执行案件',
      court: court.name,
      filingDate: filing,
      basisDocumentNumber: arbitration ? `（${year - 1}）${s.city.abbr}仲字第${rnd.int(10, 3999)}号` : `（${year - rnd.int(0, 1)}）鲁${courtCode}民初${rnd.int(100, 19999)}号`,
      basisIssuer: arbitration ? `${s.city.short}仲裁委员会` : court.name,
      obligation: rnd.pick(OBLIGATIONS)(yuan),
      enforcementAmount: wan(yuan),
    };
    let performance: string;
    let unperformed: number;
    if (status === '执行完毕') {
      performance = '全部履行';
      unperformed = 0;
    } else if (rnd.chance(0.6)) {
      performance = '全部未履行';
      unperformed = yuan;
    } else {
      performance = '部分未履行';
      unperformed = Math.round(yuan * (0.1 + rnd.next() * 0.8));
    }
    data['unperformedAmount'] = wan(unperformed);
    data['caseStatus'] = status;
    if (status !== '执行中') data['closingDate'] = fromDay(closing);
    // Only debtors who could pay and did not are listed as dishonest (失信被执行人).
    const dishonest = (status === '执行中' || status === '终结本次执行程序' || status === '执行完毕') && rnd.chance(0.3);
    data['dishonestDebtor'] = dishonest;
    if (dishonest) data['dishonestConduct'] = rnd.pick(CONDUCT);
    data['performance'] = performance;
    if (dishonest && (status === '执行完毕' || rnd.chance(0.2))) {
      const removal = toDay(published) + rnd.int(30, 700);
      if (removal <= MAX_DAY) data['removalDate'] = fromDay(removal);
    }
    // The record number is the case number: one debtor per case here.
    return record('court_enforcement', caseNumber, s, cityUnit(s.city, 'court'), published, undefined, data);
  },
};
