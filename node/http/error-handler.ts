import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { isCreditNodeError } from '../errors.ts';
import { describeStoreError } from '../store/errors.ts';

/** The one place an error becomes a response: `{ error: { code, message, details } }`; unknown → 500. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (isCreditNodeError(err)) {
      if (err.status >= 500) log.error({ err: { code: err.code, message: err.message }, reqId: req.id }, 'request failed');
      res.status(err.status).json({ error: { code: err.code, message: err.message, details: err.details ?? [] } });
      return;
    }
    const e = err as { type?: string; status?: number; expose?: boolean; message?: string };
    if (e.type === 'entity.too.large') {
      res.status(413).json({ error: { code: 'PAYLOAD_TOO_LARGE', message: '请求内容过大', details: [] } });
      return;
    }
    if (e.type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'BAD_REQUEST', message: '请求体不是合法的 JSON', details: [] } });
      return;
    }
    // Never the raw error of a database: its message carries the statement and its values.
    const store = describeStoreError(err);
    log.error({ reqId: req.id, error: store ?? (err instanceof Error ? `${err.name}: ${err.message.slice(0, 300)}` : 'unknown') }, 'unexpected error');
    res.status(500).json({ error: { code: 'INTERNAL', message: '服务器内部错误', details: [] } });
  };
}
