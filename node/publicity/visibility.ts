import { chinaDate } from '../clock.ts';

/**
 * What the public may see of a stored record (DESIGN.md §6): a record whose publicity is 社会公开 ('public'),
 * still standing (status active, disputed — shown with its 异议处理中 mark — or corrected), inside its publicity window on `today` (publish_from .. publish_until, both
 * inclusive, a missing end meaning no end while the record stands). Everything else (政务共享, 授权查询, withdrawn,
 * revoked, outside its window) never leaves through the portal or the public API.
 */
export interface VisibilityFields {
  publicity: string;
  status: string;
  publish_from: string | null;
  publish_until: string | null;
}

/** YYYY-MM-DD of an instant in China Standard Time (UTC+8), the day publicity windows are counted in. */
export function chinaDay(at: Date): string {
  return chinaDate(at);
}

/**
 * Statuses of a record that stands: revoked, withdrawn and repaired records are not shown to the public. The
 * partial index records_subject_public (migration 202611271500) is built on this list: a change needs a
 * migration that builds it again with the new list.
 */
export const STANDING_STATUSES: readonly string[] = ['active', 'disputed', 'corrected'];

export function isPubliclyVisible(r: VisibilityFields, today: string): boolean {
  return r.publicity === 'public' && STANDING_STATUSES.includes(r.status)
    && (r.publish_from === null || r.publish_from <= today)
    && (r.publish_until === null || r.publish_until >= today);
}

/**
 * The same rule as a SQL condition on the records table under `alias`, with its bindings (parameterised; the
 * text is the same for SQLite and PostgreSQL).
 */
export function publicRecordCondition(alias: string, today: string): { sql: string; bindings: string[] } {
  const a = `${alias}.`;
  return {
    sql: `${a}"publicity" = 'public' and ${a}"status" in (${STANDING_STATUSES.map((x) => `'${x}'`).join(', ')}) and (${a}"publish_from" is null or ${a}"publish_from" <= ?) and (${a}"publish_until" is null or ${a}"publish_until" >= ?)`,
    bindings: [today, today],
  };
}
