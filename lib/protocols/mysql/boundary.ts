/**
 * Recognisers for the start of a client command (to resume after a loss of
 * sync or on a connection first seen mid-stream) and of the response to the
 * oldest command waiting for one. They only look at bytes, never allocate,
 * and answer "need more bytes" by returning -1 from the scan, so that the
 * caller keeps the candidate.
 *
 * @module
 */

import {
  COM_CHANGE_USER,
  COM_FIELD_LIST,
  COM_QUERY,
  COM_STATISTICS,
  COM_STMT_FETCH,
  COM_STMT_PREPARE,
  HANDSHAKE,
  MAX_PACKET,
  type MysqlState,
} from "./types.ts";
import { isTextByte, le16, le24, le32, lenenc, rd } from "./wire.ts";
import { isHandshakeResponse } from "./command.ts";
import { greetingCaps, nextUnbound } from "./response.ts";

/** Text bytes checked for plausibility. */
const CHECK = 16;

/**
 * 1 when the `n` text bytes at `a` start plausibly (printable ASCII,
 * whitespace, well-formed UTF-8), 0 when more bytes are needed, -1 when not.
 */
function plausibleText(b: Uint8Array, a: number, n: number): number {
  const k = Math.min(n, CHECK);
  if (a + k > b.length) return 0;
  const end = a + k;
  for (let i = a; i < end;) {
    const c = b[i++]!;
    if (c < 0x80) {
      if (!isTextByte(c)) return -1;
      continue;
    }
    const more = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (more < 0) return -1;
    for (let m = 0; m < more && i < end; m++) if ((b[i++]! & 0xc0) !== 0x80) return -1;
  }
  return 1;
}

/** SQL text of a COM_QUERY, possibly after MySQL 8 query attributes. */
function queryText(b: Uint8Array, a: number, n: number): number {
  if (a >= b.length) return 0;
  const c = b[a]!;
  if (isTextByte(c)) return plausibleText(b, a, n);
  // Attributes: count (< 0xFB), parameter set count 1, then either the
  // text (no attributes) or the null bitmap and a new-params-bound flag 1.
  if (a + 2 > b.length) return 0;
  if (c >= 0xfb || b[a + 1] !== 1) return -1;
  if (c === 0) return n > 2 ? plausibleText(b, a + 2, n - 2) : -1;
  const flag = a + 2 + ((c + 7) >> 3);
  if (flag >= b.length) return 0;
  return b[flag] === 1 ? 1 : -1;
}

/** Is the packet at `p` (sequence 0) a plausible command? 1 / 0 (more bytes) / -1. */
function command(b: Uint8Array, p: number, len: number): number {
  const a = p + 5;
  const avail = b.length - p;
  switch (b[p + 4]) {
    case 0x01: // QUIT
    case 0x09: // STATISTICS
    case 0x0a: // PROCESS_INFO
    case 0x0d: // DEBUG
    case 0x0e: // PING
    case 0x1f: // RESET_CONNECTION
      return len === 1 ? 1 : -1;
    case 0x03: // QUERY
      return len >= 2 ? queryText(b, a, len - 1) : -1;
    case 0x16: // STMT_PREPARE
      return len >= 2 ? plausibleText(b, a, len - 1) : -1;
    case 0x02: // INIT_DB
    case 0x05: // CREATE_DB
    case 0x06: // DROP_DB
      return len >= 2 && len <= 257 ? plausibleText(b, a, len - 1) : -1;
    case 0x04: // FIELD_LIST: table name, NUL, wildcard
    case 0x11: // CHANGE_USER: user name, NUL, auth data, schema, NUL, ...
      if (len < 3 || len > 4096) return -1;
      return avail < 4 + len ? 0 : names(b, a, p + 4 + len, b[p + 4] === 0x11);
    case 0x17: // STMT_EXECUTE: id, flags, iteration count 1
      if (len < 10) return -1;
      if (avail < 14) return 0;
      return stmtId(b, a) && b[a + 4]! < 0x10 && le32(b, a + 5) <= 1 ? 1 : -1;
    case 0x19: // STMT_CLOSE
    case 0x1a: // STMT_RESET
    case 0x0c: // PROCESS_KILL
      return len === 5 ? 1 : -1;
    case 0x1c: // STMT_FETCH
      return len === 9 ? 1 : -1;
    case 0x18: // STMT_SEND_LONG_DATA: id, parameter number
    case 0xfa: // STMT_BULK_EXECUTE: id, flags
      if (len < 7) return -1;
      if (avail < 11) return 0;
      return stmtId(b, a) && b[a + 5]! < 0x10 ? 1 : -1;
    case 0x1b: // SET_OPTION
      if (len !== 3) return -1;
      if (avail < 7) return 0;
      return b[a]! <= 1 && b[a + 1] === 0 ? 1 : -1;
    case 0x07: // REFRESH
      return len === 2 ? 1 : -1;
    case 0x08: // SHUTDOWN
      return len <= 2 ? 1 : -1;
  }
  // Replication commands are not accepted: a false start would make the
  // connection opaque for good.
  return -1;
}

