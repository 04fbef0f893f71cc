import { weighted, toDay, fromDay } from '../random.ts';
import type { Random } from '../random.ts';
import type { PoolSubject, SubjectKind } from '../pool.ts';
import { cityUnit, countyUnit, type BureauKey } from '../units.ts';
import { addMonths, dateBetween, decisionDate, docNo, MAX_DATE, MAX_DAY, record, yearOf, type CategoryGenerator } from '../common.ts';
import type { DataValue } from '../types.ts';

interface ListType {
  listType: string;
  bureau: BureauKey;
  doc: (s: PoolSubject, year: number, n: number) => string;
  county: boolean;
  kinds: readonly SubjectKind[];
  weight: number;
  years: number;
  reasons: readonly string[];
  basis: (date: string) => string;
  measures: readonly string[];
  facts: (rnd: Random, s: PoolSubject) => string;
}

const LIST_TYPES: readonly ListType[] = [
  {
    listType: '失信被执行人', bureau: 'court', county: true, kinds: ['legal_person', 'natural_person', 'non_enterprise'], weight: 40, years: 2,
    doc: (s, year, n) => `（${year}）鲁${s.county.code.slice(2)}执${n}号`,
    reasons: ['有履行能力而拒不履行生效法律文书确定义务', '违反财产报告制度', '违反限制消费令', '以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行'],
    basis: () => '《中华人民共和国民事诉讼法》第二百六十六条；《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条',
    measures: ['限制高消费及非生活和工作必需的消费行为；限制乘坐飞机、列车软卧、G字头动车组列车全部座位', '限制担任企业法定代表人及高级管理人员；限制参与政府采购、招标投标'],
    facts: (rnd) => `被执行人未按执行通知书指定的期间履行生效法律文书确定的给付义务，应履行金额${rnd.int(2, 900)}${rnd.pick(['万元', '万元', '千元'])}，经查具有履行能力。`,
  },
  {
    listType: '重大税收违法失信主体', bureau: 'tax', county: false, kinds: ['legal_person'], weight: 12, years: 3,
    doc: (s, year, n) => docNo(`${s.city.abbr}税稽罚`, year, n),
    reasons: ['虚开增值税专用发票', '偷税数额100万元以上且占各种应纳税总额10%以上', '欠缴税款金额100万元以上，采取转移或者隐匿财产的手段逃避追缴'],
    basis: (d) => (d >= '2022-02-01' ? '《重大税收违法失信主体信息公布管理办法》（国家税务总局令第54号）第六条' : '《重大税收违法失信案件信息公布办法》（国家税务总局公告2018年第54号）第五条'),
    measures: ['纳税信用级别直接判为D级；强化税收监管；依法阻止出境；限制取得政府供应土地'],
    facts: (rnd) => `经稽查，当事人${rnd.int(2019, 2025)}年通过虚构业务、隐匿收入等方式少缴税款${rnd.int(100, 3000)}万元，占应纳税总额${rnd.int(10, 60)}%。`,
  },
  {
    listType: '市场监督管理严重违法失信名单', bureau: 'market', county: false, kinds: ['legal_person'], weight: 15, years: 3,
    doc: (s, year, n) => docNo(`${s.city.abbr}市监严列`, year, n),
    reasons: ['被列入经营异常名录届满3年仍未履行相关义务', '提交虚假材料或者采取其他手段隐瞒重要事实，取得公司变更或者注销登记', '因食品安全违法行为受到较重行政处罚'],
    basis: (d) => (d >= '2021-09-01' ? '《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）第十三条' : '《严重违法失信企业名单管理暂行办法》（国家工商行政管理总局令第83号）第五条'),
    measures: ['实施重点监管，提高检查频次；依法限制参加政府采购、工程招投标；不予授予荣誉称号'],
    facts: () => '当事人被列入经营异常名录届满三年，仍未履行公示义务，且通过登记的住所无法联系。',
  },
  {
    listType: '安全生产严重失信主体名单', bureau: 'emergency', county: false, kinds: ['legal_person'], weight: 5, years: 3,
    doc: (s, year, n) => docNo(`${s.city.abbr}应急失信`, year, n),
    reasons: ['发生较大生产安全事故，对事故负有责任', '未依法取得安全生产许可证擅自从事生产经营活动', '拒不执行安全监管监察指令'],
    basis: () => '《安全生产严重失信主体名单管理办法》（应急管理部令第11号）第六条',
    measures: ['实施重点监管监察；依法限制参加政府采购、工程招投标；不予授予荣誉称号'],
    facts: (rnd) => `当事人${rnd.pick(['厂区内发生一起火灾事故，造成直接经济损失', '在责令停产整顿期间擅自组织生产，造成直接经济损失'])}${rnd.int(50, 900)}万元。`,
  },
  {
    listType: '拖欠农民工工资失信联合惩戒对象名单', bureau: 'hrss', county: false, kinds: ['legal_person', 'natural_person'], weight: 15, years: 3,
    doc: (s, year, n) => docNo(`${s.city.abbr}人社失信`, year, n),
    reasons: ['克扣、无故拖欠农民工工资达到认定拖欠农民工工资数额标准', '因拖欠农民工工资违法行为引发群体性事件、极端事件造成严重不良社会影响'],
    basis: () => '《保障农民工工资支付条例》第四十八条；《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》（人力资源社会保障部令第45号）第五条',
    measures: ['限制参与政府投资项目招标投标；限制取得政府资金支持；限制高消费'],
    facts: (rnd, s) => `当事人在${s.county.name}承建的工程项目拖欠${rnd.int(8, 120)}名农民工工资共计${rnd.int(5, 400)}万元，经人力资源社会保障行政部门责令限期支付后逾期仍未支付。`,
  },
  {
    listType: '政府采购严重违法失信行为记录名单', bureau: 'finance', county: false, kinds: ['legal_person'], weight: 8, years: 1,
    doc: (s, year, n) => docNo(`${s.city.abbr}财采处`, year, n),
    reasons: ['提供虚假材料谋取中标、成交', '与采购人、其他供应商或者采购代理机构恶意串通', '中标后无正当理由拒不与采购人签订政府采购合同'],
    basis: () => '《中华人民共和国政府采购法》第七十七条第一款；《中华人民共和国政府采购法实施条例》第七十二条',
    measures: ['一至三年内禁止参加政府采购活动'],
    facts: (rnd) => `当事人在参加${rnd.pick(['教学设备', '办公家具', '物业服务', '医疗设备'])}采购项目投标时，提供虚假的业绩证明材料，谋取中标。`,
  },
  {
    listType: '统计严重失信企业', bureau: 'statistics', county: false, kinds: ['legal_person'], weight: 5, years: 1,
    doc: (s, year, n) => docNo(`${s.city.abbr}统失信`, year, n),
    reasons: ['提供不真实统计资料，情节严重', '拒绝提供统计资料或者经催报后仍未按时提供统计资料，情节严重'],
    basis: () => '《中华人民共和国统计法》第四十一条；《统计严重失信企业信用管理办法》第五条',
    measures: ['在政府资金安排、评先评优等方面依法依规予以限制'],
    facts: (rnd) => `当事人报送的统计数据虚报营业收入${rnd.int(200, 9000)}万元，虚报率${rnd.int(30, 300)}%。`,
  },
];

