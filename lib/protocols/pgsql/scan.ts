/**
 * Recognisers for message starts, used to find where parsing can resume
 * after a loss of sync. A request start must be strict, since the tracker
 * resyncs a connection on it: beyond a known type byte and a sane length,
 * the content must have the message's structure (NUL-terminated text names
 * and SQL, exact lengths for short messages), and a message whole in the
 * buffer must be followed by another message type byte or the buffer's end.
 *
 * @module
 */

import { validUntagged } from "./frame.ts";
import { BACKEND, CANCEL_CODE, FRONTEND, GSS_CODE, i32, SSL_CODE, TEXT, u16, u32, validLength } from "./wire.ts";

/** A message starts here. */
const YES = 1;
/** No message starts here. */
const NO = 0;
/** Cannot tell before more bytes arrive. */
const MAYBE = -1;

/** Longest statement or portal name accepted. */
const MAX_NAME = 128;
/** SQL bytes checked before a request start is accepted. */
const SQL_CHECK = 256;
/** SQL bytes that must be present to accept a request not whole in the buffer. */
const SQL_MIN = 32;
/** Most columns a row can have (MaxTupleAttributeNumber). */
const MAX_COLUMNS = 1664;
/** Longest StartupMessage key or value accepted. */
const MAX_STARTUP_STRING = 4096;

const FRONT_START = new Uint8Array(256);
for (const c of "QPBESDCHXF") FRONT_START[c.charCodeAt(0)] = 1;
// CopyData/CopyDone cannot start an answer to a request seen after a resync.
const BACK_START = BACKEND.slice();
BACK_START[0x64] = BACK_START[0x63] = 0;

/**
 * Text bytes from `x` up to a NUL, within `limit` bytes and before `e`: the
 * NUL's offset; -1 on a non-text byte; -2 when `e` came first; -3 when
 * `limit` text bytes came first.
 */
function zText(b: Uint8Array, x: number, e: number, limit: number): number {
  const lim = Math.min(e, x + limit);
  for (let k = x; k < lim; k++) {
    const c = b[k]!;
    if (c === 0) return k;
    if (!TEXT[c]) return -1;
  }
  return lim === e ? -2 : -3;
}

/** SQL text at `x` in a message ending at `end`, bytes available up to `e`. */
function sqlText(b: Uint8Array, x: number, end: number, e: number): number {
  const z = zText(b, x, e, SQL_CHECK);
  if (z === -1) return -1;
  if (z === -3) return -3;
  if (z === -2) return e < end ? (e - x >= SQL_MIN ? -3 : -2) : -1;
  return z;
}

/** Name at `x`: its NUL's offset, -1 when it cannot be one, -2 when unsure. */
function nameAt(b: Uint8Array, x: number, end: number, e: number): number {
  const z = zText(b, x, e, MAX_NAME);
  if (z >= 0) return z < end ? z : -1;
  return z === -2 && e < end ? -2 : -1;
}

function unsure(n: number): number {
  return n === -2 ? MAYBE : NO;
}

/** Format codes (0 text, 1 binary) at `x`: the offset after them, or -1. */
function formats(b: Uint8Array, x: number, end: number): number {
  if (x < 0 || x + 2 > end) return -1;
  const n = u16(b, x);
  x += 2;
  if (x + 2 * n > end) return -1;
  for (let k = 0; k < n; k++, x += 2) if (u16(b, x) > 1) return -1;
  return x;
}

/** Count and length-prefixed values at `x`: the offset after them, or -1. */
function values(b: Uint8Array, x: number, end: number): number {
  if (x < 0 || x + 2 > end) return -1;
  const n = u16(b, x);
  x += 2;
  for (let k = 0; k < n; k++) {
    if (x + 4 > end) return -1;
    const l = i32(b, x);
    if (l < -1) return -1;
    x += 4 + Math.max(l, 0);
  }
  return x <= end ? x : -1;
}

/** The available start of a Bind's formats: each 0 or 1. */
function bindPrefix(b: Uint8Array, x: number, e: number): number {
  if (x + 2 > e) return MAYBE;
  const n = u16(b, x);
  for (let k = 0, at = x + 2; k < n && at + 2 <= e; k++, at += 2) if (u16(b, at) > 1) return NO;
  return YES;
}

/** Key/value strings of a StartupMessage in `[x, end)`, ending with an empty key. */
function startupParams(b: Uint8Array, x: number, end: number): number {
  while (x < end - 1) {
    const z = zText(b, x, end, MAX_STARTUP_STRING);
    if (z < 0) return NO;
    x = z + 1;
  }
  return x === end - 1 && b[x] === 0 ? YES : NO;
}

