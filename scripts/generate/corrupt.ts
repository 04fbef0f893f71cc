import { headerKey } from '../../node/records/column-map.ts';
import { USCC_ALPHABET } from '../../node/identity/index.ts';
import type { SchemaRegistry } from '../../node/records/schema-registry.ts';
import { fromDay, toDay, type Random } from './random.ts';
import type { RecordJson } from './types.ts';

export type Corruption = 'checksum' | 'future' | 'amount' | 'missing';

/** Which data fields of a category can be spoilt: numbers, and required fields with a column of their own. */
export interface CorruptionPlan {
  numeric: readonly string[];
  required: readonly string[];
}

export function corruptionPlan(registry: SchemaRegistry, category: string): CorruptionPlan {
  const schema = registry.schema(category);
  const envelopeHeaders = new Set(Object.values(registry.meta(category).envelope).flatMap((aliases) => (aliases ?? []).map((a) => headerKey(a.label))));
  const numeric = Object.entries(schema.properties).filter(([, p]) => p.type === 'number' || p.type === 'integer').map(([f]) => f);
  // A required field whose column also feeds the envelope (证书编号) would be refilled from it on import.
  const required = schema.required.filter((f) => !envelopeHeaders.has(headerKey(schema.properties[f]?.['x-label'] ?? f)));
  return { numeric, required };
}

const NOT_NUMBERS = ['约2万', '叁仟元', '待定', '2,0O0', '见附件', '—'];
const ID_CHECKS = '10X98765432';

/** A different, hence wrong, check character (the last one) of a resident ID or a unified code. */
function breakCheck(code: string, person: boolean): string {
  const alphabet = person ? ID_CHECKS : USCC_ALPHABET;
  const i = alphabet.indexOf(code.charAt(code.length - 1));
  return code.slice(0, -1) + alphabet.charAt((i + 1) % alphabet.length);
}

/**
 * One deliberately bad row of the kinds bureau files carry: a wrong check character, a decision date in the
 * future, a number that is not one, or a required field left empty. Each of them must get the row rejected.
 */
export function corrupt(rec: RecordJson, rnd: Random, plan: CorruptionPlan): { record: RecordJson; kind: Corruption } {
  const out: RecordJson = { ...rec, subject: { ...rec.subject }, data: { ...rec.data } };
  let kind: Corruption = rnd.pick(['checksum', 'future', 'amount', 'missing'] as const);
  const numbers = plan.numeric.filter((f) => out.data[f] !== undefined);
  const required = plan.required.filter((f) => out.data[f] !== undefined);
  if (kind === 'amount' && numbers.length === 0) kind = 'missing';
  if (kind === 'missing' && required.length === 0) kind = 'checksum';
  switch (kind) {
    case 'checksum':
      out.subject.code = breakCheck(out.subject.code, out.subject.type === 'natural_person');
      // Where the code is also the external ID (registration), one national column carries both.
      if (rec.externalId === rec.subject.code) out.externalId = out.subject.code;
      break;
    case 'future':
      out.decisionDate = fromDay(toDay('2031-01-01') + rnd.int(0, 1800));
      break;
    case 'amount':
      out.data[rnd.pick(numbers)] = rnd.pick(NOT_NUMBERS);
      break;
    case 'missing':
      delete out.data[rnd.pick(required)];
      break;
  }
  return { record: out, kind };
}
