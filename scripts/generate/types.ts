export type SubjectType = 'legal_person' | 'non_enterprise' | 'natural_person';
export type Severity = 'minor' | 'general' | 'serious';
export type DataValue = string | number | boolean | string[];

/** A record in the Record JSON form of CONTRACT.md (POST /api/v1/records, JSONL import). */
export interface RecordJson {
  category: string;
  externalId: string;
  subject: { type: SubjectType; code: string; name: string };
  sourceUnit: { code: string; name: string };
  decisionDate: string;
  severity?: Severity;
  data: Record<string, DataValue>;
}
