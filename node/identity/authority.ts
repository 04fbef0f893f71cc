/**
 * Registration authority (position 1) and organisation category (position 2) of a unified social credit code,
 * GB 32100-2015 appendix A, with the 农业 (N) and 中央军委改革和编制办公室 (A) authorities added since.
 */

export type SubjectType = 'legal_person' | 'non_enterprise' | 'natural_person';

export interface AuthorityInfo {
  authority: string;
  authorityName: string;
  category: string;
  categoryName: string;
  subjectType: SubjectType;
}

interface AuthorityEntry {
  name: string;
  categories: Readonly<Record<string, string>>;
}

export const AUTHORITIES: Readonly<Record<string, AuthorityEntry>> = {
  '1': { name: '机构编制', categories: { '1': '机关', '2': '事业单位', '3': '中央编办直接管理机构编制的群众团体', '9': '其他' } },
  '2': { name: '外交', categories: { '1': '外国常驻新闻机构', '9': '其他' } },
  '3': {
    name: '司法行政',
    categories: { '1': '律师执业机构', '2': '公证处', '3': '基层法律服务所', '4': '司法鉴定机构', '5': '仲裁委员会', '9': '其他' },
  },
  '4': { name: '文化', categories: { '1': '外国在华文化中心', '9': '其他' } },
  '5': { name: '民政', categories: { '1': '社会团体', '2': '民办非企业单位', '3': '基金会', '9': '其他' } },
  '6': {
    name: '旅游',
    categories: { '1': '外国旅游部门常驻代表机构', '2': '港澳台地区旅游部门常驻内地（大陆）代表机构', '9': '其他' },
  },
  '7': { name: '宗教', categories: { '1': '宗教活动场所', '2': '宗教院校', '9': '其他' } },
  '8': { name: '工会', categories: { '1': '基层工会', '9': '其他' } },
  '9': { name: '工商', categories: { '1': '企业', '2': '个体工商户', '3': '农民专业合作社' } },
  A: { name: '中央军委改革和编制办公室', categories: { '1': '军队事业单位', '9': '其他' } },
  N: { name: '农业', categories: { '1': '组级集体经济组织', '2': '村级集体经济组织', '3': '乡镇级集体经济组织', '9': '其他' } },
  // GB 32100 gives 其他 no category split; codes issued under it carry category 1.
  Y: { name: '其他', categories: { '1': '其他' } },
};

/**
 * Authority 9 (工商, now 市场监管) registers enterprises, 个体工商户 and 农民专业合作社: the `legal_person` subject
 * class of DESIGN.md (法人及非法人组织 in the broad sense used by 双公示). Every other authority registers
 * non-enterprise bodies.
 */
export function describeAuthority(c1: string, c2: string): AuthorityInfo | undefined {
  const entry = Object.hasOwn(AUTHORITIES, c1) ? AUTHORITIES[c1] : undefined;
  if (entry === undefined || !Object.hasOwn(entry.categories, c2)) return undefined;
  const categoryName = entry.categories[c2];
  if (categoryName === undefined) return undefined;
  return {
    authority: c1,
    authorityName: entry.name,
    category: c2,
    categoryName,
    subjectType: c1 === '9' ? 'legal_person' : 'non_enterprise',
  };
}
