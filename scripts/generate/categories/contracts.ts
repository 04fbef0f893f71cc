import { weighted, toDay, fromDay } from '../random.ts';
import type { Random } from '../random.ts';
import type { PoolSubject } from '../pool.ts';
import { cityUnit, countyUnit, provinceUnit, type BureauKey } from '../units.ts';
import { addMonths, amount, decisionDate, docNo, otherCompany, record, wan, yearOf, yuanText, type CategoryGenerator } from '../common.ts';
import type { DataValue, Severity } from '../types.ts';

const PURCHASES = ['中小学校园食堂食材', '办公设备', '医用耗材', '绿化养护服务', '物业管理服务', '道路保洁服务', '信息化系统建设', '教学设备', '公务用车定点维修服务', '档案数字化服务'];
const WORKS = ['道路改造提升工程', '老旧小区改造工程', '污水管网建设工程', '中学教学楼建设工程', '河道综合治理工程', '体育公园建设工程'];

function project(rnd: Random, s: PoolSubject): string {
  return `${s.county.fullName}${rnd.pick(['人民路', '建设路', '文化路', '滨河路', '北园', '城南', '高新区', '开发区'])}${rnd.pick(WORKS)}`;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

export const contractPerformance: CategoryGenerator = {
  kinds: [['legal_person', 90], ['non_enterprise', 10]],
  prefer: (s) => s.form !== 'individual',
  make({ rnd, index, seed, subject: s }) {
    const works = s.sector === 'construction' || s.sector === 'realty';
    const type = works ? '工程建设合同' : s.type === 'non_enterprise' ? '政府采购合同' : weighted(rnd, [['政府采购合同', 80], ['政府和社会资本合作（PPP）合同', 5], ['特许经营合同', 5], ['招商引资合同', 10]] as const);
    const bureau: BureauKey = { 工程建设合同: 'housing', 政府采购合同: 'finance', '政府和社会资本合作（PPP）合同': 'development', 特许经营合同: 'development', 招商引资合同: 'commerce' }[type] as BureauKey;
    const decided = decisionDate(rnd, s);
    const signing = fromDay(Math.max(toDay(s.since), toDay(decided) - rnd.int(20, 700)));
    const start = fromDay(toDay(signing) + rnd.int(0, 30));
    const end = addMonths(start, rnd.pick([6, 12, 12, 24, 36]), 1);
    // The government side of a purchase; a public body's own purchase is from a company of the same world.
    const counterpart = s.type === 'non_enterprise' ? otherCompany(seed, rnd.int(0, 99_999)) : undefined;
    const buyer = countyUnit(s.county, type === '招商引资合同' ? 'government' : rnd.pick(['education', 'health', 'housing', 'urban'] as const));
    const year = yearOf(signing);
    const name = type === '工程建设合同' ? `${project(rnd, s)}施工合同` : type === '政府采购合同' ? `${s.county.fullName}${year}年${rnd.pick(PURCHASES)}采购合同` : `${s.county.fullName}${rnd.pick(['城市停车场', '供热管网', '产业园区', '污水处理厂'])}项目${type.replace(/合同$/, '')}协议`;
    const status = weighted(rnd, [['正常履约', 40], ['履约完毕', 35], ['违约', 15], ['合同解除', 5], ['争议处理中', 5]] as const);
    const data: Record<string, DataValue> = {
      contractName: name,
      contractType: type,
      counterpartyName: counterpart ? counterpart.name : buyer.name,
      counterpartyCode: counterpart ? counterpart.code : buyer.code,
      signingDate: signing,
      contractAmount: wan(amount(rnd, 50000, 50_000_000)),
      performanceStartDate: start,
      performanceEndDate: end,
      performanceStatus: end < decided && status === '正常履约' ? '履约完毕' : status,
    };
    if (status === '违约') {
      data['breachDescription'] = rnd.pick([
        `${cnMonth(decided)}前后三次延迟交付，逾期累计${rnd.int(5, 60)}天，经书面催告后仍未整改。`,
        '交付的货物经验收部分规格型号与合同约定不符。',
        `未按合同约定配备项目负责人及${rnd.int(2, 8)}名专业技术人员。`,
      ]);
      data['handlingResult'] = `依合同约定扣除履约保证金${yuanText(amount(rnd, 5000, 200000))}。`;
    } else if (status === '合同解除') {
      data['handlingResult'] = '双方协商一致解除合同，已完成结算。';
    } else if (status === '争议处理中') {
      data['handlingResult'] = rnd.pick(['已申请仲裁，尚在审理中', '已提起诉讼，尚在审理中']);
    }
    const prefix = type === '政府采购合同' ? `SDGP${s.county.code}` : type === '工程建设合同' ? `JSHT${s.county.code}` : `HT${s.county.code}`;
    return record('contract_performance', `${prefix}-${year}-${pad(index + 1, 7)}`, s, cityUnit(s.city, bureau), decided, undefined, data);
  },
};

function cnMonth(iso: string): string {
  return `${iso.slice(0, 4)}年${Number(iso.slice(5, 7))}月`;
}

interface Violation {
  type: string;
  basis: string;
  roles: readonly string[];
  severity: ReadonlyArray<readonly [Severity, number]>;
  facts: string;
}

const VIOLATIONS: readonly Violation[] = [
  { type: '串通投标', basis: '《中华人民共和国招标投标法》第五十三条；《中华人民共和国招标投标法实施条例》第四十条、第六十七条', roles: ['投标人', '中标人'], severity: [['serious', 50], ['general', 50]], facts: '当事人与其他投标人的投标文件由同一单位编制，电子投标文件制作机器码一致，且投标保证金从同一账户转出。' },
  { type: '弄虚作假骗取中标', basis: '《中华人民共和国招标投标法》第五十四条；《中华人民共和国招标投标法实施条例》第四十二条、第六十八条', roles: ['投标人', '中标人'], severity: [['serious', 50], ['general', 50]], facts: '当事人在投标文件中提供虚假的类似项目业绩及项目负责人社保缴纳证明，骗取中标。' },
  { type: '以他人名义投标', basis: '《中华人民共和国招标投标法》第五十四条；《中华人民共和国招标投标法实施条例》第四十二条', roles: ['投标人'], severity: [['general', 70], ['serious', 30]], facts: '当事人借用其他企业资质证书参加投标，投标文件中的项目负责人未在投标企业注册。' },
  { type: '违法转包分包', basis: '《中华人民共和国招标投标法》第五十八条；《中华人民共和国招标投标法实施条例》第七十六条', roles: ['中标人'], severity: [['general', 60], ['serious', 40]], facts: '当事人中标后将中标项目主体结构施工肢解后分别转包给不具备相应资质的单位和个人。' },
  { type: '无正当理由不订立合同', basis: '《中华人民共和国招标投标法实施条例》第七十四条', roles: ['中标人'], severity: [['general', 70], ['minor', 30]], facts: '当事人在中标通知书发出后，无正当理由拒绝与招标人订立书面合同。' },
  { type: '不按照招标文件和投标文件订立合同', basis: '《中华人民共和国招标投标法》第五十九条；《中华人民共和国招标投标法实施条例》第七十五条', roles: ['招标人', '中标人'], severity: [['minor', 40], ['general', 60]], facts: '招标人与中标人订立的合同在工期、付款方式等实质性内容上与招标文件不一致。' },
  { type: '规避招标', basis: '《中华人民共和国招标投标法》第四十九条', roles: ['招标人'], severity: [['general', 70], ['serious', 30]], facts: '当事人将依法必须进行招标的项目化整为零，以多个合同直接发包。' },
  { type: '泄露应当保密的招标投标信息', basis: '《中华人民共和国招标投标法》第五十条、第五十二条', roles: ['招标代理机构', '招标人'], severity: [['general', 60], ['serious', 40]], facts: '当事人在开标前向部分潜在投标人泄露已获取招标文件的潜在投标人名称及数量。' },
  { type: '违法违规评标', basis: '《中华人民共和国招标投标法》第五十六条；《中华人民共和国招标投标法实施条例》第七十一条', roles: ['评标委员会成员'], severity: [['general', 60], ['serious', 40]], facts: '当事人在评标过程中未按照招标文件规定的评标标准和方法评标，对同一投标文件的同一评审因素给分明显偏离。' },
  { type: '其他', basis: '《中华人民共和国招标投标法实施条例》第六十四条', roles: ['招标代理机构', '招标人', '投标人'], severity: [['minor', 50], ['general', 50]], facts: '当事人未按规定时限在公共资源交易平台公示中标候选人。' },
];

export const bidding: CategoryGenerator = {
  kinds: [['legal_person', 85], ['natural_person', 10], ['non_enterprise', 5]],
  prefer: (s) => s.form !== 'individual',
  make({ rnd, index, subject: s }) {
    const role = s.type === 'natural_person' ? '评标委员会成员' : s.type === 'non_enterprise' ? '招标人' : weighted(rnd, [['投标人', 60], ['中标人', 20], ['招标代理机构', 15], ['招标人', 5]] as const);
    const fitting = VIOLATIONS.filter((v) => v.roles.includes(role));
    const v = rnd.pick(fitting.length > 0 ? fitting : VIOLATIONS);
    const severity = weighted(rnd, v.severity);
    const date = decisionDate(rnd, s);
    const year = yearOf(date);
    const key: BureauKey = rnd.chance(0.7) ? 'housing' : 'development';
    const countyLevel = rnd.chance(0.4);
    const authority = countyLevel ? countyUnit(s.county, key) : cityUnit(s.city, key);
    const tenderer = role === '招标人' && s.type !== 'natural_person' ? { name: s.name, code: s.code } : countyUnit(s.county, rnd.pick(['education', 'health', 'housing', 'urban'] as const));
    const price = amount(rnd, 500_000, 200_000_000);
    const fine = Math.max(10000, Math.round((price * 0.005) / 100) * 100);
    const parts = s.type === 'natural_person' ? ['警告', `罚款人民币${yuanText(amount(rnd, 3000, 50000))}`] : [`处中标项目金额千分之五的罚款计${yuanText(fine)}`];
    const data: Record<string, DataValue> = {
      projectName: `${project(rnd, s)}施工`,
      projectCode: `${s.county.code}-${year}-SG-${pad((index % 9999) + 1, 4)}`,
      tenderer: tenderer.name,
      tendererCode: tenderer.code,
      partyRole: role,
      violationType: v.type,
      violationFacts: v.facts,
      handlingBasis: v.basis,
      handlingResult: '',
      handlingAuthority: authority.name,
      handlingAuthorityCode: authority.code,
    };
    if (severity === 'serious' && role !== '招标人') {
      const years = rnd.int(1, 3);
      const until = addMonths(date, 12 * years, 1);
      parts.push(`取消其${['一', '二', '三'][years - 1] ?? '一'}年内参加依法必须进行招标的项目的投标资格`);
      data['disqualifiedFrom'] = date;
      data['disqualifiedUntil'] = until;
      data['announcementUntil'] = until;
    } else {
      data['announcementUntil'] = addMonths(date, 6, 1);
    }
    data['handlingResult'] = `${parts.join('；')}。`;
    const externalId = docNo(`${s.city.abbr}${countyLevel ? s.county.abbr : ''}${key === 'housing' ? '建招处' : '发改招处'}`, year, index + 1);
    return record('bidding', externalId, s, cityUnit(s.city, key), date, severity, data);
  },
};

const BAD = [
  { text: '施工现场临边洞口未按规定设置安全防护设施，塔式起重机司机未取得特种作业操作资格证书上岗作业。', basis: '《建设工程安全生产管理条例》第六十二条', result: '责令限期改正，罚款人民币5万元，记不良行为记录一次。', persons: false },
  { text: '未按规定办理工程质量监督手续即开工建设。', basis: '《建设工程质量管理条例》第五十六条', result: '责令改正，罚款人民币20万元，记不良行为记录一次。', persons: false },
  { text: '未按规定开设农民工工资专用账户，未实行农民工实名制管理。', basis: '《保障农民工工资支付条例》第五十五条', result: '责令限期改正，罚款人民币5万元，记不良行为记录一次。', persons: false },
  { text: '项目负责人未按规定履行安全生产管理职责，未组织开展危险性较大的分部分项工程验收。', basis: '《建设工程安全生产管理条例》第五十八条', result: '责令限期改正，记不良行为记录一次。', persons: true },
  { text: '注册建造师未在项目现场到岗履职，由他人代为履行项目负责人职责。', basis: '《注册建造师管理规定》第三十七条', result: '责令改正，罚款人民币1万元，记不良行为记录一次。', persons: true },
];

const GOOD = [
  { text: '承建的工程获山东省建筑工程质量“泰山杯”奖。', basis: '《建筑市场信用管理暂行办法》（建市〔2017〕241号）第八条', result: '记良好行为记录一次，在招标投标中按规定给予信用加分。', province: true },
  { text: '承建的项目获评省级建筑施工安全文明标准化工地。', basis: '《建筑市场信用管理暂行办法》（建市〔2017〕241号）第八条', result: '记良好行为记录一次。', province: true },
  { text: '承建的工程获评市级优质结构工程。', basis: '《建筑市场信用管理暂行办法》（建市〔2017〕241号）第八条', result: '记良好行为记录一次。', province: false },
];

export const construction: CategoryGenerator = {
  kinds: [['legal_person', 80], ['natural_person', 20]],
  prefer: (s) => s.type === 'natural_person' || s.sector === 'construction' || s.sector === 'realty',
  make({ rnd, index, subject: s }) {
    const person = s.type === 'natural_person';
    const good = !person && rnd.chance(0.3);
    const date = decisionDate(rnd, s);
    const year = yearOf(date);
    const data: Record<string, DataValue> = { recordType: good ? '良好行为记录' : '不良行为记录' };
    const location = `山东省${s.city.name}${s.county.name}`;
    data['projectName'] = `${project(rnd, s)}`;
    data['projectLocation'] = location;
    if (person) {
      const level = rnd.chance(0.3) ? '一级' : '二级';
      data['qualificationName'] = `${level}注册建造师（${rnd.pick(['建筑工程', '市政公用工程', '机电工程'])}）`;
      data['qualificationCertificateNumber'] = `鲁${level === '一级' ? '1' : '2'}${s.city.code.slice(0, 4)}${year}${pad((index % 99999) + 1, 5)}`;
    } else {
      data['qualificationName'] = `${rnd.pick(['建筑工程', '市政公用工程', '机电工程'])}施工总承包${rnd.pick(['一级', '二级', '三级'])}`;
      data['qualificationCertificateNumber'] = `D${rnd.pick(['2', '3'])}${s.city.code.slice(0, 4)}${pad((index % 99999) + 1, 5)}`;
    }
    let authority = cityUnit(s.city, 'housing');
    if (good) {
      const g = rnd.pick(GOOD);
      data['behaviorDescription'] = g.text;
      data['basis'] = g.basis;
      data['result'] = g.result;
      if (g.province) authority = provinceUnit('housing');
    } else {
      const list = BAD.filter((b) => b.persons === person);
      const b = rnd.pick(list.length > 0 ? list : BAD);
      data['behaviorDescription'] = b.text;
      data['basis'] = b.basis;
      data['result'] = b.result;
    }
    data['decidingAuthority'] = authority.name;
    data['decidingAuthorityCode'] = authority.code;
    const until = good ? addMonths(date, 36, 1) : addMonths(date, rnd.pick([6, 12, 12, 12, 24, 36]), 1);
    data['publicUntil'] = until;
    return record('construction', docNo(`${s.city.abbr}建信`, year, index + 1), s, cityUnit(s.city, 'housing'), date, undefined, data);
  },
};
