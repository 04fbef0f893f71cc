import { pino, type Logger } from 'pino';

/** Keys whose values never reach a log line: in a logged object itself or one level down. */
const SECRET_KEYS: ReadonlySet<string> = new Set(['password', 'token', 'authorization', 'secret']);
const CENSOR = '[redacted]';

/** A copy of `value` (its prototype and every own property, an Error's message and stack too) with `key` censored. */
function censored(value: object, key: string): object {
  const copy = Object.defineProperties(Object.create(Object.getPrototypeOf(value) as object | null) as object, Object.getOwnPropertyDescriptors(value));
  Object.defineProperty(copy, key, { value: CENSOR, enumerable: true, writable: true, configurable: true });
  return copy;
}

/**
 * The logged object with every secret replaced by "[redacted]": a key named password, token, authorization or
 * secret in the object itself or in an object one level down. The caller's objects are never changed;
 * a copy is made only where a secret is. Done here rather than with pino's `redact` paths, which cost a clone and
 * a parse of every path for every property of every line, strings and numbers included (several kilobytes of
 * garbage per access line).
 */
export function censorSecrets(obj: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(obj)) {
    if (SECRET_KEYS.has(key)) {
      (out ??= { ...obj })[key] = CENSOR;
      continue;
    }
    const value = obj[key];
    // An array's or a buffer's own properties are its elements: no secret's name among them.
    if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) continue;
    let inner: object = value;
    for (const name of Object.getOwnPropertyNames(value)) if (SECRET_KEYS.has(name)) inner = censored(inner, name);
    if (inner !== value) (out ??= { ...obj })[key] = inner;
  }
  return out ?? obj;
}

/** JSON-line logs on stderr with the node id (DESIGN.md §2). Secrets are censored should one ever be passed. */
export function createLogger(nodeId: string, level = 'info', destination: pino.DestinationStream = pino.destination(2)): Logger {
  const logger = pino(
    {
      level,
      base: { node: nodeId },
      formatters: { log: censorSecrets, bindings: censorSecrets },
    },
    destination,
  );
  // pino gives a child's bindings to no formatter: they are censored on their way in. A child is made from its
  // parent's prototype chain, so children of children come through here too.
  const pinoChild = logger.child;
  logger.child = function (this: Logger, bindings: Record<string, unknown>, options?: object) {
    return pinoChild.call(this, censorSecrets(bindings), options);
  } as unknown as Logger['child'];
  return logger;
}
