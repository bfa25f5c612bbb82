/**
 * Byte-level scanning for HTTP/1.x: start-line recognisers, used both to
 * reject non-HTTP bytes early and to find the next message start after a
 * loss of sync, and the incremental search for the end of a header section.
 * All but {@linkcode latin1} look at bytes only and never allocate.
 *
 * @module
 */

import type { StreamState } from "./types.ts";

const LF = 10;
const CR = 13;
const SP = 32;
const HT = 9;
const H = 72;
const DEL = 127;
const HTTP1 = [72, 84, 84, 80, 47, 49, 46]; // "HTTP/1."

/** Longest method token accepted, in bytes. */
export const MAX_METHOD = 32;
/** Longest reason phrase findBoundary accepts, in bytes. */
export const MAX_REASON = 1024;

/** 1 for bytes that are RFC 9110 `tchar`s. */
export const TCHAR: Uint8Array = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 48; c < 58; c++) TCHAR[c] = 1;
for (let c = 65; c < 91; c++) TCHAR[c] = TCHAR[c + 32] = 1;

/** Value of each hex digit byte, -1 for other bytes. */
export const HEX: Int8Array = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) HEX[65 + c] = HEX[97 + c] = 10 + c;

/** Longest header (or trailer) section accepted, in bytes. */
export const MAX_HEAD_BYTES = 65536;
/** Most header (or trailer) fields accepted in one section. */
export const MAX_HEADERS = 256;
/**
 * Only this much of an incomplete start line is checked, so a slow trickle
 * of a long request-target costs O(1) per call instead of a rescan.
 */
export const PREFIX_CHECK = 64;

/**
 * Match `HTTP/1.0` or `HTTP/1.1` at `i` within `[i, e)`: the offset after it,
 * -2 when `[i, e)` is a proper prefix of one, -1 when it cannot be.
 */
function version(buf: Uint8Array, i: number, e: number): number {
  for (let k = 0; k < 7; k++, i++) {
    if (i >= e) return -2;
    if (buf[i] !== HTTP1[k]) return -1;
  }
  if (i >= e) return -2;
  return buf[i] === 48 || buf[i] === 49 ? i + 1 : -1;
}

/** True when `[i, e)` is empty or a lone CR (the end of a line). */
function lineEnd(buf: Uint8Array, i: number, e: number): boolean {
  return i === e || (i === e - 1 && buf[i] === CR);
}

/**
 * Check a request line in `buf[s, e)`. With `complete`, `e` is the offset of
 * its LF: returns 1 when valid, else -1. Without, the line continues past
 * `e`: returns 0 while `[s, e)` can still begin a valid line, else -1.
 */
export function checkRequestLine(
  buf: Uint8Array,
  s: number,
  e: number,
  complete: boolean,
): number {
  const more = complete ? -1 : 0;
  let i = s;
  while (i < e && TCHAR[buf[i]!] === 1) i++;
  if (i - s > MAX_METHOD) return -1;
  if (i === e) return more;
  if (i === s || buf[i] !== SP) return -1;
  const t = ++i;
  while (i < e && buf[i]! > SP && buf[i] !== DEL) i++;
  if (i === e) return more;
  if (i === t || buf[i] !== SP) return -1;
  const v = version(buf, i + 1, e);
  if (v === -2) return more;
  if (v < 0 || !lineEnd(buf, v, e)) return -1;
  return complete ? 1 : 0;
}

/** Same as {@linkcode checkRequestLine} for a status line. */
export function checkStatusLine(
  buf: Uint8Array,
  s: number,
  e: number,
  complete: boolean,
): number {
  const more = complete ? -1 : 0;
  const v = version(buf, s, e);
  if (v === -2) return more;
  if (v < 0) return -1;
  for (let k = 0; k < 4; k++) {
    const c = buf[v + k];
    if (v + k >= e) return more;
    if (k === 0 ? c !== SP : c! < 48 || c! > 57) return -1;
  }
  const i = v + 4;
  if (lineEnd(buf, i, e)) return complete ? 1 : 0;
  if (buf[i] !== SP) return -1;
  for (let j = i + 1; j < e; j++) {
    const c = buf[j]!;
    if ((c < SP && c !== HT && !(c === CR && j === e - 1)) || c === DEL) {
      return -1;
    }
  }
  return complete ? 1 : 0;
}

