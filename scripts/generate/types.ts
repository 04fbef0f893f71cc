import type { RecordInput, Severity } from '../../node/records/types.ts';
import type { SubjectType } from '../../node/identity/index.ts';

export type { SubjectType, Severity };
export type DataValue = string | number | boolean | string[];

/** A record in the Record JSON form of CONTRACT.md (POST /api/v1/records, JSONL import), as generated. */
export type RecordJson = RecordInput & { data: Record<string, DataValue> };
