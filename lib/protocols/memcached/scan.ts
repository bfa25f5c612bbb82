/**
 * Finding where a memcached request or response starts, after a loss of
 * sync or on a connection first seen mid-stream. Only line starts are
 * candidates, and only whole lines: a known command word (lower-case, as
 * memcached requires) followed by a space or the line end; or a response
 * line that {@linkcode responseLine} accepts as a response start.
 *
 * @module
 */

import { CR, isLine, LF, MAX_LINE, text } from "./bytes.ts";
import { COMMANDS } from "./request.ts";
import { HEADER, header, REQ_MAGIC, RESP_MAGIC } from "./binary.ts";
import { Line, responseLine } from "./response.ts";

/** Longest command word (`cache_memlimit`). */
const LONGEST_WORD = 14;

/** a-z and `_`, the bytes of command words. */
function isWordByte(c: number): boolean {
  return (c >= 97 && c <= 122) || c === 95;
}

/** The line starting at `p`: its end (before CR LF) and the offset after it, or null when cut by the end of `buf`. */
function lineAt(buf: Uint8Array, p: number): { e: number; next: number } | null {
  const lf = buf.indexOf(LF, p);
  if (lf < 0 || lf - p > MAX_LINE) return null;
  return { e: lf > p && buf[lf - 1] === CR ? lf - 1 : lf, next: lf + 1 };
}

/** True when a request line starts at `p` and ends within `buf`. */
export function requestAt(buf: Uint8Array, p: number): boolean {
  let i = p;
  while (i < buf.length && i - p <= LONGEST_WORD && isWordByte(buf[i]!)) i++;
  if (i === p || i - p > LONGEST_WORD || i >= buf.length) return false;
  if (buf[i] !== 32 && buf[i] !== CR && buf[i] !== LF) return false;
  if (!COMMANDS.has(text(buf, p, i))) return false;
  const l = lineAt(buf, p);
  return l !== null && isLine(buf, p, l.e);
}

/** True when a response starts at `p` (its first line ends within `buf`). */
export function responseAt(buf: Uint8Array, p: number): boolean {
  const c = buf[p]!;
  if (c < 48 || c > 90) return false; // digits and upper-case letters only
  const l = lineAt(buf, p);
  if (l === null || !isLine(buf, p, l.e)) return false;
  const slot = { resp: null, multi: false };
  return responseLine(slot, text(buf, p, l.e), undefined) !== Line.Invalid;
}

/** Offset of the first line start at or after `from` where `at` accepts a message start, or -1. */
export function findStart(buf: Uint8Array, from: number, at: (buf: Uint8Array, p: number) => boolean): number {
  let p = from;
  // A candidate must start a line: skip to the next line start unless at the buffer's start.
  if (p > 0 && buf[p - 1] !== LF) {
    const lf = buf.indexOf(LF, p);
    p = lf < 0 ? -1 : lf + 1;
  }
  while (p >= 0 && p < buf.length) {
    if (at(buf, p)) return p;
    const lf = buf.indexOf(LF, p);
    p = lf < 0 ? -1 : lf + 1;
  }
  return -1;
}

/** Offset of the first binary packet header at or after `from` (a magic byte and sane lengths), or -1. */
export function findBinary(buf: Uint8Array, from: number, isReq: boolean): number {
  const magic = isReq ? REQ_MAGIC : RESP_MAGIC;
  for (let p = buf.indexOf(magic, from); p >= 0; p = buf.indexOf(magic, p + 1)) {
    if (buf.length - p < HEADER) return -1;
    if (header(buf.subarray(p), magic) !== null) return p;
  }
  return -1;
}
