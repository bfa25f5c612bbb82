/**
 * Helpers of the SQL normalizer ({@linkcode ./sql_normalize.ts}). The
 * `skip*` functions each skip one kind of token and return the index after
 * it: linear scans with no regular expressions, where an unterminated token
 * runs to the end of the input (statements are cut at --max-body-bytes).
 * The last three inspect output pieces for the list collapsing.
 *
 * @module
 */

// Character codes as plain literals: V8 folds these, where a `const enum`
// (emitted as an object by Deno's transpiler) cost a load on every test.
export const TAB = 9, CR = 13, SPACE = 32, QUOTE = 34, HASH = 35, DOLLAR = 36;
export const APOS = 39, LPAREN = 40, RPAREN = 41, STAR = 42, COMMA = 44, MINUS = 45;
export const DOT = 46, SLASH = 47, QUESTION = 63, LBRACKET = 91, BACKSLASH = 92;
export const RBRACKET = 93, UNDERSCORE = 95, BACKTICK = 96;

/** `0`-`9`. */
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Identifier characters; non-ASCII counts, as both servers allow it. */
export function isWordChar(c: number): boolean {
  return ((c | 0x20) >= 97 && (c | 0x20) <= 122) || isDigit(c) ||
    c === UNDERSCORE || c === DOLLAR || c >= 0x80;
}

/** `s[start, end)` can prefix a string: N X B E, or `_charset` (MySQL). */
export function isStringPrefix(s: string, start: number, end: number): boolean {
  const c = s.charCodeAt(start) | 0x20;
  if (end - start === 1) return c === 110 || c === 120 || c === 98 || c === 101;
  return s.charCodeAt(start) === UNDERSCORE;
}

/** Index after a string whose opening quote is before `i`. */
export function skipString(s: string, i: number, escapes: boolean): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH && escapes) i += 2;
    else if (c === APOS) {
      if (s.charCodeAt(i + 1) !== APOS) return i + 1;
      i += 2;
    } else i++;
  }
  return n;
}

/** Index after a quoted identifier (`""` / ``` `` ``` doubling). */
export function skipQuoted(s: string, i: number, quote: number): number {
  const n = s.length;
  while (i < n) {
    if (s.charCodeAt(i) === quote) {
      if (s.charCodeAt(i + 1) !== quote) return i + 1;
      i++;
    }
    i++;
  }
  return n;
}

/** Index after a block comment whose `/*` is before `i`. */
export function skipBlockComment(s: string, i: number, nested: boolean): number {
  let depth = 1;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === STAR && s.charCodeAt(i + 1) === SLASH) {
      i += 2;
      if (--depth === 0) return i;
    } else if (nested && c === SLASH && s.charCodeAt(i + 1) === STAR) {
      depth++;
      i += 2;
    } else i++;
  }
  return n;
}

/** Index after the identifier characters from `i`. */
export function skipWord(s: string, i: number): number {
  while (i < s.length && isWordChar(s.charCodeAt(i))) i++;
  return i;
}

/** Index after a number starting at `i` (a digit or `.digit`). */
export function skipNumber(s: string, i: number): number {
  const n = s.length;
  const x = s.charCodeAt(i + 1) | 0x20;
  if (s.charCodeAt(i) === 48 && (x === 120 || x === 98)) { // 0x / 0b
    const digit = x === 120 ? isHex : (c: number) => c === 48 || c === 49;
    let j = i + 2;
    while (j < n && digit(s.charCodeAt(j))) j++;
    if (j > i + 2) return j;
  }
  while (i < n && (isDigit(s.charCodeAt(i)) || isDigitSep(s, i))) i++;
  if (s.charCodeAt(i) === DOT) {
    i++;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
  }
  if ((s.charCodeAt(i) | 0x20) === 101) { // exponent
    let j = i + 1;
    const sign = s.charCodeAt(j);
    if (sign === 43 || sign === MINUS) j++;
    if (isDigit(s.charCodeAt(j))) {
      while (j < n && isDigit(s.charCodeAt(j))) j++;
      i = j;
    }
  }
  return i;
}

/** PostgreSQL 16 allows `1_000_000`. */
function isDigitSep(s: string, i: number): boolean {
  return s.charCodeAt(i) === UNDERSCORE && isDigit(s.charCodeAt(i + 1)) &&
    isDigit(s.charCodeAt(i - 1));
}

function isHex(c: number): boolean {
  return isDigit(c) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);
}

/**
 * Index after a `$1` parameter or a PostgreSQL dollar-quoted string at `i`;
 * `i + 1` for a lone `$` (an operator character).
 */
export function dollar(s: string, i: number): number {
  let j = i + 1;
  if (isDigit(s.charCodeAt(j))) {
    while (isDigit(s.charCodeAt(j))) j++;
    return j;
  }
  while (
    j < s.length && isWordChar(s.charCodeAt(j)) &&
    s.charCodeAt(j) !== DOLLAR
  ) j++;
  if (s.charCodeAt(j) !== DOLLAR) return i + 1;
  const tag = s.slice(i, j + 1);
  const end = s.indexOf(tag, j + 1);
  return end < 0 ? s.length : end + tag.length;
}

/** `out[from, to)` is `?` separated by commas and spaces, at least one. */
export function onlyPlaceholders(out: string[], from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const t = out[i];
    if (t !== "?" && t !== "," && t !== " ") return false;
  }
  return true;
}

/** `out[from, to)` is exactly `,` or `, `. */
export function separatedByComma(out: string[], from: number, to: number): boolean {
  return (to - from === 1 && out[from] === ",") ||
    (to - from === 2 && out[from] === "," && out[from + 1] === " ");
}

/**
 * `out[a, a + len)` equals `out[b, b + len)`. Only same-length groups are
 * compared, with an early exit, so nesting like `(), ((), ((), …))` cannot
 * turn quadratic.
 */
export function sameTokens(out: string[], a: number, b: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (out[a + i] !== out[b + i]) return false;
  return true;
}
