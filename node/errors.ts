/**
 * The one error model of the node (DESIGN.md §2): every error the node raises on purpose carries a stable
 * `code`, an HTTP status and typed details. The express error handler is the only place one becomes a response.
 */

export interface ErrorDetail {
  path?: string;
  message: string;
  [key: string]: unknown;
}

export class CreditNodeError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: ErrorDetail[] | Record<string, unknown> | undefined;

  constructor(code: string, status: number, message: string, details?: ErrorDetail[] | Record<string, unknown>) {
    super(message);
    this.name = 'CreditNodeError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

type ErrorClass = new (message?: string, details?: ErrorDetail[] | Record<string, unknown>) => CreditNodeError;

/** Every error code the node documents, with its status and default Chinese message. */
export const ERROR_CODES: Record<string, { status: number; message: string }> = {};

function define(code: string, status: number, message: string): ErrorClass {
  ERROR_CODES[code] = { status, message };
  return class extends CreditNodeError {
    constructor(msg?: string, details?: ErrorDetail[] | Record<string, unknown>) {
      super(code, status, msg ?? message, details);
    }
  };
}

export const BadRequest = define('BAD_REQUEST', 400, '请求格式错误');
export const Unauthorized = define('UNAUTHORIZED', 401, '未登录或凭证无效');
export const Forbidden = define('FORBIDDEN', 403, '无权访问该资源');
export const NotFound = define('NOT_FOUND', 404, '未找到');
export const Conflict = define('CONFLICT', 409, '数据冲突');
export const PayloadTooLarge = define('PAYLOAD_TOO_LARGE', 413, '请求内容过大');
export const RecordInvalid = define('RECORD_INVALID', 422, '信用记录校验未通过');
export const RateLimited = define('RATE_LIMITED', 429, '请求过于频繁，请稍后再试');
export const ConfigInvalid = define('CONFIG_INVALID', 500, '节点配置文件有误');
export const StoreError = define('STORE_ERROR', 500, '数据存储错误');
export const ChainBroken = define('CHAIN_BROKEN', 500, '事件哈希链校验失败');
export const ImportFileUnreadable = define('IMPORT_FILE_UNREADABLE', 400, '导入文件无法读取');
export const UsageError = define('USAGE', 2, '命令用法错误');
export const NodeTokenInvalid = define('NODE_TOKEN_INVALID', 401, '节点凭证无效或已过期');
export const NodeTokenReplayed = define('NODE_TOKEN_REPLAYED', 401, '节点凭证已被使用过（疑似重放）');
export const NodeUnknown = define('NODE_UNKNOWN', 403, '未登记的节点');
export const NodeRevoked = define('NODE_REVOKED', 403, '节点已被撤销');
export const NotAChild = define('NOT_A_CHILD', 403, '调用方不是本节点的下级节点');
export const OriginNotAllowed = define('ORIGIN_NOT_ALLOWED', 403, '批次含有调用方无权转发的来源节点事件');
export const EventTampered = define('EVENT_TAMPERED', 422, '事件内容与哈希链不一致（疑似被篡改）');
export const HeadSignatureInvalid = define('HEAD_SIGNATURE_INVALID', 422, '链头签名无效');
export const BatchInvalid = define('BATCH_INVALID', 400, '交换批次格式错误');
export const SyncGap = define('SYNC_GAP', 409, '事件序号不连续，请从期望的序号重发');
export const ChainUnconfirmed = define('CHAIN_UNCONFIRMED', 409, '本节点由备份恢复，须先与上级节点核对事件链后才能写入');
export const BatchTooLarge = define('BATCH_TOO_LARGE', 413, '交换批次超过上限，请减半后重发');
export const PeerUnreachable = define('PEER_UNREACHABLE', 503, '无法连接上级节点');
export const PeerRefused = define('PEER_REFUSED', 502, '上级节点拒绝了请求');

/**
 * By shape as well as by class: a module loaded twice (a lazily imported reader under a loader, a worker) has
 * its own copy of the class, and its errors must still be recognised.
 */
export function isCreditNodeError(err: unknown): err is CreditNodeError {
  if (err instanceof CreditNodeError) return true;
  const e = err as { name?: unknown; code?: unknown; status?: unknown } | null;
  return err instanceof Error && e?.name === 'CreditNodeError' && typeof e.code === 'string' && typeof e.status === 'number';
}
export const PurposeRequired = define('PURPOSE_REQUIRED', 400, '查询自然人信息须填写查询事由');
export const AuditRewritten = define('AUDIT_REWRITTEN', 422, '下级节点的审计日志被改写');
export const ClientCredentialsInvalid = define('CLIENT_CREDENTIALS_INVALID', 401, '机构编号或密钥错误');
export const ClientTokenInvalid = define('CLIENT_TOKEN_INVALID', 401, '缺少访问令牌，或令牌无效、已过期，请重新申请令牌');
export const ClientSuspended = define('CLIENT_SUSPENDED', 403, '该机构的接入已暂停');
export const ClientRevoked = define('CLIENT_REVOKED', 403, '该机构的接入已撤销');
export const ClientExpired = define('CLIENT_EXPIRED', 403, '该机构的接入已过有效期');
export const OutOfScope = define('OUT_OF_SCOPE', 403, '所请求的数据超出该机构获准使用的范围');
export const AuthorisationRequired = define('AUTHORISATION_REQUIRED', 403, '查询该信息须出示信息主体有效的授权');
export const QuotaExceeded = define('QUOTA_EXCEEDED', 429, '该机构本月调用次数已用完');
export const ClientRateLimited = define('CLIENT_RATE_LIMITED', 429, '该机构调用过于频繁，请稍后再试');
