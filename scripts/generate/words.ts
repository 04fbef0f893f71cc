/** Word tables for subject names, industries and business scopes (GB/T 4754-2017 industry codes). */

export type Sector =
  | 'food' | 'catering' | 'retail' | 'construction' | 'realty' | 'logistics' | 'medicine' | 'chemical' | 'manufacturing'
  | 'agriculture' | 'tech' | 'hotel' | 'auto' | 'energy' | 'services' | 'government' | 'health' | 'education' | 'social';

export interface Industry {
  word: string;
  sector: Sector;
  industry: string;
  scope: string;
}

const GENERAL_TAIL = '（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）';
const PERMIT_TAIL = '（依法须经批准的项目，经相关部门批准后方可开展经营活动，具体经营项目以相关部门批准文件或许可证件为准）';

const scope = (permit: string, general: string) => (permit ? `许可项目：${permit}。${PERMIT_TAIL}一般项目：${general}。${GENERAL_TAIL}` : `一般项目：${general}。${GENERAL_TAIL}`);

export const INDUSTRIES: readonly Industry[] = [
  { word: '食品', sector: 'food', industry: 'C1499 其他未列明食品制造', scope: scope('食品生产；食品销售', '食用农产品批发；农副产品销售') },
  { word: '餐饮管理', sector: 'catering', industry: 'H6210 正餐服务', scope: scope('餐饮服务；食品销售', '餐饮管理；外卖递送服务') },
  { word: '商贸', sector: 'retail', industry: 'F5299 其他未列明零售业', scope: scope('', '日用百货销售；五金产品批发；电子产品销售；服装服饰零售') },
  { word: '建筑工程', sector: 'construction', industry: 'E4790 其他房屋建筑业', scope: scope('建设工程施工；建筑劳务分包', '园林绿化工程施工；土石方工程施工') },
  { word: '物流', sector: 'logistics', industry: 'G5430 道路货物运输', scope: scope('道路货物运输（不含危险货物）', '国内货物运输代理；普通货物仓储服务（不含危险化学品等需许可审批的项目）') },
  { word: '医药', sector: 'medicine', industry: 'F5251 西药零售', scope: scope('药品零售；第三类医疗器械经营', '第二类医疗器械销售；保健食品（预包装）销售') },
  { word: '化工', sector: 'chemical', industry: 'C2669 其他专用化学产品制造', scope: scope('危险化学品经营', '化工产品生产（不含许可类化工产品）；化工产品销售（不含许可类化工产品）') },
  { word: '机械制造', sector: 'manufacturing', industry: 'C3499 其他未列明通用设备制造业', scope: scope('', '通用设备制造（不含特种设备制造）；机械零件、零部件加工；金属结构制造') },
  { word: '电子科技', sector: 'tech', industry: 'C3989 其他电子元件制造', scope: scope('', '技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；电子元器件制造；软件开发') },
  { word: '农业开发', sector: 'agriculture', industry: 'A0141 蔬菜种植', scope: scope('', '蔬菜种植；水果种植；农产品的生产、销售、加工、运输、贮藏及其他相关服务') },
  { word: '环保科技', sector: 'tech', industry: 'N7724 危险废物治理', scope: scope('危险废物经营', '环境保护专用设备制造；污水处理及其再生利用；固体废物治理') },
  { word: '房地产开发', sector: 'realty', industry: 'K7010 房地产开发经营', scope: scope('房地产开发经营', '物业管理；房地产经纪') },
  { word: '汽车销售', sector: 'auto', industry: 'F5261 汽车新车零售', scope: scope('', '汽车新车销售；二手车经销；汽车零配件零售；机动车修理和维护') },
  { word: '服装', sector: 'manufacturing', industry: 'C1810 机织服装制造', scope: scope('', '服装制造；服装服饰批发；针纺织品销售') },
  { word: '信息技术', sector: 'tech', industry: 'I6513 应用软件开发', scope: scope('第一类增值电信业务', '软件开发；信息系统集成服务；信息技术咨询服务') },
  { word: '酒店管理', sector: 'hotel', industry: 'H6110 旅游饭店', scope: scope('住宿服务；餐饮服务', '酒店管理；会议及展览服务') },
  { word: '建材', sector: 'manufacturing', industry: 'C3021 水泥制品制造', scope: scope('', '水泥制品制造；建筑材料销售；轻质建筑材料制造') },
  { word: '纺织', sector: 'manufacturing', industry: 'C1713 棉印染精加工', scope: scope('', '面料纺织加工；面料印染加工；纺织专用设备销售') },
  { word: '新能源', sector: 'energy', industry: 'D4416 太阳能发电', scope: scope('发电业务、输电业务、供（配）电业务', '太阳能发电技术服务；储能技术服务；合同能源管理') },
  { word: '水产', sector: 'food', industry: 'C1361 水产品冷冻加工', scope: scope('食品生产', '水产品批发；水产品零售；水产品冷冻加工') },
  { word: '物业服务', sector: 'services', industry: 'K7020 物业管理', scope: scope('', '物业管理；家政服务；城市绿化管理') },
  { word: '石化', sector: 'chemical', industry: 'C2511 原油加工及石油制品制造', scope: scope('危险化学品生产', '石油制品销售（不含危险化学品）；专用化学产品销售') },
];

