import { amount, yuanText } from '../common.ts';
import type { Random } from '../random.ts';
import type { PoolSubject } from '../pool.ts';
import type { BureauKey } from '../units.ts';
import type { Sector } from '../words.ts';

/** Who a template fits: a company (or coop), a 个体工商户, a non-enterprise body, or a natural person. */
export type Who = 'company' | 'individual' | 'nonprofit' | 'person';

export interface FactContext {
  rnd: Random;
  s: PoolSubject;
  /** When the offence happened, e.g. 2025年3月12日. */
  when: string;
  goods: string;
  unit: string;
  qty: number;
  /** 货值金额, yuan */
  value: number;
  /** 违法所得, yuan */
  gain: number;
}

/** The penalty as decided: post-2021 type names (mapped to the old list for older decisions), text, amounts. */
export class Outcome {
  readonly types: string[] = [];
  readonly parts: string[] = [];
  fine: number | undefined;
  confiscated = 0;
  license: string | undefined;

  constructor(private readonly c: FactContext) {}

  add(type: string, part: string): this {
    if (!this.types.includes(type)) this.types.push(type);
    this.parts.push(part);
    return this;
  }

  maybe(p: number, f: (o: this) => unknown): this {
    if (this.c.rnd.chance(p)) f(this);
    return this;
  }

  warn(): this {
    return this.add('警告', '警告');
  }

  fineBetween(min: number, max: number): this {
    return this.setFine(amount(this.c.rnd, min, max));
  }

  /** A fine of `lo`..`hi` times the goods' value (产品质量法, 商标法 and the like), at least `floor`. */
  fineTimes(lo: number, hi: number, floor: number): this {
    const times = lo + this.c.rnd.next() * (hi - lo);
    return this.setFine(Math.max(floor, Math.round((this.c.value * times) / 10) * 10));
  }

  setFine(yuan: number): this {
    this.fine = yuan;
    return this.add('罚款', `罚款人民币${yuanText(yuan)}`);
  }

  gain(): this {
    if (this.c.gain <= 0) return this;
    this.confiscated += this.c.gain;
    return this.add('没收违法所得', `没收违法所得人民币${this.c.gain}元`);
  }

  goods(): this {
    this.confiscated += this.c.value;
    return this.add('没收非法财物', `没收${this.c.goods}${this.c.qty}${this.c.unit}`);
  }

  revoke(certificate: string): this {
    this.license = certificate;
    return this.add('吊销许可证件', `吊销${certificate}`);
  }
}

export interface PenaltyTemplate {
  bureau: BureauKey;
  /** Short name of the bureau in its document numbers: 市监罚 → 济市监罚〔2025〕12号. */
  doc: string;
  /** How often the county-level bureau (rather than the city's) decides. */
  county: number;
  who: readonly Who[];
  /** How common the offence is among those that fit (default 1). */
  weight?: number;
  /** Sectors of organisations the template fits; any when absent (persons ignore it). */
  sectors?: readonly Sector[];
  goods?: 'food' | 'retail' | 'medicine' | 'auto' | 'industry' | 'fireworks' | 'clinic';
  violation: string;
  basis: string;
  facts(c: FactContext): string;
  outcome(o: Outcome, c: FactContext): void;
}

const CHANNELS = ['微信公众号', '店堂宣传海报', '抖音短视频平台', '产品宣传册', '网店商品详情页', '户外广告牌'];
const CLAIMS = ['根治糖尿病', '国家级', '最佳', '三天见效', '零风险高回报', '专家推荐'];
const ITEMS = ['标签', '菌落总数', '酸价', '过氧化值', '甲醛含量', '纤维含量', '电气强度', '耐压性能'];

