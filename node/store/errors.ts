/**
 * Database errors at the store boundary (STYLE.md §4): knex puts the whole SQL statement, values included, in
 * the message. Keep only the driver's code and its own short reason, for logs and operators.
 */
export function describeStoreError(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.message !== 'string') return undefined;
  const code = typeof e.code === 'string' ? e.code : '';
  const isDb = /^SQLITE_/.test(code) || /^[0-9A-Z]{5}$/.test(code) || / - /.test(e.message);
  if (!isDb) return undefined;
  const tail = e.message.includes(' - ') ? e.message.slice(e.message.lastIndexOf(' - ') + 3) : e.message;
  return `数据存储错误${code ? `（${code}）` : ''}：${tail.slice(0, 300)}`;
}
