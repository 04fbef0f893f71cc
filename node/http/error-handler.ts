import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { isCreditNodeError } from '../errors.ts';
import { describeStoreError } from '../store/errors.ts';

/**
 * The one place an error becomes a response: `{ error: { code, message, details } }`; unknown → 500. A server
 * error also gives the request id (`error.requestId`, as in the X-Request-Id header) for the operator to find
 * its log lines. `onError` sees every code answered (the errors counter of /metrics).
 */
export function errorHandler(log: Logger, onError?: (code: string) => void): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const rlog = req.log ?? log.child({ reqId: req.id });
    const send = (r: Response, status: number, code: string, message: string, details: unknown) => {
      onError?.(code);
      r.status(status).json({ error: { code, message, details, ...(status >= 500 && req.id ? { requestId: req.id } : {}) } });
    };
    if (isCreditNodeError(err)) {
      if (err.status >= 500) rlog.error({ err: { code: err.code, message: err.message } }, 'request failed');
      send(res, err.status, err.code, err.message, err.details ?? []);
      return;
    }
    const e = err as { type?: string; status?: number; expose?: boolean; message?: string };
    if (e.type === 'entity.too.large') {
      send(res, 413, 'PAYLOAD_TOO_LARGE', '请求内容过大', []);
      return;
    }
    if (e.type === 'entity.parse.failed') {
      send(res, 400, 'BAD_REQUEST', '请求体不是合法的 JSON', []);
      return;
    }
    // Never the raw error of a database: its message carries the statement and its values.
    const store = describeStoreError(err);
    rlog.error({ error: store ?? (err instanceof Error ? `${err.name}: ${err.message.slice(0, 300)}` : 'unknown') }, 'unexpected error');
    send(res, 500, 'INTERNAL', '服务器内部错误', []);
  };
}
