import { pino, type Logger } from 'pino';

/** JSON-line logs on stderr with the node id (DESIGN.md §2). Secrets are redacted should one ever be passed. */
export function createLogger(nodeId: string, level = 'info'): Logger {
  return pino(
    {
      level,
      base: { node: nodeId },
      redact: { paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'secret', '*.secret'], censor: '[redacted]' },
    },
    pino.destination(2),
  );
}
