import type { EventKind } from './event-log.ts';

/** What a parent needs to decide which children an event goes down to; derived from the body, not hashed. */
export interface Routing { region: string | null; category: string | null; target: string | null }

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/**
 * Records route by the region their subject is registered in (from the body, or the USCC's registration
 * authority division) and by category; tickets by the node they are addressed to, objections also like their
 * record.
 */
export function routingOf(kind: EventKind | string, body: unknown): Routing {
  const b = (body ?? {}) as Record<string, unknown>;
  if (kind === 'record') {
    const subject = (b['subject'] ?? {}) as Record<string, unknown>;
    let region = str(subject['region']);
    const code = str(subject['code']);
    if (!region && code && /^[0-9A-Z]{2}\d{6}/.test(code)) region = code.slice(2, 8);
    return { region, category: str(b['category']), target: null };
  }
  // An objection also goes wherever its record goes (by the record's category), so the record's 异议处理中
  // mark reaches every portal showing it; other tickets only travel towards the node they are addressed to.
  if (kind === 'ticket') {
    const type = str(b['type']);
    return { region: str(b['region']), category: type === 'objection' ? str(b['recordCategory']) ?? type : type, target: str(b['to']) };
  }
  return { region: null, category: null, target: null };
}

/** The prefix that selects a division and everything below it: 370000 → 37, 370100 → 3701, 370102 → 370102. */
export function regionPrefix(region: string): string {
  if (region.endsWith('0000')) return region.slice(0, 2);
  if (region.endsWith('00')) return region.slice(0, 4);
  return region;
}