/** A statement id: below 2^24, or MariaDB's -1 (the last prepared). */
function stmtId(b: Uint8Array, a: number): boolean {
  return b[a + 3] === 0 || le32(b, a) === 0xffffffff;
}

/** Offset after a printable, NUL-terminated name at `i` (empty if `empty`), or -1. */
function cstr(b: Uint8Array, i: number, end: number, empty: boolean): number {
  const a = i;
  while (i < end && b[i] !== 0) if (!isTextByte(b[i++]!)) return -1;
  return i < end && (empty || i > a) ? i + 1 : -1;
}

/**
 * COM_FIELD_LIST (`table NUL wildcard`) or COM_CHANGE_USER (`user NUL
 * auth-length auth schema NUL ...`) whole in `b[a, end)`: 1 or -1.
 */
function names(b: Uint8Array, a: number, end: number, changeUser: boolean): number {
  let i = cstr(b, a, end, false);
  if (i < 0) return -1;
  if (!changeUser) {
    while (i < end) if (!isTextByte(b[i++]!)) return -1;
    return 1;
  }
  i += 1 + b[i]!;
  return i < end && cstr(b, i, end, true) > 0 ? 1 : -1;
}

/**
 * Bytes after a whole packet at `p` must start another packet: a command
 * (sequence 0) or the continuation of a 16 MiB packet.
 */
function followedWell(b: Uint8Array, p: number, len: number, seq: number): boolean {
  const q = p + 4 + len;
  if (q + 4 > b.length) return true;
  const s = b[q + 3]!;
  return len === MAX_PACKET ? s === ((seq + 1) & 255) : s === 0;
}

/**
 * {@linkcode Parser.findBoundary} for the request stream: the first command
 * packet (sequence 0, a known command with a plausible length and body) or
 * handshake response at or after `from`; -1 when none, or when a candidate
 * needs more bytes.
 */
export function findRequestStart(b: Uint8Array, from: number): number {
  for (let p = Math.max(0, from); p + 4 <= b.length; p++) {
    const seq = b[p + 3];
    if (seq !== 0 && seq !== 1) continue;
    const len = le24(b, p);
    if (len === 0) continue;
    let r: number;
    if (seq === 1) r = isHandshakeResponse(b, p, b.length - p);
    else r = b.length - p < 5 ? 0 : command(b, p, len);
    if (r === 0) return -1;
    if (r === 1 && followedWell(b, p, len, seq)) return p;
  }
  return -1;
}

