/**
 * Input clean-up shared by the USCC and resident-ID checks. Codes arrive typed by hand, pasted from Word/Excel
 * or from forms filled in with a Chinese input method, so full-width characters (ＡＢＣ１２３, U+3000 space,
 * －) and grouping spaces or dashes are common.
 */

const FULL_WIDTH_START = 0xff01;
const FULL_WIDTH_END = 0xff5e;
const FULL_WIDTH_OFFSET = 0xfee0;

/** Removable separators: any whitespace (covers U+3000 and NBSP), ASCII hyphen, Unicode dashes and minus. */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212]/gu;

export function toHalfWidth(input: string): string {
  let out = '';
  for (const ch of input) {
    const cp = ch.codePointAt(0) ?? 0;
    out += cp >= FULL_WIDTH_START && cp <= FULL_WIDTH_END ? String.fromCodePoint(cp - FULL_WIDTH_OFFSET) : ch;
  }
  return out;
}

/** Full-width to half-width, separators stripped, upper-cased. */
export function normalizeCodeInput(input: string): string {
  return toHalfWidth(input).replace(SEPARATORS, '').toUpperCase();
}
