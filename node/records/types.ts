import type { SubjectType } from '../identity/index.ts';

export type RecordStatus = 'active' | 'disputed' | 'corrected' | 'revoked' | 'withdrawn' | 'repaired';
export type Publicity = 'public' | 'shared' | 'restricted';
export type Severity = 'minor' | 'general' | 'serious';

/** The Record JSON of CONTRACT.md, as sent by clerks, imports and other nodes. */
export interface RecordInput {
  category: string;
  externalId: string;
  subject: { type: SubjectType; code: string; name: string };
  sourceUnit: { code: string; name: string };
  decisionDate: string;
  severity?: Severity;
  data: Record<string, unknown>;
}

/** The subject as stored: organisations by their code; natural persons by keyed hash and ciphertext. */
export interface StoredSubjectRef {
  type: SubjectType;
  name: string;
  /** USCC (organisations) or the keyed hash of the ID number (natural persons): the subject's lookup key. */
  key: string;
  code?: string;
  codeCipher?: string;
  codeMasked?: string;
  region?: string;
}

/** A record after validation and normalisation, ready to store. */
export interface PreparedRecord {
  index: number;
  input: RecordInput;
  subject: StoredSubjectRef;
  /** Normalised content without ciphertext: what decides "unchanged". */
  content: Record<string, unknown>;
  contentHash: string;
  publicity: Publicity;
  /** `data` as stored: personal ID numbers masked. */
  storedData: Record<string, unknown>;
  storedDataCanonical: string;
  /** Ciphertexts of the masked values, by path (e.g. `data.legalRepresentativeIdNumber`). */
  sealed: Record<string, string>;
}

export interface FieldProblem { path: string; message: string; code?: string }

export type IngestStatus = 'created' | 'updated' | 'unchanged' | 'rejected';

export interface IngestResult {
  index: number;
  status: IngestStatus;
  id?: string;
  version?: number;
  errors?: FieldProblem[];
}

/** A record as an officer sees it. */
export interface RecordView {
  id: string;
  category: string;
  externalId: string;
  subject: { type: SubjectType; code: string; name: string };
  sourceUnit: { code: string; name: string };
  decisionDate: string;
  severity: Severity | null;
  data: Record<string, unknown>;
  version: number;
  status: RecordStatus;
  publicity: Publicity;
  publishFrom: string | null;
  publishUntil: string | null;
  /** The publicity rule set applied (publicity/rules.ts), null for records stored before rules were applied. */
  publicityRule: string | null;
  /** When the withdrawal job saw the publicity window had ended (the record left public view); null otherwise. */
  withdrawnAt: string | null;
  origin: string;
  createdAt: string;
  updatedAt: string;
}