/** Could the packet at `p` begin the response to command `cmd`? 1 / 0 / -1. */
function responseStart(b: Uint8Array, p: number, len: number, cmd: number): number {
  const a = p + 4;
  const c = b[a]!;
  const avail = b.length - a;
  if (c === 0xff) {
    // ERR: code, '#', five-character SQLSTATE.
    if (len < 9) return -1;
    if (avail < 9) return 0;
    if (le16(b, a + 1) < 1000 || b[a + 3] !== 0x23) return -1;
    return plausibleText(b, a + 4, 5);
  }
  const terminator = c === 0xfe && (len === 5 || (len >= 7 && len < MAX_PACKET));
  if (cmd === HANDSHAKE || cmd === COM_CHANGE_USER) {
    return c === 0x01 || c === 0xfe ? 1 : c === 0 ? ok(b, a, len) : -1;
  }
  if (cmd === COM_STMT_PREPARE) {
    if (c !== 0 || len < 12 || len > 13) return -1;
    return avail < 12 ? 0 : b[a + 9] === 0 ? 1 : -1;
  }
  if (cmd === COM_STATISTICS) return plausibleText(b, a, len);
  if (cmd === COM_FIELD_LIST) {
    if (terminator) return 1;
    return c === 0x03 ? plausibleText(b, a + 1, 3) : -1;
  }
  if (cmd === COM_STMT_FETCH) return c === 0 || terminator ? 1 : -1;
  if (c === 0) return ok(b, a, len);
  if (terminator) return 1;
  if (c === 0xfb) {
    return cmd === COM_QUERY && len > 1 ? plausibleText(b, a + 1, len - 1) : -1;
  }
  // A column count, then a column definition ("def").
  const size = c < 0xfb ? 1 : c === 0xfc ? 3 : -1;
  if (size < 0 || (len !== size && len !== size + 1)) return -1;
  if (avail < len) return 0;
  rd.pos = a;
  const n = lenenc(b, a + len);
  const meta = len > size ? b[a + size]! : 1;
  if (n < 1 || meta > 1) return -1;
  const next = a + len;
  if (next + 5 > b.length) return 1;
  return b[next + 4] === 0x03 || meta === 0 ? 1 : -1;
}

/** An OK packet of `len` bytes at `a`: two length-encoded integers, status, warnings. */
function ok(b: Uint8Array, a: number, len: number): number {
  if (len < 7) return -1;
  const e = a + Math.min(len, 64);
  if (e > b.length) return 0;
  rd.pos = a + 1;
  if (lenenc(b, e) < 0 || lenenc(b, e) < 0) return -1;
  return rd.pos + 4 <= a + len ? 1 : -1;
}

/**
 * {@linkcode Parser.findBoundary} for the response stream: the first packet
 * that can begin the response to the oldest command waiting for one (its
 * sequence id follows the command's last packet, its type fits the command,
 * the packet after it continues it or starts another response), or a
 * server greeting when no command waits. Server writes start at packet
 * boundaries, so candidates are only looked for along the chain of packet
 * headers from `from`: a byte scan would find "starts" in row data.
 */
export function findResponseStart(
  state: MysqlState,
  b: Uint8Array,
  from: number,
): number {
  const e = nextUnbound(state);
  const want = e === null ? 0 : (e.lastSeq + 1) & 255;
  for (let p = Math.max(0, from); p + 4 <= b.length; p += 4 + le24(b, p)) {
    const len = le24(b, p);
    if (b[p + 3] !== want || len === 0 || len >= MAX_PACKET) continue;
    if (p + 5 > b.length) return -1;
    let r: number;
    if (e === null) {
      const end = p + 4 + Math.min(len, 256);
      r = b[p + 4] !== 0x0a ? -1 : end > b.length ? 0 : greetingCaps(b, p + 4, end) >= 0 ? 1 : -1;
    } else r = responseStart(b, p, len, e.cmd);
    if (r === 0) return -1;
    if (r < 0) continue;
    const q = p + 4 + len;
    if (q + 4 > b.length) return p;
    const s = b[q + 3];
    if (s === ((want + 1) & 255) || s === 1) return p;
  }
  return -1;
}
