/**
 * Byte-level helpers for the PostgreSQL v3 wire format: big-endian integers,
 * NUL-terminated strings and the decoding of the few values that get
 * printed. Nothing here allocates except the strings returned.
 *
 * @module
 */
import { utf8Text } from "../common/text.ts";

/** Largest message length accepted (the server's own limit is 1 GiB). */
export const MAX_LEN = 1 << 30;
/** Longest StartupMessage the server accepts (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP = 10000;
/** SSLRequest code. */
export const SSL_CODE = 80877103;
/** GSSENCRequest code. */
export const GSS_CODE = 80877104;
/** CancelRequest code. */
export const CANCEL_CODE = 80877102;

/** Unsigned 32-bit big-endian integer at `i` (caller checks bounds). */
export function u32(b: Uint8Array, i: number): number {
  return (b[i]! * 0x1000000) +
    ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
}

/** Signed 32-bit big-endian integer at `i` (caller checks bounds). */
export function i32(b: Uint8Array, i: number): number {
  return (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
}

/** Unsigned 16-bit big-endian integer at `i` (caller checks bounds). */
export function u16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

/** Offset of the first NUL in `b[i, end)`, or -1. */
export function nul(b: Uint8Array, i: number, end: number): number {
  const at = b.subarray(i, end).indexOf(0);
  return at < 0 ? -1 : i + at;
}

/**
 * Cut `[a, b)` to at most `max` bytes without splitting a UTF-8 sequence:
 * the new end.
 */
export function cutEnd(
  buf: Uint8Array,
  a: number,
  b: number,
  max: number,
): number {
  if (b - a <= max) return b;
  let e = a + max;
  // Back off continuation bytes so that the cut falls between characters.
  for (let k = 0; k < 3 && e > a && (buf[e]! & 0xc0) === 0x80; k++) e--;
  return e;
}

/** `buf[a, b)` decoded as UTF-8 (invalid sequences become U+FFFD). */
export function text(buf: Uint8Array, a: number, b: number): string {
  return utf8Text(buf, a, b);
}

const HEX_DIGITS = "0123456789abcdef";

/** `buf[a, b)` as `\x`-prefixed lower-case hex, the way bytea prints. */
export function hex(buf: Uint8Array, a: number, b: number): string {
  let s = "\\x";
  for (let i = a; i < b; i++) {
    const v = buf[i]!;
    s += HEX_DIGITS[v >> 4]! + HEX_DIGITS[v & 15]!;
  }
  return s;
}

/** 1 for frontend (client) message type bytes. */
export const FRONTEND: Uint8Array = new Uint8Array(256);
for (const c of "QPBEDCSHXFdcfp") FRONTEND[c.charCodeAt(0)] = 1;

/** 1 for backend (server) message type bytes. */
export const BACKEND: Uint8Array = new Uint8Array(256);
for (const c of "RKSZTDCENI123tnsAGHWdcVv") BACKEND[c.charCodeAt(0)] = 1;

/**
 * Smallest length field each message type can have (-1: any ≥ 4), and for
 * bodiless messages the only one. Index 0 is the frontend, 1 the backend.
 */
export const MIN_LEN: readonly Int32Array[] = [
  new Int32Array(256),
  new Int32Array(256),
];
/** 1 where the length in MIN_LEN is the only valid one. */
export const EXACT_LEN: readonly Uint8Array[] = [
  new Uint8Array(256),
  new Uint8Array(256),
];

function lengths(side: number, spec: string): void {
  for (const item of spec.split(" ")) {
    const tag = item.charCodeAt(0);
    const exact = item[1] === "=";
    MIN_LEN[side]![tag] = Number(item.slice(exact ? 2 : 1));
    if (exact) EXACT_LEN[side]![tag] = 1;
  }
}
lengths(0, "Q5 P8 B12 E9 D6 C6 S=4 H=4 X=4 F14 d4 c=4 f5 p4");
lengths(
  1,
  "R8 K12 S6 Z=5 T6 D6 C5 E5 N5 I=4 1=4 2=4 3=4 t6 n=4 s=4 A10 G7 H7 W7 d4 c=4 V8 v12",
);

/** Whether `len` is a valid length field for message type `tag`. */
export function validLength(side: number, tag: number, len: number): boolean {
  if (len < 4 || len > MAX_LEN) return false;
  return EXACT_LEN[side]![tag] ? len === MIN_LEN[side]![tag] : len >= MIN_LEN[side]![tag]!;
}

/** 1 for bytes that may appear in SQL or names: printable, UTF-8, whitespace. */
export const TEXT: Uint8Array = new Uint8Array(256);
for (let c = 32; c < 256; c++) TEXT[c] = c === 127 ? 0 : 1;
TEXT[9] =
  TEXT[10] =
  TEXT[11] =
  TEXT[12] =
  TEXT[13] =
    1;

/**
 * Whether `b[i, e)` is a run of TEXT bytes ending in a NUL, no longer than
 * `max`: the offset just past the NUL; -2 when it runs to `e` without a NUL
 * (and `e - i <= max`); -1 when it cannot be such a string.
 */
export function textZ(
  b: Uint8Array,
  i: number,
  e: number,
  max: number,
): number {
  const lim = Math.min(e, i + max + 1);
  for (let k = i; k < lim; k++) {
    const c = b[k]!;
    if (c === 0) return k + 1;
    if (!TEXT[c]) return -1;
  }
  return lim === e ? -2 : -1;
}