function requestContent(
  b: Uint8Array,
  tag: number,
  a: number,
  end: number,
  e: number,
): number {
  switch (tag) {
    case 0x53: // Sync, Flush, Terminate: the length is exact.
    case 0x48:
    case 0x58:
      return YES;
    case 0x51: { // Query: SQL and its NUL, the last byte
      if (e === end && b[end - 1] !== 0) return NO;
      const z = sqlText(b, a, end, e);
      return z === -3 ? YES : z === -2 ? MAYBE : z === end - 1 ? YES : NO;
    }
    case 0x50: { // Parse: name, SQL, parameter type OIDs
      const n = nameAt(b, a, end, e);
      if (n < 0) return unsure(n);
      const z = sqlText(b, n + 1, end, e);
      if (z < 0) return z === -3 ? YES : unsure(z);
      if (z + 3 > e) return e < end ? MAYBE : NO;
      return z + 3 + 4 * u16(b, z + 1) === end ? YES : NO;
    }
    case 0x42: { // Bind: portal, statement, formats, values, result formats
      const n = nameAt(b, a, end, e);
      if (n < 0) return unsure(n);
      const m = nameAt(b, n + 1, end, e);
      if (m < 0) return unsure(m);
      if (e < end) return bindPrefix(b, m + 1, e);
      return formats(b, values(b, formats(b, m + 1, end), end), end) === end ? YES : NO;
    }
    case 0x45: { // Execute: portal, row limit
      if (e < end) return MAYBE;
      const n = nameAt(b, a, end, e);
      return n >= 0 && n + 5 === end && i32(b, n + 1) >= 0 ? YES : NO;
    }
    case 0x44: // Describe, Close: 'S' or 'P', name
    case 0x43: {
      if (e < end) return MAYBE;
      if (b[a] !== 0x53 && b[a] !== 0x50) return NO;
      return nameAt(b, a + 1, end, e) === end - 1 ? YES : NO;
    }
    case 0x46: { // FunctionCall: OID, argument formats, arguments, result format
      if (e < end) {
        return e - a < 6 ? MAYBE : bindPrefix(b, a + 4, e);
      }
      const x = values(b, formats(b, a + 4, end), end);
      return x >= 0 && x + 2 === end && u16(b, x) <= 1 ? YES : NO;
    }
  }
  return NO;
}

/** Whether a frontend message starts at `i`: YES, NO or MAYBE. */
export function requestAt(b: Uint8Array, i: number): number {
  const len = b.length;
  const tag = b[i]!;
  if (tag === 0) {
    if (i + 8 > len) return MAYBE;
    const l = u32(b, i), code = u32(b, i + 4);
    if (!validUntagged(l, code)) return NO;
    if (code === SSL_CODE || code === GSS_CODE || code === CANCEL_CODE) {
      return YES;
    }
    if (i + l > len) return MAYBE;
    return startupParams(b, i + 8, i + l);
  }
  if (!FRONT_START[tag]) return NO;
  if (i + 5 > len) return MAYBE;
  const l = u32(b, i + 1);
  if (!validLength(0, tag, l)) return NO;
  const end = i + 1 + l;
  const r = requestContent(b, tag, i + 5, end, Math.min(end, len));
  if (r === YES && end < len && !FRONTEND[b[end]!]) return NO;
  return r;
}

/** Longest ParameterStatus, NotificationResponse, NegotiateProtocolVersion accepted. */
const MAX_SMALL = 65536;
/** Longest ErrorResponse or NoticeResponse accepted. */
const MAX_NOTICE = 1 << 20;
/** Longest field of a RowDescription: a name (NAMEDATALEN) and 18 bytes. */
const MAX_FIELD = 64 + 18;

/** Severity word of an ErrorResponse/NoticeResponse: the first field, 'S'. */
function severity(b: Uint8Array, a: number, l: number, e: number): number {
  if (b[a] !== 0x53) return NO;
  const z = zText(b, a + 1, e, 16);
  if (z === -2) return e < a + l - 4 ? MAYBE : NO;
  if (z <= a + 1) return NO;
  for (let k = a + 1; k < z; k++) if (b[k]! < 0x41 || b[k]! > 0x5a) return NO;
  return YES;
}

