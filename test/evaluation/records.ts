// Hand-built records for the evaluation tests: companies whose grades the model predicts exactly.
import { makeUscc } from '../../node/identity/index.ts';
import { JINAN_MARKET, companyCode, exampleData, penalty } from '../helpers/records.ts';

const TAX = { code: makeUscc('1', '1', '370102', '00400021'), name: '国家税务总局济南市历下区税务局' };
const APPROVAL = { code: makeUscc('1', '1', '370102', '00430031'), name: '济南市历下区行政审批服务局' };
const HRSS = { code: makeUscc('1', '1', '370100', '00418862'), name: '济南市人力资源和社会保障局' };

export const company = (n: number) => ({ type: 'legal_person', code: companyCode(n), name: `济南评价测试有限公司${n}` });

export function registration(n: number, established: string, status = '存续', approval = established): Record<string, unknown> {
  const data: Record<string, unknown> = { ...exampleData('registration'), establishmentDate: established, operatingPeriodFrom: established, approvalDate: approval, registrationStatus: status };
  if (status === '吊销') data['revocationDate'] = approval;
  if (status === '注销') data['cancellationDate'] = approval;
  return { category: 'registration', externalId: companyCode(n), subject: company(n), sourceUnit: JINAN_MARKET, decisionDate: approval, data };
}

export function honor(n: number, k: number, level: string, date: string, validUntil: string): Record<string, unknown> {
  return { category: 'honor', externalId: `鲁市监荣〔${date.slice(0, 4)}〕${n * 10 + k}号`, subject: company(n), sourceUnit: JINAN_MARKET, decisionDate: date, data: { ...exampleData('honor'), honorLevel: level, validUntil } };
}

export function taxRating(n: number, year: number, grade: string, date: string): Record<string, unknown> {
  return { category: 'tax_credit_rating', externalId: `PJ${year}-${n}`, subject: company(n), sourceUnit: TAX, decisionDate: date, data: { evaluationYear: year, grade, ratingAuthority: TAX.name } };
}

export function licence(n: number, k: number, date: string, validUntil: string): Record<string, unknown> {
  return { category: 'administrative_license', externalId: `济历审批许〔${date.slice(0, 4)}〕${n * 10 + k}号`, subject: company(n), sourceUnit: APPROVAL, decisionDate: date, data: { ...exampleData('administrative_license'), validFrom: date, validUntil } };
}

export function fine(n: number, k: number, severity: string, date: string): Record<string, unknown> {
  return penalty(n * 100 + k, { subject: company(n), severity, decisionDate: date });
}

export function seriousList(n: number, date: string, validUntil: string): Record<string, unknown> {
  return { category: 'serious_dishonesty_list', externalId: `济人社失信〔${date.slice(0, 4)}〕${n}号`, subject: company(n), sourceUnit: HRSS, decisionDate: date, severity: 'serious', data: { ...exampleData('serious_dishonesty_list'), validUntil } };
}
