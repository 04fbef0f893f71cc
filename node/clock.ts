/** The injectable clock (DESIGN.md §2): deadlines and publicity windows are tested without sleeping. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** Calendar date in China Standard Time (UTC+8, no DST), as decision dates are written. */
export function chinaDate(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