function responseContent(b: Uint8Array, tag: number, a: number, l: number, e: number): number {
  // Every check below reads at most the first 8 content bytes unless it checks.
  if (e - a < Math.min(l - 4, 8)) return MAYBE;
  const complete = e === a + l - 4;
  switch (tag) {
    case 0x5a: // ReadyForQuery: I, T or E
      return b[a] === 0x49 || b[a] === 0x54 || b[a] === 0x45 ? YES : NO;
    case 0x43: { // CommandComplete: an upper-case word and its NUL, the last byte
      const z = zText(b, a, e, 64);
      if (z === -2) return complete ? NO : MAYBE;
      return z === a + l - 5 && b[a]! >= 0x41 && b[a]! <= 0x5a ? YES : NO;
    }
    case 0x54: { // RowDescription: count, then 19 to MAX_FIELD bytes per field
      const n = u16(b, a);
      return n <= MAX_COLUMNS && l >= 6 + n * 19 && l <= 6 + n * MAX_FIELD ? YES : NO;
    }
    case 0x44: { // DataRow: count, then a length (-1: NULL) and bytes per column
      const n = u16(b, a);
      if (n > MAX_COLUMNS || l < 6 + 4 * n || (n === 0 && l !== 6)) return NO;
      return n === 0 || (i32(b, a + 2) >= -1 && 10 + Math.max(i32(b, a + 2), 0) <= l) ? YES : NO;
    }
    case 0x45: // ErrorResponse, NoticeResponse: severity first
    case 0x4e:
      return l <= MAX_NOTICE ? severity(b, a, l, e) : NO;
    case 0x53: { // ParameterStatus: name, value
      if (l > MAX_SMALL) return NO;
      const z = zText(b, a, e, MAX_NAME);
      if (z < 0) return z === -2 && !complete ? MAYBE : NO;
      const v = zText(b, z + 1, e, MAX_SMALL);
      return v === a + l - 5 || (v === -2 && !complete) ? YES : NO;
    }
    case 0x52: { // Authentication: a known code, with its length
      const code = u32(b, a);
      if (code === 5) return l === 12 ? YES : NO;
      if (code === 0 || code === 2 || code === 3 || code === 7 || code === 9) return l === 8 ? YES : NO;
      return (code === 8 || code >= 10 && code <= 12) && l <= MAX_SMALL ? YES : NO;
    }
    case 0x74: // ParameterDescription: count, OIDs
      return l === 6 + 4 * u16(b, a) ? YES : NO;
    case 0x47: // CopyIn/Out/BothResponse: format, count, formats
    case 0x48:
    case 0x57:
      return b[a]! <= 1 && l === 7 + 2 * u16(b, a + 1) ? YES : NO;
    case 0x4b: // BackendKeyData: process ID, key of 4 (3.0) to 256 (3.2) bytes
      return l <= 8 + 256 ? YES : NO;
    case 0x41: { // NotificationResponse: process ID, channel, payload
      if (l > MAX_SMALL) return NO;
      const z = zText(b, a + 4, e, MAX_NAME);
      return z >= 0 || (z === -2 && !complete) ? YES : NO;
    }
    case 0x56: { // FunctionCallResponse: a length (-1: NULL) and the value
      const n = i32(b, a);
      return n >= -1 && l === 8 + Math.max(n, 0) ? YES : NO;
    }
    case 0x76: // NegotiateProtocolVersion: minor version, option count, names
      return l <= MAX_SMALL && u32(b, a) <= 0xffff && u32(b, a + 4) <= 256 ? YES : NO;
  }
  // ParseComplete, BindComplete, CloseComplete, NoData, EmptyQueryResponse,
  // PortalSuspended: the length, already checked, is exact.
  return YES;
}

/** Whether a backend message starts at `i`: YES, NO or MAYBE. */
export function responseAt(b: Uint8Array, i: number): number {
  const len = b.length;
  const tag = b[i]!;
  if (!BACK_START[tag]) return NO;
  if (i + 5 > len) return MAYBE;
  const l = u32(b, i + 1);
  if (!validLength(1, tag, l)) return NO;
  const end = i + 1 + l;
  const r = responseContent(b, tag, i + 5, l, Math.min(end, len));
  if (r === YES && end < len && !BACKEND[b[end]!]) return NO;
  return r;
}

/** First offset at or after `from` where a frontend message starts, or -1. */
export function findRequestStart(b: Uint8Array, from: number): number {
  for (let i = from; i < b.length; i++) {
    const r = requestAt(b, i);
    if (r === YES) return i;
    if (r === MAYBE) return -1;
  }
  return -1;
}

/**
 * First offset at or after `from` where a backend message starts, or -1;
 * with `negotiating`, the one-byte answer to an SSL/GSS request at `from`.
 */
export function findResponseStart(
  b: Uint8Array,
  from: number,
  negotiating: boolean,
): number {
  if (negotiating && from < b.length) {
    const c = b[from];
    if (c === 0x4e || c === 0x53 || c === 0x47) return from;
  }
  for (let i = from; i < b.length; i++) {
    const r = responseAt(b, i);
    if (r === YES) return i;
    if (r === MAYBE) return -1;
  }
  return -1;
}
