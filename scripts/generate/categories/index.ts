import type { CategoryGenerator } from '../common.ts';
import { administrativePenalty } from './penalty.ts';
import { administrativeLicense } from './license.ts';
import { registration } from './registration.ts';
import { seriousDishonestyList, abnormalOperationList } from './lists.ts';
import { taxCreditRating, environmental, energySaving, annualAssessment } from './ratings.ts';
import { honor, professionalQualification } from './people.ts';
import { courtEnforcement } from './court.ts';
import { contractPerformance, bidding, construction } from './contracts.ts';

/** One generator per category of CONTRACT.md (the file names under schemas/records/). */
export const GENERATORS: Readonly<Record<string, CategoryGenerator>> = {
  registration,
  administrative_license: administrativeLicense,
  administrative_penalty: administrativePenalty,
  serious_dishonesty_list: seriousDishonestyList,
  abnormal_operation_list: abnormalOperationList,
  honor,
  tax_credit_rating: taxCreditRating,
  court_enforcement: courtEnforcement,
  contract_performance: contractPerformance,
  bidding,
  construction,
  environmental,
  energy_saving: energySaving,
  annual_assessment: annualAssessment,
  professional_qualification: professionalQualification,
};
