/**
 * When a subject may apply for credit repair (信用修复) of a published record (DOMAIN.md §5, measures in force
 * from 2026-04-01): a minor (轻微) record once the penalty is discharged, a general (一般) one 3 months after the
 * decision, a serious (严重) one a year after it. A record without a severity (a list entry, an abnormal
 * operation entry) follows the general rule.
 */
export const REPAIR_WAIT_MONTHS: Readonly<Record<string, number>> = { minor: 0, general: 3, serious: 12 };

/** The first day (YYYY-MM-DD) a repair application may be filed for a record decided on `decisionDate`. */
export function repairOpensOn(severity: string | null, decisionDate: string): string {
  const months = REPAIR_WAIT_MONTHS[severity ?? 'general'] ?? 3;
  const [y, m, d] = decisionDate.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  // The same day of the month, or the month's last day when it has fewer days (31 March + 3 months → 30 June).
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, last));
  return target.toISOString().slice(0, 10);
}
