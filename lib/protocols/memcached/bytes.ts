/**
 * Byte-level helpers of the memcached parser: line checks, tokens and
 * numbers as memcached's text protocol writes them.
 *
 * @module
 */
import { utf8Text } from "../common/text.ts";

/** Carriage return and line feed. */
export const CR = 13;
export const LF = 10;
export const SPACE = 32;

/**
 * Longest command or response line accepted. memcached itself takes
 * multi-key `get` lines of any length in pieces; longer ones here desync.
 */
export const MAX_LINE = 65536;

/** Largest data block accepted (memcached's item size limit is at most 1 GiB). */
export const MAX_BLOCK = 1 << 30;

/** UTF-8 text of `buf[a, e)` (invalid bytes replaced). */
export function text(buf: Uint8Array, a: number, e: number): string {
  return utf8Text(buf, a, e);
}

/**
 * True when `buf[a, e)` can be a protocol line: no control characters
 * (tabs included: memcached splits on spaces) and no DEL. Bytes ≥ 0x80 are
 * allowed (UTF-8 keys).
 */
export function isLine(buf: Uint8Array, a: number, e: number): boolean {
  for (let i = a; i < e; i++) {
    const c = buf[i]!;
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

/** The space-separated tokens of a line's text (runs of spaces are one separator). */
export function tokens(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && line.charCodeAt(i) === SPACE) i++;
    if (i >= n) break;
    const s = i;
    while (i < n && line.charCodeAt(i) !== SPACE) i++;
    out.push(line.slice(s, i));
  }
  return out;
}

/**
 * An unsigned decimal token as a number (a string when beyond 2^53), or
 * undefined when it is not one (empty, sign, other characters, over 20 digits).
 */
export function unsigned(tok: string | undefined): number | string | undefined {
  if (tok === undefined || tok.length === 0 || tok.length > 20) return undefined;
  for (let i = 0; i < tok.length; i++) {
    const c = tok.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const n = Number(tok);
  return Number.isSafeInteger(n) ? n : tok.replace(/^0+(?=\d)/, "");
}

/** A decimal token, optionally negative, within ±2^53, or undefined. */
export function integer(tok: string | undefined): number | undefined {
  if (tok === undefined) return undefined;
  const neg = tok.charCodeAt(0) === 45;
  const v = unsigned(neg ? tok.slice(1) : tok);
  if (typeof v !== "number") return undefined;
  return neg ? -v : v;
}

/** A data block length: an unsigned decimal up to {@linkcode MAX_BLOCK}, or -1. */
export function blockLength(tok: string | undefined): number {
  const v = unsigned(tok);
  return typeof v === "number" && v <= MAX_BLOCK ? v : -1;
}