export const PENALTY_TEMPLATES: readonly PenaltyTemplate[] = [
  {
    bureau: 'market', doc: '市监罚', county: 0.6, who: ['company', 'individual'], sectors: ['food', 'catering', 'retail'], goods: 'food',
    violation: '经营超过保质期的食品',
    basis: '《中华人民共和国食品安全法》第一百二十四条第一款第（五）项',
    facts: (c) => `当事人于${c.when}在其经营场所销售超过保质期的${c.goods}${c.qty}${c.unit}，货值金额${c.value}元，违法所得${c.gain}元。`,
    outcome: (o, c) => o.gain().goods().fineBetween(5000, 100000).maybe(0.03, (x) => x.revoke(`食品经营许可证（许可证编号：JY1${c.s.county.code}${String(c.qty).padStart(7, '0')}）`)),
  },
  {
    bureau: 'market', doc: '市监罚', county: 0.7, who: ['company', 'individual', 'person'], sectors: ['food', 'catering', 'retail'], goods: 'food',
    violation: '未取得食品经营许可从事食品经营活动',
    basis: '《中华人民共和国食品安全法》第一百二十二条第一款',
    facts: (c) => `当事人未取得食品经营许可，自${c.when}起在${c.s.county.name}从事${c.goods}经营活动，至案发时货值金额${c.value}元，违法所得${c.gain}元。`,
    outcome: (o) => o.gain().maybe(0.5, (x) => x.goods()).fineBetween(5000, 50000),
  },
  {
    bureau: 'market', doc: '市监罚', county: 0.5, who: ['company'], sectors: ['food'], goods: 'food',
    violation: '生产经营标签不符合规定的食品',
    basis: '《中华人民共和国食品安全法》第一百二十五条第一款第（二）项',
    facts: (c) => `当事人于${c.when}生产的${c.goods}标签未标注生产者名称、地址及食品生产许可证编号，已销售${c.qty}${c.unit}，货值金额${c.value}元，违法所得${c.gain}元。`,
    outcome: (o) => o.fineBetween(2000, 50000).gain(),
  },
  {
    bureau: 'market', doc: '市监罚', county: 0.8, who: ['company', 'individual', 'nonprofit'], sectors: ['catering', 'hotel', 'education', 'health'],
    violation: '餐饮服务提供者未按规定清洗消毒餐具、饮具',
    basis: '《中华人民共和国食品安全法》第一百二十六条第一款第（五）项',
    facts: (c) => `${c.when}，执法人员检查发现当事人餐饮服务场所消毒柜未正常使用，已使用餐具、饮具未经清洗消毒即重复使用，经责令改正后仍未改正。`,
    outcome: (o) => o.warn().maybe(0.5, (x) => x.fineBetween(5000, 50000)),
  },
  {
    bureau: 'market', doc: '市监罚', county: 0.5, who: ['company', 'individual'], sectors: ['retail', 'manufacturing', 'auto', 'chemical'], goods: 'retail',
    violation: '销售不合格产品',
    basis: '《中华人民共和国产品质量法》第四十九条',
    facts: (c) => `当事人于${c.when}销售的${c.goods}经产品质量监督抽查检验，${c.rnd.pick(ITEMS)}项目不符合国家标准要求，共销售${c.qty}${c.unit}，货值金额${c.value}元，违法所得${c.gain}元。`,
    outcome: (o) => o.goods().gain().fineTimes(0.5, 3, 1000),
  },
  {
    bureau: 'market', doc: '市监罚', county: 0.4, who: ['company'],
    violation: '发布虚假广告',
    basis: '《中华人民共和国广告法》第五十五条第一款',
    facts: (c) => `当事人自${c.when}起通过${c.rnd.pick(CHANNELS)}发布含有“${c.rnd.pick(CLAIMS)}”等内容的广告，无法提供证明材料，广告费用${Math.max(1000, Math.round(c.value / 10) * 10)}元。`,
    outcome: (o, c) => o.setFine(Math.max(1000, Math.round(c.value / 10) * 10) * c.rnd.int(3, 5)).maybe(0.3, (x) => x.add('其他', '责令停止发布广告，在相应范围内消除影响')),
  },
  {
    bureau: 'market', doc: '市监罚', county: 0.5, who: ['company', 'individual'],
    violation: '对商品的性能、功能、质量等作虚假或者引人误解的商业宣传',
    basis: '《中华人民共和国反不正当竞争法》第二十条第一款',
    facts: (c) => `当事人自${c.when}起在${c.rnd.pick(CHANNELS)}宣称其商品“${c.rnd.pick(CLAIMS)}”，经查无事实依据，欺骗、误导消费者。`,
    outcome: (o) => o.fineBetween(20000, 300000),
  },
  {
    bureau: 'market', doc: '市监罚', county: 0.3, who: ['company'], sectors: ['medicine'], goods: 'medicine',
    violation: '药品经营企业未遵守药品经营质量管理规范',
    basis: '《中华人民共和国药品管理法》第一百二十六条',
    facts: (c) => `${c.when}，执法人员检查发现当事人未按规定对${c.goods}进行验收记录，冷链药品储存温度未实时监测，执业药师不在岗时仍销售处方药。`,
    outcome: (o) => o.maybe(0.3, (x) => x.warn()).fineBetween(50000, 300000).maybe(0.04, (x) => x.revoke('药品经营许可证')),
  },
  {
    bureau: 'market', doc: '市监罚', county: 0.5, who: ['company'], sectors: ['manufacturing', 'chemical', 'hotel', 'realty', 'logistics', 'services', 'food'],
    violation: '使用未经定期检验的特种设备',
    basis: '《中华人民共和国特种设备安全法》第八十四条第（一）项',
    facts: (c) => `${c.when}，执法人员检查发现当事人使用的${c.rnd.pick(['曳引驱动乘客电梯', '电动单梁起重机', '承压蒸汽锅炉', '叉车', '压力容器'])}${c.rnd.int(1, 4)}台检验合格有效期已届满，未申报定期检验仍继续使用。`,
    outcome: (o) => o.fineBetween(30000, 300000).maybe(0.5, (x) => x.add('其他', '责令停止使用有关特种设备')),
  },
  {
    bureau: 'market', doc: '市监罚', county: 0.6, who: ['company', 'individual'], sectors: ['retail', 'auto', 'food'], goods: 'retail',
    violation: '销售侵犯注册商标专用权的商品',
    basis: '《中华人民共和国商标法》第六十条第二款',
    facts: (c) => `当事人于${c.when}购进并销售假冒注册商标的${c.goods}${c.qty}${c.unit}，货值金额${c.value}元，现场查获库存商品。`,
    outcome: (o) => o.goods().fineTimes(1, 5, 2000),
  },
  {
    bureau: 'market', doc: '市监罚', county: 0.8, who: ['company', 'individual'], sectors: ['retail', 'catering', 'hotel', 'auto', 'services'],
    violation: '经营者不按照规定明码标价',
    basis: '《中华人民共和国价格法》第四十二条',
    facts: (c) => `${c.when}，执法人员检查发现当事人经营场所内${c.rnd.int(3, 40)}种商品（服务）未标明价格。`,
    outcome: (o) => o.warn().maybe(0.5, (x) => x.fineBetween(500, 5000)),
  },
  {
    bureau: 'ecology', doc: '环罚', county: 0.5, who: ['company'], sectors: ['chemical', 'manufacturing', 'energy', 'construction'],
    violation: '超过大气污染物排放标准排放大气污染物',
    basis: '《中华人民共和国大气污染防治法》第九十九条第（二）项',
    facts: (c) => `${c.when}，经监测，当事人${c.rnd.pick(['锅炉', '喷涂车间', '焙烧炉', '导热油炉'])}排气筒${c.rnd.pick(['颗粒物', '二氧化硫', '氮氧化物', '挥发性有机物'])}排放浓度超过《区域性大气污染物综合排放标准》（DB37/2376）规定限值${c.rnd.int(12, 260)}%。`,
    outcome: (o) => o.fineBetween(100000, 1000000).maybe(0.2, (x) => x.add('限制开展生产经营活动', '责令限制生产'))
  },
  {
    bureau: 'ecology', doc: '环罚', county: 0.5, who: ['company'], sectors: ['chemical', 'manufacturing', 'food', 'agriculture', 'energy'],
    violation: '未依法取得排污许可证排放污染物',
    basis: '《排污许可管理条例》第三十三条第（一）项',
    facts: (c) => `当事人自${c.when}起在未取得排污许可证的情况下进行生产，产生的废水、废气直接排放。`,
    outcome: (o) => o.fineBetween(200000, 1000000).maybe(0.25, (x) => x.add('责令停产停业', '责令停产整治')).maybe(0.02, (x) => x.add('责令关闭', '报经有批准权的人民政府批准，责令关闭')),
  },
  {
    bureau: 'urban', doc: '综执罚', county: 0.8, who: ['company'], sectors: ['construction', 'realty'],
    violation: '施工工地未采取有效防尘降尘措施',
    basis: '《中华人民共和国大气污染防治法》第一百一十五条第一款第（一）项',
    facts: (c) => `${c.when}，执法人员检查发现当事人承建的${c.s.county.name}项目施工现场裸露土方未覆盖、出入口未设置车辆冲洗设施，造成扬尘污染。`,
    outcome: (o) => o.fineBetween(10000, 100000),
  },
  {
    bureau: 'ecology', doc: '环罚', county: 0.4, who: ['company'], sectors: ['chemical', 'manufacturing', 'auto'], weight: 0.6,
    violation: '未按照国家有关规定贮存危险废物',
    basis: '《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款第（六）项',
    facts: (c) => `${c.when}，执法人员检查发现当事人将废机油、废活性炭等危险废物约${c.rnd.int(1, 40)}吨露天堆放，未设置危险废物识别标志，未采取防渗漏措施。`,
    outcome: (o) => o.fineBetween(100000, 1000000),
  },
  {
    bureau: 'emergency', doc: '应急罚', county: 0.6, who: ['company'], sectors: ['chemical', 'manufacturing', 'construction', 'logistics', 'energy'],
    violation: '未按照规定对从业人员进行安全生产教育和培训',
    basis: '《中华人民共和国安全生产法》第九十七条第（三）项',
    facts: (c) => `${c.when}，执法人员检查发现当事人${c.rnd.int(2, 30)}名从业人员未经安全生产教育和培训即上岗作业，且无培训记录。`,
    outcome: (o) => o.fineBetween(10000, 100000).maybe(0.3, (x) => x.add('其他', '责令限期改正')),
  },
  {
    bureau: 'emergency', doc: '应急罚', county: 0.3, who: ['company'], sectors: ['chemical', 'energy'],
    violation: '未对重大危险源登记建档并进行定期检测、评估、监控',
    basis: '《中华人民共和国安全生产法》第一百零一条第（二）项',
    facts: (c) => `${c.when}，执法人员检查发现当事人储罐区构成重大危险源，未登记建档，未进行定期检测、评估，可燃气体报警装置失效。`,
    outcome: (o) => o.fineBetween(50000, 100000).maybe(0.2, (x) => x.add('责令停产停业', '责令停产停业整顿')),
  },
  {
    bureau: 'transport', doc: '交运罚', county: 0.5, who: ['person'],
    violation: '未取得道路运输经营许可，擅自从事道路旅客运输经营',
    basis: '《中华人民共和国道路运输条例》第六十三条',
    facts: (c) => `${c.when}，当事人驾驶车牌号为鲁${c.rnd.pick(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'L', 'M', 'N', 'P', 'Q', 'R'])}${c.rnd.int(10000, 99999)}的小型轿车在${c.s.county.name}载客${c.rnd.int(1, 4)}人，收取车费${c.rnd.int(20, 300)}元，未取得道路运输经营许可。`,
    outcome: (o) => o.gain().fineBetween(10000, 30000),
  },
  {
    bureau: 'transport', doc: '交运罚', county: 0.7, who: ['company', 'person'], sectors: ['logistics', 'construction', 'manufacturing'],
    violation: '车辆违法超限运输',
    basis: '《公路安全保护条例》第六十四条',
    facts: (c) => `${c.when}，当事人所属的货运车辆在G${c.rnd.int(2, 35)}高速公路超限检测站经检测，车货总质量${c.rnd.int(50, 80)}吨，超过限定标准${c.rnd.int(3, 30)}吨。`,
    outcome: (o) => o.fineBetween(500, 30000),
  },
  {
    bureau: 'housing', doc: '建罚', county: 0.5, who: ['company'], sectors: ['construction', 'realty'],
    violation: '未取得施工许可证擅自施工',
    basis: '《建设工程质量管理条例》第五十七条',
    facts: (c) => `当事人建设的${c.s.county.name}${c.rnd.pick(['住宅小区', '商业综合体', '厂房', '仓储用房'])}项目，于${c.when}未取得建筑工程施工许可证即开工建设，合同价款${c.value * 10}元。`,
    outcome: (o, c) => o.setFine(Math.max(10000, Math.round((c.value * 10 * (0.01 + c.rnd.next() * 0.01)) / 100) * 100)),
  },
  {
    bureau: 'housing', doc: '建罚', county: 0.5, who: ['company'], sectors: ['construction'],
    violation: '施工单位未在施工现场危险部位设置安全警示标志、未采取安全防护措施',
    basis: '《建设工程安全生产管理条例》第六十二条',
    facts: (c) => `${c.when}，执法人员检查发现当事人施工现场临边洞口未按规定设置防护栏杆，塔式起重机司机未取得特种作业操作资格证书上岗作业。`,
    outcome: (o) => o.fineBetween(50000, 100000).maybe(0.1, (x) => x.add('暂扣许可证件', '暂扣安全生产许可证30日')).maybe(0.04, (x) => x.add('降低资质等级', '降低建筑业企业资质等级')),
  },
  {
    bureau: 'urban', doc: '综执罚', county: 0.9, who: ['person', 'individual'],
    violation: '擅自占用城市道路从事经营活动',
    basis: '《城市道路管理条例》第四十二条',
    facts: (c) => `${c.when}，当事人在${c.s.county.name}${c.rnd.pick(['人民路', '建设路', '文化路', '和平路'])}人行道上擅自摆摊经营，占用城市道路约${c.rnd.int(3, 40)}平方米，经劝导后拒不改正。`,
    outcome: (o) => o.maybe(0.4, (x) => x.warn()).fineBetween(200, 2000),
  },
  {
    bureau: 'urban', doc: '综执罚', county: 0.8, who: ['person', 'company'], sectors: ['realty', 'construction', 'manufacturing', 'agriculture'],
    violation: '未取得建设工程规划许可证进行建设',
    basis: '《中华人民共和国城乡规划法》第六十四条',
    facts: (c) => `当事人于${c.when}未取得建设工程规划许可证，在${c.s.county.name}擅自建设${c.rnd.pick(['砖混结构房屋', '钢结构厂房', '彩钢板房'])}，建筑面积约${c.rnd.int(30, 2000)}平方米。`,
    outcome: (o) => o.fineBetween(10000, 200000).add('其他', '责令限期拆除违法建设'),
  },
  {
    bureau: 'health', doc: '卫医罚', county: 0.7, who: ['person'], goods: 'clinic',
    violation: '未取得医疗机构执业许可证擅自执业',
    basis: '《中华人民共和国基本医疗卫生与健康促进法》第九十九条第一款',
    facts: (c) => `当事人自${c.when}起未取得医疗机构执业许可证，在${c.s.county.name}${c.rnd.pick(['家中', '出租房屋内', '村卫生室旁'])}为他人进行${c.rnd.pick(['静脉输液', '针灸理疗', '拔牙'])}等诊疗活动，违法所得${c.gain}元。`,
    outcome: (o) => o.gain().goods().fineBetween(50000, 200000),
  },
  {
    bureau: 'health', doc: '卫医罚', county: 0.7, who: ['nonprofit', 'company'], sectors: ['health', 'medicine'],
    violation: '医疗卫生机构未按规定分类收集、暂存医疗废物',
    basis: '《医疗废物管理条例》第四十六条',
    facts: (c) => `${c.when}，执法人员检查发现当事人将感染性废物与生活垃圾混放，医疗废物暂存处未设置警示标识，未执行转移联单制度。`,
    outcome: (o) => o.warn().maybe(0.5, (x) => x.fineBetween(5000, 30000)),
  },
  {
    bureau: 'tax', doc: '税简罚', county: 0.9, who: ['company', 'individual', 'nonprofit'], weight: 1.5,
    violation: '未按照规定期限办理纳税申报和报送纳税资料',
    basis: '《中华人民共和国税收征收管理法》第六十二条',
    facts: (c) => `当事人${c.when.slice(0, c.when.indexOf('月') + 1)}所属期的${c.rnd.pick(['增值税', '企业所得税', '个人所得税（代扣代缴）', '城市维护建设税', '印花税'])}未按照规定期限办理纳税申报。`,
    outcome: (o) => o.fineBetween(200, 2000),
  },
  {
    bureau: 'tax', doc: '税稽罚', county: 0.3, who: ['company'], weight: 0.4,
    violation: '虚开增值税普通发票',
    basis: '《中华人民共和国发票管理办法》第三十七条',
    facts: (c) => `当事人于${c.when}至案发期间，在没有真实交易的情况下为他人虚开增值税普通发票${c.rnd.int(5, 120)}份，金额合计${c.value * 20}元，违法所得${c.gain}元。`,
    outcome: (o) => o.gain().fineBetween(50000, 500000),
  },
  {
    bureau: 'police', doc: '公行罚决字', county: 0.9, who: ['person'],
    violation: '违反规定燃放烟花爆竹',
    basis: '《烟花爆竹安全管理条例》第四十二条第二款',
    facts: (c) => `${c.when}，当事人在${c.s.county.name}禁止燃放区域内燃放烟花爆竹。`,
    outcome: (o) => o.fineBetween(100, 500),
  },
  {
    bureau: 'police', doc: '公行罚决字', county: 0.9, who: ['person'], goods: 'fireworks', weight: 0.5,
    violation: '非法运输危险物质',
    basis: '《中华人民共和国治安管理处罚法》第三十条',
    facts: (c) => `${c.when}，当事人驾驶无危险货物运输资质的车辆运输${c.goods}${c.qty}${c.unit}，途经${c.s.county.name}时被查获。`,
    outcome: (o, c) => o.add('行政拘留', `行政拘留${c.rnd.pick(['五', '七', '十', '十五'])}日`).add('没收非法财物', `收缴${c.goods}${c.qty}${c.unit}`),
  },
  {
    bureau: 'statistics', doc: '统罚', county: 0.3, who: ['company', 'nonprofit'], weight: 0.3,
    violation: '提供不真实统计资料',
    basis: '《中华人民共和国统计法》第四十一条第二款',
    facts: (c) => `当事人报送的${c.when.slice(0, 4)}年${c.rnd.pick(['工业产值', '营业收入', '从业人员工资总额', '固定资产投资'])}统计数据与财务资料不符，虚报${c.rnd.int(8, 85)}%。`,
    outcome: (o, c) => (c.s.type === 'non_enterprise' ? o.warn().maybe(0.5, (x) => x.add('通报批评', '予以通报批评')) : o.warn().fineBetween(5000, 50000)),
  },
  {
    bureau: 'resources', doc: '自然资罚', county: 0.8, who: ['person', 'company'], sectors: ['agriculture', 'manufacturing', 'construction'],
    violation: '未经批准非法占用土地',
    basis: '《中华人民共和国土地管理法》第七十七条第一款',
    facts: (c) => `当事人于${c.when}未经批准，擅自占用${c.s.county.name}集体土地${c.qty}平方米建设${c.rnd.pick(['养殖棚', '仓库', '厂房', '住房'])}，其中耕地${Math.round(c.qty * 0.6)}平方米。`,
    outcome: (o, c) => o.setFine(c.qty * c.rnd.pick([100, 200, 300, 500])).add('其他', '责令退还非法占用的土地，限期拆除新建的建筑物和其他设施'),
  },
  {
    bureau: 'hrss', doc: '人社监罚', county: 0.6, who: ['company', 'individual'], weight: 0.5,
    violation: '用人单位违反劳动保障法律规定延长劳动者工作时间',
    basis: '《劳动保障监察条例》第二十五条',
    facts: (c) => `经查，当事人在${c.when.slice(0, 4)}年安排${c.qty}名劳动者每月延长工作时间超过36小时。`,
    outcome: (o, c) => o.warn().setFine(c.qty * c.rnd.pick([100, 200, 300, 500])),
  },
];

