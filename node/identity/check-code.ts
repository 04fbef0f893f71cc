/**
 * Tells a unified social credit code from a resident ID number and validates it: the logic behind
 * `credit-node check-code` (CONTRACT.md) and the subject-identifier fields of imported records.
 */

import type { SubjectType } from './authority.ts';
import { identityError } from './errors.ts';
import type { IdentityError } from './errors.ts';
import { normalizeCodeInput } from './normalize.ts';
import { validateResidentId } from './resident-id.ts';
import type { ResidentIdResult } from './resident-id.ts';
import { validateUscc } from './uscc.ts';
import type { UsccResult } from './uscc.ts';

export type CodeKind = 'uscc' | 'resident_id' | 'unknown';

export interface CheckCodeResult {
  code: string;
  valid: boolean;
  kind: CodeKind;
  subjectType: SubjectType | null;
  errors: IdentityError[];
  warnings?: IdentityError[];
}

export interface CheckCodeOptions {
  legacyCodes?: ReadonlySet<string>;
  today?: Date;
}

/** Digits with an optional final X: the shape of a resident ID, also possible for an all-digit USCC. */
const DIGITS_OPT_X = /^\d+X?$/;

/**
 * Loose shape of a birth date YYYYMMDD (year 18xx-20xx, month 0x/1x, day 0x-3x). It is a tie-breaker for
 * codes that are neither a valid ID nor a valid USCC, so an ID with month 13 still reads as an ID.
 */
function looksLikeBirthDate(s: string): boolean {
  return /^(18|19|20)\d{2}[01]\d[0-3]\d$/.test(s);
}

function fromResidentId(r: ResidentIdResult): CheckCodeResult {
  return { code: r.code, valid: r.valid, kind: 'resident_id', subjectType: 'natural_person', errors: r.errors };
}

function fromUscc(r: UsccResult): CheckCodeResult {
  const out: CheckCodeResult = {
    code: r.code,
    valid: r.valid,
    kind: 'uscc',
    subjectType: r.subjectType ?? null,
    errors: r.errors,
  };
  if (r.warnings.length > 0) out.warnings = r.warnings;
  return out;
}

function unknown(code: string): CheckCodeResult {
  return { code, valid: false, kind: 'unknown', subjectType: null, errors: [identityError('CODE_UNKNOWN')] };
}

/**
 * Decision order for 18 characters: any letter other than a final X makes it a USCC. Otherwise a valid
 * resident ID wins, then a valid USCC (an all-digit USCC is legal, e.g. 911522010783762860); when both fail,
 * positions 7-14 decide which report is the more useful one. 15 digits (or 14 and an X) are a legacy ID.
 * For any other length: a letter makes it a USCC candidate (USCC_LENGTH); digits whose positions 7-14 look
 * like a birth date make it a truncated or padded ID (ID_LENGTH); anything else is CODE_UNKNOWN.
 */
export function checkCode(input: string, opts: CheckCodeOptions = {}): CheckCodeResult {
  const code = normalizeCodeInput(input);
  const idOpts = opts.today === undefined ? {} : { today: opts.today };
  const usccOpts = opts.legacyCodes === undefined ? {} : { legacyCodes: opts.legacyCodes };

  if (code.length === 18 && DIGITS_OPT_X.test(code)) {
    const id = validateResidentId(code, idOpts);
    if (id.valid) return fromResidentId(id);
    const uscc = validateUscc(code, usccOpts);
    if (uscc.valid) return fromUscc(uscc);
    return looksLikeBirthDate(code.slice(6, 14)) ? fromResidentId(id) : fromUscc(uscc);
  }
  if (code.length === 15 && DIGITS_OPT_X.test(code)) return fromResidentId(validateResidentId(code, idOpts));
  if (code.length === 18) return fromUscc(validateUscc(code, usccOpts));

  if (/^[0-9A-Z]+$/.test(code) && !DIGITS_OPT_X.test(code)) return fromUscc(validateUscc(code, usccOpts));
  if (DIGITS_OPT_X.test(code) && looksLikeBirthDate(code.slice(6, 14))) {
    return fromResidentId(validateResidentId(code, idOpts));
  }
  return unknown(code);
}
