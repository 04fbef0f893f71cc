import { makeUscc, makeResidentId, shandongCities, countiesOf, type Division } from '../../node/identity/index.ts';
import type { Random } from './random.ts';

export const TRADE_WORDS = ['鲁味', '海润', '泉城', '齐鲁', '华信', '泰和', '鑫源', '恒达', '瑞丰', '金城', '宏远', '德润', '晟泰', '天元', '康诺', '众合', '博源', '润泽', '嘉禾', '新元', '佳和', '汇通', '盛世', '东岳', '蓝海', '黄河', '琴岛', '沂蒙', '孔孟', '泉润'];
const INDUSTRIES = ['食品', '餐饮管理', '商贸', '建筑工程', '物流', '医药', '化工', '机械制造', '电子科技', '农业开发', '环保科技', '房地产开发', '汽车销售', '服装', '信息技术', '酒店管理', '建材', '纺织', '新能源', '水产'];
const FORMS = ['有限公司', '有限责任公司', '股份有限公司', '有限公司', '有限公司'];
export const SURNAMES = ['张', '王', '李', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗', '郑', '梁', '谢', '宋', '唐', '许', '韩', '冯', '邓', '曹', '于', '董', '袁', '孔', '田', '姜', '崔', '毕', '丁', '薛', '任', '邢', '魏', '房', '秦', '尹', '隋', '鞠', '庞', '宫'];
export const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀英', '霞', '平', '刚', '桂英', '建华', '志强', '海燕', '晓东', '文博', '子涵', '雨萱', '浩然', '国庆', '建国', '玉兰', '秀兰', '桂芳', '红梅', '志刚', '海涛', '立新', '春生', '文静', '晓燕', '丽娟', '俊杰', '欣怡', '梓轩', '宇航', '思远', '佳琪', '一鸣', '长青', '凤英', '玉梅', '德华', '振华', '永强', '金凤', '学军', '庆祥', '兆明', '传伟', '洪涛', '继红', '守信', '广平', '瑞雪'];
const INSTITUTIONS = ['人民医院', '第一中学', '实验小学', '疾病预防控制中心', '档案馆', '图书馆', '农业技术推广站', '社会福利院', '行业协会', '慈善基金会'];

const ORG_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

export interface GeneratedSubject {
  type: 'legal_person' | 'non_enterprise' | 'natural_person';
  code: string;
  name: string;
  region: string;
  city: string;
}

export interface SourceUnit { code: string; name: string; city: string }

const cityShort = (c: Division) => c.name.replace(/市$/, '');

/** The cities and their counties, read once: the identity module copies and sorts its table on every call. */
const CITIES: readonly Division[] = Object.freeze(shandongCities());
const COUNTIES: ReadonlyMap<string, readonly Division[]> = new Map(CITIES.map((c) => [c.code, Object.freeze(countiesOf(c.code))]));

/** A county (or city district) of Shandong and its city, spread across all 16 cities. */
export function pickRegion(rnd: Random): { city: Division; county: Division } {
  const city = rnd.pick(CITIES);
  const counties = COUNTIES.get(city.code) ?? [];
  return { city, county: counties.length ? rnd.pick(counties) : city };
}

export function personName(rnd: Random): string {
  return rnd.pick(SURNAMES) + rnd.pick(GIVEN);
}

export function makeSubject(rnd: Random, kind: GeneratedSubject['type']): GeneratedSubject {
  const { city, county } = pickRegion(rnd);
  if (kind === 'natural_person') {
    const birth = rnd.date('1955-01-01', '2004-12-31').replace(/-/g, '');
    return { type: kind, code: makeResidentId(county.code, birth, String(rnd.int(1, 999)).padStart(3, '0')), name: personName(rnd), region: county.code, city: city.code };
  }
  const body = `MA${rnd.chars(ORG_ALPHABET, 6)}`;
  if (kind === 'non_enterprise') {
    const [a, c] = rnd.pick([['1', '2'], ['5', '1'], ['5', '2'], ['5', '3']] as const);
    const name = `${county.name}${rnd.pick(INSTITUTIONS)}`;
    return { type: kind, code: makeUscc(a, c, county.code, body), name, region: county.code, city: city.code };
  }
  const category = rnd.chance(0.15) ? '2' : '1';
  const name = category === '2'
    ? `${county.name.replace(/[区县市]$/, '')}${personName(rnd)}${rnd.pick(['便利店', '小吃部', '五金店', '汽修部'])}`
    : `${rnd.chance(0.6) ? cityShort(city) : county.name.replace(/[区县市]$/, '')}${rnd.pick(TRADE_WORDS)}${rnd.pick(INDUSTRIES)}${rnd.pick(FORMS)}`;
  return { type: 'legal_person', code: makeUscc('9', category, county.code, body), name, region: county.code, city: city.code };
}

/** A government source unit (数据来源单位) of a city, e.g. 济南市市场监督管理局, with a stable code. */
export function sourceUnit(cityCode: string, bureau: string, serial: number): SourceUnit {
  const city = CITIES.find((c) => c.code === cityCode);
  return { code: makeUscc('1', '1', cityCode, `0043${String(serial).padStart(4, '0')}`), name: `${city?.name ?? '山东省'}${bureau}`, city: cityCode };
}