export function goodsFor(rnd: Random, kind: NonNullable<PenaltyTemplate['goods']> | undefined): readonly [string, string, number] {
  return rnd.pick(GOODS[kind ?? 'retail']);
}

const GOODS: Readonly<Record<NonNullable<PenaltyTemplate['goods']>, ReadonlyArray<readonly [string, string, number]>>> = {
  food: [['速冻水饺（500克/袋）', '袋', 18], ['散装糕点', '千克', 32], ['预包装饼干（200克/盒）', '盒', 12], ['酱卤肉制品', '千克', 68], ['桶装饮用水（18.9升/桶）', '桶', 15], ['白酒（500毫升/瓶）', '瓶', 128], ['食用植物油（5升/桶）', '桶', 79], ['火腿肠（300克/袋）', '袋', 13], ['调味面制品（106克/袋）', '袋', 3], ['酸奶（200克/杯）', '杯', 6]],
  retail: [['电动自行车充电器', '个', 85], ['儿童玩具', '件', 39], ['插座转换器', '个', 45], ['洗发水（750毫升/瓶）', '瓶', 59], ['运动鞋', '双', 199], ['电线（BV2.5）', '卷', 210], ['保温杯', '个', 69], ['羽绒服', '件', 399]],
  medicine: [['感冒灵颗粒', '盒', 16], ['医用外科口罩（10只/袋）', '袋', 8], ['阿莫西林胶囊', '盒', 22], ['血糖试纸', '盒', 98]],
  auto: [['机油（4升/桶）', '桶', 268], ['汽车轮胎', '条', 520], ['刹车片', '套', 180]],
  industry: [['钢制阀门', '台', 860], ['电动机', '台', 2400], ['水泥（42.5级）', '吨', 420]],
  fireworks: [['烟花爆竹', '箱', 260]],
  clinic: [['药品及医疗器械', '件', 35]],
};