export const seriousDishonestyList: CategoryGenerator = {
  kinds: [['legal_person', 60], ['natural_person', 38], ['non_enterprise', 2]],
  make({ rnd, index, subject: s }) {
    const t = weighted(rnd, LIST_TYPES.filter((l) => l.kinds.includes(s.type)).map((l) => [l, l.weight] as const));
    const date = decisionDate(rnd, s);
    const authority = t.county ? countyUnit(s.county, t.bureau) : cityUnit(s.city, t.bureau);
    const validUntil = addMonths(date, 12 * t.years, 1);
    const data: Record<string, DataValue> = {
      listType: t.listType,
      listingReason: rnd.pick(t.reasons),
      facts: t.facts(rnd, s),
      legalBasis: t.basis(date),
      decidingAuthority: authority.name,
      decidingAuthorityCode: authority.code,
      measures: rnd.pick(t.measures),
      validUntil,
    };
    const removal = toDay(date) + rnd.int(90, 900);
    if (rnd.chance(0.25) && removal <= MAX_DAY && removal < toDay(validUntil)) {
      data['removalDate'] = fromDay(removal);
      data['removalReason'] = rnd.pick(['已履行相关义务，经申请提前移出', '信用修复完成，经审核准予移出', '生效法律文书确定的义务已履行完毕']);
    }
    return record('serious_dishonesty_list', t.doc(s, yearOf(date), index + 1), s, cityUnit(s.city, t.bureau), date, 'serious', data);
  },
};

const ABNORMAL_REASONS = [
  ['未按照规定期限公示年度报告', 70, '依照《企业经营异常名录管理暂行办法》第六条规定，补报未报年份的年度报告并公示，申请移出'],
  ['通过登记的住所或者经营场所无法联系', 22, '依照《企业经营异常名录管理暂行办法》第十条规定，依法办理住所变更登记，申请移出'],
  ['未在责令的期限内公示有关企业信息', 5, '依照《企业经营异常名录管理暂行办法》第七条规定，公示有关企业信息后申请移出'],
  ['公示企业信息隐瞒真实情况、弄虚作假', 3, '依照《企业经营异常名录管理暂行办法》第八条规定，更正其公示的信息后申请移出'],
] as const;

export const abnormalOperationList: CategoryGenerator = {
  kinds: [['legal_person', 1]],
  make({ rnd, index, subject: s }) {
    const [reason, , removalReason] = weighted(rnd, ABNORMAL_REASONS.map((r) => [r, r[1]] as const));
    let date = decisionDate(rnd, s);
    // Annual reports are due by 30 June: the listings for missing ones come in July and August.
    if (reason === '未按照规定期限公示年度报告') {
      const july = `${date.slice(0, 4)}-07-01`;
      const summer = dateBetween(rnd, july, `${date.slice(0, 4)}-08-31`);
      if (summer >= s.earliest && summer <= MAX_DATE) date = summer;
    }
    const authority = countyUnit(s.county, 'market');
    const data: Record<string, DataValue> = { listingReason: reason, decidingAuthority: authority.name, decidingAuthorityCode: authority.code };
    const removal = toDay(date) + rnd.int(20, 1000);
    if (rnd.chance(0.45) && removal <= MAX_DAY) {
      data['removalDate'] = fromDay(removal);
      data['removalReason'] = removalReason;
      data['removalAuthority'] = authority.name;
    }
    const externalId = docNo(`${s.city.abbr}${s.county.abbr}市监异列`, yearOf(date), index + 1);
    return record('abnormal_operation_list', externalId, s, cityUnit(s.city, 'market'), date, undefined, data);
  },
};
