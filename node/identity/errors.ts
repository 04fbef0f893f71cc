/**
 * Error codes of the identity checks. Each code is stable (it appears in `credit-node check-code` output, import
 * reject reports and API responses); the message is the default Chinese text shown to people.
 */

export interface IdentityError {
  code: string;
  message: string;
}

export const IDENTITY_ERROR_MESSAGES = {
  USCC_LENGTH: '统一社会信用代码长度应为18位',
  USCC_ALPHABET: '统一社会信用代码含有不允许的字符（不使用I、O、Z、S、V）',
  USCC_AUTHORITY: '统一社会信用代码的登记管理部门代码或机构类别代码无效',
  USCC_REGION: '统一社会信用代码的登记管理机关行政区划码无效',
  USCC_ORG_CHECK: '统一社会信用代码中组织机构代码的校验码错误',
  USCC_CHECKSUM: '统一社会信用代码校验位错误',
  USCC_LEGACY: '统一社会信用代码校验不符，但属于登记在册的早期试点代码，按例外接受',
  ID_LENGTH: '公民身份号码长度应为18位（旧版为15位）',
  ID_FORMAT: '公民身份号码格式错误（应为数字，18位号码末位可为X）',
  ID_REGION: '公民身份号码的地址码无效',
  ID_BIRTHDATE: '公民身份号码的出生日期无效',
  ID_CHECKSUM: '公民身份号码校验码错误',
  CODE_UNKNOWN: '无法识别的代码：既不是统一社会信用代码，也不是公民身份号码',
} as const satisfies Record<string, string>;

export type IdentityErrorCode = keyof typeof IDENTITY_ERROR_MESSAGES;

/** Builds an error; `detail` (e.g. the offending characters) is appended to the default message. */
export function identityError(code: IdentityErrorCode, detail?: string): IdentityError {
  const base = IDENTITY_ERROR_MESSAGES[code];
  return { code, message: detail === undefined ? base : `${base}：${detail}` };
}
