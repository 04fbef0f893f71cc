/**
 * One XLSX cell as the string a clerk sees in Excel. Pure: no exceljs import, the reader passes the cell's value
 * and number format.
 */

/** Same rule as Excel and exceljs: a number format with date or time letters outside quotes and brackets. */
export function isDateFormat(numFmt: string | undefined): boolean {
  if (numFmt === undefined || numFmt === '') return false;
  const bare = numFmt.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, '');
  return /[ymdhMsb]/.test(bare);
}

/** Excel serial day number to a date; the 1904 system is used by some workbooks made on old Macs. */
export function excelSerialToDate(serial: number, date1904 = false): Date {
  return new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * `YYYY-MM-DD` from the UTC parts (exceljs builds dates at UTC midnight), with ` HH:mm:ss` only when the cell
 * carries a time of day, so a timestamp column is not silently cut to its date.
 */
export function formatDate(date: Date): string {
  const ms = Math.round(date.getTime() / 1000) * 1000;
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms);
  const day = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0) return day;
  return `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Excel shows at most 15 significant digits; the file may store 17 (0.30000000000000004). */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '';
  return String(Number(n.toPrecision(15)));
}

function field(value: object, key: string): unknown {
  return (value as Record<string, unknown>)[key];
}

export function cellText(value: unknown, numFmt?: string, date1904 = false): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    return isDateFormat(numFmt) && Number.isFinite(value) ? formatDate(excelSerialToDate(value, date1904)) : formatNumber(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return formatDate(value);
  if (typeof value === 'object') {
    const richText = field(value, 'richText');
    if (Array.isArray(richText)) {
      return richText.map((run: unknown) => (typeof run === 'object' && run !== null ? cellText(field(run, 'text')) : '')).join('');
    }
    // A formula cell is worth its last computed result (what Excel displays); the formula itself is not data.
    if ('formula' in value || 'sharedFormula' in value) return cellText(field(value, 'result'), numFmt, date1904);
    // Kept visible (#N/A, #REF! ...) so the row is rejected for a bad value instead of a missing one.
    if ('error' in value) return cellText(field(value, 'error'));
    if ('text' in value) return cellText(field(value, 'text'), numFmt, date1904);
  }
  return '';
}
