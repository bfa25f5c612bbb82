/**
 * Folds high-cardinality URL paths into templates for `stat --group-by
 * http-path`, so `/users/123` and `/users/456` share one row.
 *
 * Rules, per `/`-separated segment, first match wins:
 *
 * | segment                                         | becomes   |
 * | ----------------------------------------------- | --------- |
 * | digits only (`123`)                             | `{id}`    |
 * | UUID, 8-4-4-4-12 hex (any case)                 | `{uuid}`  |
 * | `YYYY-MM-DD`, optionally followed by `T…`       | `{date}`  |
 * | `local@domain.tld` (also with `%40`)            | `{email}` |
 * | ≥ 16 hex digits (`0-9a-fA-F`)                   | `{hex}`   |
 * | ≥ 20 base64/base64url characters, mixing letters and digits, not a slug | `{token}` |
 *
 * A slug is a segment whose `-`/`_`/`.`-separated parts are each all letters
 * or all digits (`how-to-train-your-dragon-2`): it is words, kept as is. A
 * segment ending in `.` and at most 5 letters is a file name, never a token;
 * in it, an all-digit stem or a dot-part that is a UUID or long hex is
 * replaced (`123.jpg` → `{id}.jpg`, `app.3f2a…9c.js` → `app.{hex}.js`).
 * The query string and fragment are dropped; an absolute-form target
 * (`http://host/p`, sent to proxies) keeps only its path. Everything else is
 * kept, case included. Input beyond {@linkcode MAX_PATH_CHARS} is cut off.
 *
 * Hand-written character scans rather than regular expressions: one pass per
 * segment and no backtracking on hostile paths.
 *
 * @module
 */

/** Characters of a path considered; the rest is ignored. */
export const MAX_PATH_CHARS = 2048;

/** The template of a request target, e.g. `/users/{id}/orders`. */
export function templatePath(target: string): string {
  let end = Math.min(target.length, MAX_PATH_CHARS);
  const query = target.indexOf("?");
  if (query >= 0 && query < end) end = query;
  const fragment = target.indexOf("#");
  if (fragment >= 0 && fragment < end) end = fragment;
  let start = 0;
  if (target.charCodeAt(0) !== 0x2f) {
    // Absolute form: skip "scheme://authority" when present.
    const scheme = target.indexOf("://");
    if (scheme > 0 && scheme < end) {
      const slash = target.indexOf("/", scheme + 3);
      if (slash < 0 || slash >= end) return "/";
      start = slash;
    }
  }
  // Copy unchanged stretches in one slice: most segments are plain words,
  // and skipping them without allocating is what keeps this fast.
  let out = "";
  let copied = start;
  let segStart = start;
  let suspect = false;
  for (let i = start; i <= end; i++) {
    const c = i < end ? target.charCodeAt(i) : 0x2f;
    if (c !== 0x2f) {
      // Only digits, '@', '%' or length can make a segment change.
      if (c <= 0x40) suspect = true;
      continue;
    }
    if (suspect || i - segStart >= 16) {
      const seg = target.slice(segStart, i);
      const t = templateSegment(seg);
      if (t !== seg) {
        out += target.slice(copied, segStart) + t;
        copied = i;
      }
    }
    segStart = i + 1;
    suspect = false;
  }
  return copied === start ? target.slice(start, end) : out + target.slice(copied, end);
}

/** The template of one path segment (no `/` inside). */
export function templateSegment(seg: string): string {
  const whole = classify(seg);
  if (whole !== null) return whole;
  const dot = seg.indexOf(".");
  if (dot < 0) return seg;
  // A file name: template its parts, keep the extension words.
  const parts = seg.split(".");
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const t = i === 0 && isDigits(part) && parts.slice(1).every(isLetters)
      ? "{id}"
      : isUuid(part)
      ? "{uuid}"
      : isHex(part)
      ? "{hex}"
      : null;
    if (t !== null) {
      parts[i] = t;
      changed = true;
    }
  }
  return changed ? parts.join(".") : seg;
}

function classify(seg: string): string | null {
  if (seg.length === 0) return null;
  if (isDigits(seg)) return "{id}";
  if (isUuid(seg)) return "{uuid}";
  if (isDate(seg)) return "{date}";
  if (isEmail(seg)) return "{email}";
  if (isHex(seg)) return "{hex}";
  if (isToken(seg) && !isFileName(seg)) return "{token}";
  return null;
}

/** Ends in a short letters-only extension such as `.js` or `.html`. */
function isFileName(seg: string): boolean {
  const dot = seg.lastIndexOf(".");
  return dot > 0 && seg.length - dot - 1 <= 5 && isLetters(seg.slice(dot + 1));
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isLetter(c: number): boolean {
  return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    if (!isDigit(s.charCodeAt(i))) return false;
  }
  return true;
}

function isLetters(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    if (!isLetter(s.charCodeAt(i))) return false;
  }
  return true;
}

function isHex(s: string): boolean {
  if (s.length < 16) return false;
  for (let i = 0; i < s.length; i++) {
    if (!isHexDigit(s.charCodeAt(i))) return false;
  }
  return true;
}

function isUuid(s: string): boolean {
  if (s.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(i);
    const dash = i === 8 || i === 13 || i === 18 || i === 23;
    if (dash ? c !== 0x2d : !isHexDigit(c)) return false;
  }
  return true;
}

/** `YYYY-MM-DD`, alone or starting an ISO timestamp (`…T10:00:00Z`). */
function isDate(s: string): boolean {
  if (s.length < 10 || (s.length > 10 && s[10] !== "T" && s[10] !== "t")) {
    return false;
  }
  for (let i = 0; i < 10; i++) {
    const c = s.charCodeAt(i);
    if (i === 4 || i === 7 ? c !== 0x2d : !isDigit(c)) return false;
  }
  const month = +s.slice(5, 7);
  const day = +s.slice(8, 10);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** One `@` (or `%40`) with a non-empty local part and a dotted domain. */
function isEmail(s: string): boolean {
  let at = s.indexOf("@");
  let after = at + 1;
  if (at < 0) {
    at = s.indexOf("%40");
    after = at + 3;
  }
  if (at <= 0) return false;
  const domain = s.slice(after);
  const dot = domain.lastIndexOf(".");
  if (dot <= 0 || dot >= domain.length - 1) return false;
  for (let i = 0; i < domain.length; i++) {
    const c = domain.charCodeAt(i);
    if (!(isLetter(c) || isDigit(c) || c === 0x2d || c === 0x2e)) return false;
  }
  return true;
}

/**
 * A random-looking token: ≥ 20 characters of the base64/base64url alphabet
 * (plus `.` for JWTs), with letters and digits
 * mixed, and at least one separated part mixing both (so slugs stay words).
 */
function isToken(s: string): boolean {
  if (s.length < 20) return false;
  let letters = 0;
  let digits = 0;
  let partLetters = 0;
  let partDigits = 0;
  let mixedPart = false;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e;
    if (c === 0x2d || c === 0x5f || c === 0x2e) { // '-' '_' '.'
      if (partLetters > 0 && partDigits > 0) mixedPart = true;
      partLetters = partDigits = 0;
    } else if (isLetter(c)) {
      letters++;
      partLetters++;
    } else if (isDigit(c)) {
      digits++;
      partDigits++;
    } else if (c !== 0x2b && c !== 0x3d) { // '+' '='; '%' is left out
      // because percent-encoded words ("caf%C3%A9") would look random.
      return false;
    }
  }
  return letters > 0 && digits > 0 && mixedPart;
}