export interface Shop {
  word: string;
  sector: Sector;
  industry: string;
  scope: string;
}

export const SHOPS: readonly Shop[] = [
  { word: '便利店', sector: 'retail', industry: 'F5212 便利店零售', scope: scope('食品销售；烟草制品零售', '日用百货销售') },
  { word: '小吃部', sector: 'catering', industry: 'H6220 快餐服务', scope: scope('小餐饮', '外卖递送服务') },
  { word: '饭店', sector: 'catering', industry: 'H6210 正餐服务', scope: scope('餐饮服务', '外卖递送服务') },
  { word: '烧烤店', sector: 'catering', industry: 'H6299 其他餐饮业', scope: scope('小餐饮', '食用农产品零售') },
  { word: '五金店', sector: 'retail', industry: 'F5234 五金零售', scope: scope('', '五金产品零售；建筑材料销售') },
  { word: '汽修部', sector: 'auto', industry: 'O8111 汽车修理与维护', scope: scope('', '机动车修理和维护；汽车零配件零售') },
  { word: '超市', sector: 'retail', industry: 'F5212 便利店零售', scope: scope('食品销售', '日用百货销售；食用农产品零售') },
  { word: '水果店', sector: 'food', industry: 'F5223 果品、蔬菜零售', scope: scope('', '食用农产品零售；新鲜水果零售') },
  { word: '烟酒店', sector: 'retail', industry: 'F5227 烟草制品零售', scope: scope('烟草制品零售；食品销售', '日用百货销售') },
  { word: '理发店', sector: 'services', industry: 'O8070 理发及美容服务', scope: scope('理发服务', '美甲服务') },
];

export const CROPS = ['蔬菜种植', '果品种植', '苹果种植', '大蒜种植', '小麦种植', '花生种植', '食用菌种植', '中药材种植', '生姜种植', '生猪养殖', '肉鸡养殖', '奶牛养殖'];

export const TOWNS = ['龙山', '桃园', '柳埠', '仲宫', '白云', '双泉', '孝里', '马山', '文祖', '埠村', '官庄', '石门', '大王', '新街', '张庄', '李村', '王庄', '刘家', '杨柳', '河口', '青石', '凤凰', '金岭', '南湖', '北岭', '东关', '西城', '崇文', '兴福', '姚家'];

export const AGENCIES = ['水务局', '文化和旅游局', '退役军人事务局', '医疗保障局', '审计局', '科学技术局', '档案馆', '融媒体中心'];

export const ASSOCIATION_TRADES = ['餐饮烹饪', '物流', '建筑业', '汽车流通', '家具', '食品工业', '电子商务', '旅游', '物业管理', '个体劳动者'];
