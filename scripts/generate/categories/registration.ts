import type { Random } from '../random.ts';
import type { OrgForm, PoolSubject } from '../pool.ts';
import { cityUnit, countyUnit, type BureauKey } from '../units.ts';
import { addYears } from '../random.ts';
import { decisionDate, legacyNumbers, LONG_TERM, record, type CategoryGenerator } from '../common.ts';
import type { DataValue } from '../types.ts';

function entityType(rnd: Random, form: OrgForm): string {
  switch (form) {
    case 'company':
      return rnd.pick(['有限责任公司（自然人投资或控股）', '有限责任公司（自然人投资或控股）', '有限责任公司（自然人投资或控股）', '有限责任公司（自然人独资）', '有限责任公司（非自然人投资或控股的法人独资）', '其他有限责任公司']);
    case 'joint_stock':
      return rnd.chance(0.8) ? '股份有限公司（非上市、自然人投资或控股）' : '股份有限公司（上市、自然人投资或控股）';
    case 'individual':
      return '个体工商户';
    case 'coop':
      return '农民专业合作社';
    case 'organ':
      return '机关';
    case 'institution':
      return '事业单位';
    case 'association':
      return '社会团体';
    case 'private_nonprofit':
      return '民办非企业单位';
    default:
      return '基金会';
  }
}

/** Who registers the subject: market regulation for enterprises, the staffing office for 机关/事业单位, civil affairs for social organisations. */
function registrar(s: PoolSubject): BureauKey {
  if (s.type === 'legal_person') return 'market';
  return s.form === 'organ' || s.form === 'institution' ? 'staffing' : 'civil';
}

/** One record per subject: the current registration of subject i (a change of registration overwrites it). */
export const registration: CategoryGenerator = {
  kinds: [['legal_person', 88], ['non_enterprise', 12]],
  onePerSubject: true,
  make({ rnd, subject: s }) {
    const approval = decisionDate(rnd, s, s.since);
    const key = registrar(s);
    const countyLevel = rnd.chance(0.7);
    const authority = key === 'market' && !countyLevel && rnd.chance(0.5) ? cityUnit(s.city, 'approval') : countyLevel ? countyUnit(s.county, key) : cityUnit(s.city, key);
    const data: Record<string, DataValue> = {};
    if (s.oldBody && s.type === 'legal_person' && s.since < '2015-10-01') data['registrationNumber'] = legacyNumbers(s).registrationNumber;
    if (s.oldBody) data['organizationCode'] = legacyNumbers(s).organizationCode;
    data['legalRepresentative'] = s.person;
    data['entityType'] = entityType(rnd, s.form);
    if (s.capital !== undefined) {
      data['registeredCapital'] = s.capital;
      data['registeredCapitalCurrency'] = s.form === 'company' && rnd.chance(0.02) ? '美元' : '人民币';
    }
    data['establishmentDate'] = s.since;
    if (s.type === 'legal_person' && s.form !== 'individual') {
      data['operatingPeriodFrom'] = s.since;
      data['operatingPeriodTo'] = rnd.chance(0.7) ? LONG_TERM : addYears(s.since, rnd.pick([10, 20, 30, 50]), 1);
    }
    data['registrationAuthority'] = authority.name;
    // The approval date is also the record's decision date; the national column 核准日期 carries both.
    data['approvalDate'] = approval;
    data['address'] = s.address;
    data['businessScope'] = s.scope;
    data['industry'] = s.industry;
    const status = s.type === 'legal_person'
      ? rnd.pick(['存续', '存续', '存续', '存续', '存续', '存续', '存续', '存续', '存续', '存续', '存续', '存续', '存续', '存续', '存续', '存续', '在业', '吊销', '注销', '注销'] as const)
      : rnd.chance(0.95) ? '存续' : '注销';
    data['registrationStatus'] = status;
    if (status === '吊销') data['revocationDate'] = approval;
    if (status === '注销') data['cancellationDate'] = approval;
    const source = cityUnit(s.city, key);
    return record('registration', s.code, s, source, approval, undefined, data);
  },
};
