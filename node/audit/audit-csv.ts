import type { AuditEntry } from './audit-entry.ts';

/** Columns of the CSV export: Chinese label for the reader, English code for scripts. */
const COLUMNS: Array<[label: string, code: string, cell: (e: AuditEntry) => string]> = [
  ['序号', 'seq', (e) => String(e.seq)],
  ['时间', 'at', (e) => e.at],
  ['用户编号', 'user_id', (e) => (e.userId === null ? '' : String(e.userId))],
  ['用户名', 'username', (e) => e.username ?? ''],
  ['角色', 'role', (e) => e.role ?? ''],
  ['来源地址', 'ip', (e) => e.ip ?? ''],
  ['操作', 'action', (e) => e.action],
  ['主体', 'subject', (e) => e.subject ?? ''],
  ['对象', 'target', (e) => e.target ?? ''],
  ['记录数', 'count', (e) => String(e.count)],
  ['查询事由', 'purpose', (e) => e.purpose ?? ''],
  ['详情', 'detail', (e) => JSON.stringify(e.detail)],
  ['前一哈希', 'prev_hash', (e) => e.prevHash],
  ['哈希', 'hash', (e) => e.hash],
];

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled. A cell a
 * spreadsheet would run as a formula (= + - @, or a tab or carriage return before one) gets a leading
 * apostrophe first (OWASP CSV injection), so a username or purpose typed as "=HYPERLINK(...)" stays text.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvHeader(): string {
  return `${COLUMNS.map(([label, code]) => csvCell(`${label}(${code})`)).join(',')}\r\n`;
}

export function csvLine(e: AuditEntry): string {
  return `${COLUMNS.map(([, , cell]) => csvCell(cell(e))).join(',')}\r\n`;
}
