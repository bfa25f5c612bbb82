/**
 * Byte-level helpers shared by the Redis decoder, request builder and
 * boundary scanner: RESP type bytes, limits, number parsing, text decoding
 * and the keyword codes that pub/sub pairing needs. Nothing here allocates
 * except the strings it returns.
 *
 * @module
 */
import { utf8Text } from "../common/text.ts";

/** Line feed. */
export const LF = 10;
/** Carriage return. */
export const CR = 13;

/** RESP type bytes. */
export const enum T {
  Simple = 43, // +
  Error = 45, // -
  Integer = 58, // :
  Bulk = 36, // $
  Array = 42, // *
  Null = 95, // _
  Boolean = 35, // #
  Double = 44, // ,
  BigNumber = 40, // (
  BulkError = 33, // !
  Verbatim = 61, // =
  Map = 37, // %
  Set = 126, // ~
  Attribute = 124, // |
  Push = 62, // >
}

/** Longest bulk string accepted (Redis' default proto-max-bulk-len). */
export const MAX_BULK = 512 * 1024 * 1024;
/** Largest aggregate count accepted (Redis rejects counts above INT_MAX). */
export const MAX_COUNT = 2147483647;
/** Deepest aggregate nesting accepted. */
export const MAX_DEPTH = 64;
/** Elements kept per array, set or push (entries per map, arguments per command). */
export const MAX_ITEMS = 64;
/** Values kept per reply, whatever its shape. */
export const MAX_NODES = 1024;
/** Longest line (inline command, simple string, length) accepted. */
export const MAX_LINE = 64 * 1024;
/** Bytes always kept of command words and of a reply's first element. */
export const HEAD = 32;

/** `buf[a, e)` decoded as UTF-8, non-fatally (bad bytes become U+FFFD). */
export function text(buf: Uint8Array, a: number, e: number): string {
  return utf8Text(buf, a, e);
}

/** `buf[a, e)` with ASCII letters upper-cased, other bytes as Latin-1. */
export function upper(buf: Uint8Array, a: number, e: number): string {
  let s = "";
  for (let i = a; i < e; i++) {
    const c = buf[i]!;
    s += String.fromCharCode(c >= 97 && c <= 122 ? c - 32 : c);
  }
  return s;
}

/**
 * The decimal number in `buf[a, e)`: an optional `-` (and `+` when
 * `plus`), then 1 to 19 digits. NaN when malformed.
 */
export function parseNum(
  buf: Uint8Array,
  a: number,
  e: number,
  plus: boolean,
): number {
  let i = a;
  const neg = buf[i] === 45;
  if (neg || (plus && buf[i] === 43)) i++;
  if (i >= e || e - i > 19) return NaN;
  let n = 0;
  for (; i < e; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

/** True when `buf[a, e)` is `[+-]?digits`. */
export function isBigNumber(buf: Uint8Array, a: number, e: number): boolean {
  if (a < e && (buf[a] === 45 || buf[a] === 43)) a++;
  if (a >= e) return false;
  for (let i = a; i < e; i++) {
    if (buf[i]! < 48 || buf[i]! > 57) return false;
  }
  return true;
}

const DOUBLE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A RESP3 double line's value; `"inf"`, `"-inf"`, `"nan"` stay strings; undefined when malformed. */
export function parseDouble(
  buf: Uint8Array,
  a: number,
  e: number,
): number | string | undefined {
  if (e - a > 64 || e === a) return undefined;
  const s = text(buf, a, e).toLowerCase();
  if (s === "inf" || s === "+inf") return "inf";
  if (s === "-inf") return s;
  if (s === "nan" || s === "-nan") return "nan";
  return DOUBLE.test(s) ? Number(s) : undefined;
}

/** Keyword codes of pub/sub replies' first element (0: none). */
export const enum Kw {
  None = 0,
  Message = 1,
  PMessage = 2,
  SMessage = 3,
  Subscribe = 4,
  PSubscribe = 5,
  SSubscribe = 6,
  Unsubscribe = 7,
  PUnsubscribe = 8,
  SUnsubscribe = 9,
}

const KEYWORDS = [
  "message",
  "pmessage",
  "smessage",
  "subscribe",
  "psubscribe",
  "ssubscribe",
  "unsubscribe",
  "punsubscribe",
  "sunsubscribe",
].map((w) => new TextEncoder().encode(w));

/** The keyword code of the `n`-byte string at `buf[a]` (exact, lower case). */
export function keyword(buf: Uint8Array, a: number, n: number): Kw {
  if (n < 7 || n > 12) return Kw.None;
  for (let k = 0; k < KEYWORDS.length; k++) {
    const w = KEYWORDS[k]!;
    if (w.length !== n) continue;
    let i = 0;
    while (i < n && buf[a + i] === w[i]) i++;
    if (i === n) return (k + 1) as Kw;
  }
  return Kw.None;
}

/** True for the keywords of (un)subscribe confirmations. */
export function isConfirmKw(kw: Kw): boolean {
  return kw >= Kw.Subscribe;
}

/** True for the keywords of published messages. */
export function isMessageKw(kw: Kw): boolean {
  return kw >= Kw.Message && kw <= Kw.SMessage;
}
