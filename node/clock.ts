/** The injectable clock (DESIGN.md §2): deadlines and publicity windows are tested without sleeping. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** China Standard Time is UTC+8 all year (no daylight saving): dates and times people read are counted in it. */
export const CHINA_OFFSET_MS = 8 * 3_600_000;

/** An instant as the wall-clock time in China, ISO-shaped without a zone: YYYY-MM-DDTHH:mm:ss.sss. */
export function chinaWallTime(at: Date | number): string {
  return new Date(+at + CHINA_OFFSET_MS).toISOString().slice(0, 23);
}

/** Calendar date in China Standard Time (UTC+8, no DST), as decision dates are written. */
export function chinaDate(d: Date): string {
  return chinaWallTime(d).slice(0, 10);
}
