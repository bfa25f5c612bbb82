/**
 * Byte-level readers for MySQL wire integers, strings and the generic
 * OK/EOF/ERR packets. They read only within the bounds they are given and
 * never throw.
 *
 * @module
 */

import type { MysqlResponse } from "./types.ts";
import { utf8Text } from "../common/text.ts";

/**
 * Cursor shared by the readers below so that they return plain numbers
 * without allocating: `pos` is where the next read starts (advanced by each
 * read), `cut` tells whether the last {@linkcode text} was shortened.
 */
export const rd = { pos: 0, cut: false };

/** Little-endian unsigned 16-bit integer at `i`. */
export function le16(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8);
}

/** Little-endian unsigned 24-bit integer at `i` (a packet length). */
export function le24(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
}

/** Little-endian unsigned 32-bit integer at `i`. */
export function le32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>>
    0;
}

/**
 * Length-encoded integer at `rd.pos`, which must end by `end`; advances
 * `rd.pos`. Returns -1 for 0xFB (NULL), 0xFF or a value running past `end`.
 * Eight-byte values above 2^53 lose precision.
 */
export function lenenc(b: Uint8Array, end: number): number {
  const i = rd.pos;
  if (i >= end) return -1;
  const c = b[i]!;
  if (c < 0xfb) {
    rd.pos = i + 1;
    return c;
  }
  const n = c === 0xfc ? 2 : c === 0xfd ? 3 : c === 0xfe ? 8 : 0;
  if (n === 0 || i + 1 + n > end) return -1;
  rd.pos = i + 1 + n;
  if (n === 2) return le16(b, i + 1);
  if (n === 3) return le24(b, i + 1);
  return le32(b, i + 1) + le32(b, i + 5) * 4294967296;
}

/** Size in bytes of the length-encoded integer starting with byte `c` (0 for invalid). */
export function lenencSize(c: number): number {
  return c < 0xfb ? 1 : c === 0xfc ? 3 : c === 0xfd ? 4 : c === 0xfe ? 9 : 0;
}

/**
 * `b[a, e)` decoded as UTF-8 (invalid bytes become U+FFFD), cut to at most
 * `max` bytes at a character boundary; sets `rd.cut` when cut.
 */
export function text(b: Uint8Array, a: number, e: number, max: number): string {
  rd.cut = e - a > max;
  if (rd.cut) {
    e = a + Math.max(0, max);
    // Never split a multi-byte sequence: back off over continuation bytes.
    while (e > a && (b[e]! & 0xc0) === 0x80) e--;
  }
  return utf8Text(b, a, e);
}

/** True when `c` may appear in SQL text or a name: printable, whitespace or UTF-8. */
export function isTextByte(c: number): boolean {
  return c >= 0x20 ? c !== 0x7f : c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * Parse an OK packet (header 0x00 or 0xFE) in `b[p, e)` into `r`, adding to
 * `affected_rows`. Returns its status flags, or -1 when it is malformed.
 * `sessionTrack` tells how the info string is encoded (-1: unknown).
 */
export function parseOk(
  b: Uint8Array,
  p: number,
  e: number,
  r: MysqlResponse,
  sessionTrack: number,
  max: number,
): number {
  rd.pos = p + 1;
  const affected = lenenc(b, e);
  const insertId = lenenc(b, e);
  if (affected < 0 || insertId < 0) return -1;
  let status = 0;
  r.affected_rows = (r.affected_rows ?? 0) + affected;
  r.last_insert_id = insertId;
  if (rd.pos + 4 <= e) {
    status = le16(b, rd.pos);
    r.warnings = le16(b, rd.pos + 2);
    rd.pos += 4;
  }
  const i = rd.pos;
  if (i < e && (status & 0x4000) === 0) {
    // With CLIENT_SESSION_TRACK the info is a length-encoded string, then
    // the session state. Without it the protocol documents the rest of the
    // packet, but MySQL and MariaDB servers write a length-encoded string
    // there too (net_store_data in net_send_ok), and libmysqlclient reads
    // one: take the length when it covers exactly the rest of the packet.
    // Unknown: prefer the length when it fits.
    const n = lenenc(b, e);
    const fits = n >= 0 && (sessionTrack === 0 ? rd.pos + n === e : rd.pos + n <= e);
    const info = fits ? text(b, rd.pos, rd.pos + n, max) : sessionTrack === 1 ? "" : text(b, i, e, max);
    if (info !== "") r.info = info;
  }
  return status;
}

/** Status flags of a 5-byte EOF packet in `b[p, e)`, setting `r.warnings`. */
export function parseEof(
  b: Uint8Array,
  p: number,
  e: number,
  r: MysqlResponse,
): number {
  if (p + 5 > e) return 0;
  r.warnings = le16(b, p + 1);
  return le16(b, p + 3);
}

/** Error code of the ERR packet in `b[p, e)` (0xFFFF: a MariaDB progress report). */
export function errCode(b: Uint8Array, p: number, e: number): number {
  return p + 3 <= e ? le16(b, p + 1) : 0;
}

/** Fill `r` from the ERR packet in `b[p, e)`; false when it is malformed. */
export function parseErr(
  b: Uint8Array,
  p: number,
  e: number,
  r: MysqlResponse,
  max: number,
): boolean {
  if (p + 3 > e) return false;
  r.status = "error";
  r.error_code = le16(b, p + 1);
  let i = p + 3;
  r.sql_state = "";
  if (i + 6 <= e && b[i] === 0x23) {
    r.sql_state = text(b, i + 1, i + 6, 5);
    i += 6;
  }
  r.error_message = text(b, i, e, max);
  return true;
}