function isMethodByte(c: number): boolean {
  return (c >= 65 && c <= 90) || c === 45 || c === 95;
}

/**
 * Offset of the first complete `METHOD target HTTP/1.x` line at or after
 * `from` whose method is upper case, or -1. Anchors on the `H` of the
 * version with a native indexOf and looks backwards from there.
 */
export function findRequestStart(buf: Uint8Array, from: number): number {
  const len = buf.length;
  for (let p = from; p < len;) {
    const h = buf.indexOf(H, p);
    if (h < 0) return -1;
    p = h + 1;
    if (h < from + 4 || buf[h - 1] !== SP) continue;
    const v = version(buf, h, len);
    if (v === -2) return -1;
    if (v < 0) continue;
    if (v >= len || (buf[v] === CR && v + 1 >= len)) return -1;
    if (buf[v] !== LF && !(buf[v] === CR && buf[v + 1] === LF)) continue;
    let i = h - 2;
    while (i >= from && buf[i]! > SP && buf[i] !== DEL) i--;
    if (i < from || i === h - 2 || buf[i] !== SP) continue;
    let m = i;
    while (m > from && isMethodByte(buf[m - 1]!)) m--;
    // A method cut by `from` would be a false start ("ET /" inside "GET /").
    if (m === from && m > 0 && TCHAR[buf[m - 1]!] === 1) continue;
    while (m < i && (buf[m]! < 65 || buf[m]! > 90)) m++;
    if (m < i && i - m <= MAX_METHOD) return m;
  }
  return -1;
}

/**
 * Offset of the first complete `HTTP/1.x NNN reason` line at or after
 * `from`, or -1.
 */
export function findResponseStart(buf: Uint8Array, from: number): number {
  const len = buf.length;
  // The next LF at or after the last place searched: each byte is searched
  // once however many candidates share a line.
  let lf = -1;
  for (let p = from; p < len;) {
    const h = buf.indexOf(H, p);
    if (h < 0) return -1;
    p = h + 1;
    if (lf < h) lf = buf.indexOf(LF, h) >>> 0; // none: beyond any h
    if (lf >= len) {
      // No line ends after here, so no later candidate is complete either.
      if (checkStatusLine(buf, h, len, false) === 0) return -1;
      continue;
    }
    if (lf - h <= 13 + MAX_REASON && checkStatusLine(buf, h, lf, true) === 1) {
      return h;
    }
  }
  return -1;
}

/**
 * Find the end of a head (`kind` 1 request, 2 response) or trailer section
 * (`kind` 0) starting at `base`: the offset just past its empty line, 0 when
 * more bytes are needed, -1 when it is invalid or too large. Progress is
 * kept in `st` because after a 0 the caller comes back with the same bytes
 * at `base` and more after them: each byte is scanned once however the
 * section is split.
 */
export function scanSection(
  st: StreamState,
  buf: Uint8Array,
  base: number,
  kind: 0 | 1 | 2,
): number {
  const len = buf.length;
  let i = base + st.scanPos;
  let pos = base + st.scanLine;
  let lines = st.scanLines;
  if (i > len) (i = pos = base), (lines = 0);
  if (kind !== 0 && lines === 0) {
    // The start line is checked apart: a call inside the loop below would
    // keep V8 from compiling it tightly, and it dominates small messages.
    while (i < len && buf[i] !== LF) i++;
    const e = i < len ? i : Math.min(len, base + PREFIX_CHECK);
    const ok = kind === 1 ? checkRequestLine(buf, base, e, i < len) : checkStatusLine(buf, base, e, i < len);
    if (ok < 0 || i - base >= MAX_HEAD_BYTES) return -1;
    if (i < len) (lines = 1), (pos = ++i);
  }
  // Bounded by buf.length, not by the size limit, so that V8 drops the
  // bounds checks.
  for (; i < len; i++) {
    if (buf[i] !== LF) continue;
    if (i - base >= MAX_HEAD_BYTES) return -1;
    if (i - pos < 2 && (i === pos || buf[pos] === CR)) {
      st.scanPos = st.scanLine = st.scanLines = 0;
      return i + 1;
    }
    if (++lines > MAX_HEADERS + (kind === 0 ? 0 : 1)) return -1;
    pos = i + 1;
  }
  if (len - base >= MAX_HEAD_BYTES) return -1;
  st.scanPos = len - base;
  st.scanLine = pos - base;
  st.scanLines = lines;
  return 0;
}
