/**
 * Decoding of COM_STMT_EXECUTE parameters (the binary protocol): null
 * bitmap, optional types, then each value by its type. The parameter count
 * comes from the statement's COM_STMT_PREPARE response; for statements
 * prepared before the capture it is inferred as the count whose layout
 * consumes the payload exactly.
 *
 * @module
 */

import type { ParamValue, Stmt } from "./types.ts";
import { le16, le32, lenenc, rd, text } from "./wire.ts";

/** Placeholder for a parameter sent with COM_STMT_SEND_LONG_DATA. */
export const LONG_DATA = "<long data>";

/** Largest parameter count tried when inferring an unknown statement's. */
const MAX_INFER = 256;
/** Flag of MySQL 8's execute: a parameter count is present. */
const PARAMETER_COUNT_AVAILABLE = 0x08;

const scratch = new DataView(new ArrayBuffer(8));

/** Result of decoding one execute payload. */
export interface Decoded {
  params: ParamValue[];
  /** Types (2 bytes each) in effect, to remember for later executes. */
  types: Uint8Array;
  /** A value was cut or values are missing. */
  truncated: boolean;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, "0");
}

function signed64(b: Uint8Array, i: number, unsigned: boolean): ParamValue {
  const lo = le32(b, i);
  const hi = unsigned ? le32(b, i + 4) : le32(b, i + 4) | 0;
  const v = hi * 4294967296 + lo;
  if (Number.isSafeInteger(v)) return v;
  return ((BigInt(hi) << 32n) + BigInt(lo)).toString();
}

function finite(v: number): ParamValue {
  return Number.isFinite(v) ? v : String(v);
}

/** Date/time value of type `t` whose length byte is at `p`; -1 in rd.pos when it does not fit. */
function temporal(b: Uint8Array, p: number, end: number, t: number): string {
  const n = b[p]!;
  rd.pos = p + 1 + n;
  if (rd.pos > end) return "";
  const q = p + 1;
  if (t === 0x0b) {
    if (n !== 0 && n !== 8 && n !== 12) rd.pos = -1;
    if (n < 8) return "00:00:00";
    const h = le32(b, q + 1) * 24 + b[q + 5]!;
    const us = n === 12 ? "." + pad(le32(b, q + 8), 6) : "";
    return `${b[q] ? "-" : ""}${pad(h, 2)}:${pad(b[q + 6]!, 2)}:${pad(b[q + 7]!, 2)}${us}`;
  }
  if (n !== 0 && n !== 4 && n !== 7 && n !== 11) rd.pos = -1;
  const date = n >= 4 ? `${pad(le16(b, q), 4)}-${pad(b[q + 2]!, 2)}-${pad(b[q + 3]!, 2)}` : "0000-00-00";
  if (t === 0x0a) return date;
  const time = n >= 7 ? `${pad(b[q + 4]!, 2)}:${pad(b[q + 5]!, 2)}:${pad(b[q + 6]!, 2)}` : "00:00:00";
  return n === 11 ? `${date} ${time}.${pad(le32(b, q + 7), 6)}` : `${date} ${time}`;
}

function fail(): null {
  rd.pos = -1;
  return null;
}

/**
 * One value of type byte `t` at `p`; sets `rd.pos` past it, or to -1 when
 * the type is unknown or the value runs past `end`.
 */
function value(
  b: Uint8Array,
  p: number,
  end: number,
  t: number,
  unsigned: boolean,
  max: number,
): ParamValue {
  const fixed = t === 0x01
    ? 1
    : t === 0x02 || t === 0x0d
    ? 2
    : t === 0x03 || t === 0x09 || t === 0x04
    ? 4
    : t === 0x08 || t === 0x05
    ? 8
    : t === 0x06
    ? 0
    : -1;
  if (fixed >= 0) {
    rd.pos = p + fixed > end ? -1 : p + fixed;
    if (rd.pos < 0) return null;
    switch (t) {
      case 0x01:
        return unsigned ? b[p]! : (b[p]! << 24) >> 24;
      case 0x02:
      case 0x0d:
        return unsigned ? le16(b, p) : (le16(b, p) << 16) >> 16;
      case 0x03:
      case 0x09:
        return unsigned ? le32(b, p) : le32(b, p) | 0;
      case 0x08:
        return signed64(b, p, unsigned);
      case 0x04:
        scratch.setUint32(0, le32(b, p), true);
        return finite(Number(scratch.getFloat32(0, true).toPrecision(7)));
      case 0x05:
        scratch.setUint32(0, le32(b, p), true);
        scratch.setUint32(4, le32(b, p + 4), true);
        return finite(scratch.getFloat64(0, true));
    }
    return null;
  }
  if (t === 0x07 || t === 0x0a || t === 0x0b || t === 0x0c) {
    if (p >= end) return fail();
    const s = temporal(b, p, end, t);
    if (rd.pos > end) rd.pos = -1;
    return s;
  }
  if (t <= 0x00 || (t > 0x10 && t < 0xf5)) return fail();
  rd.pos = p;
  const n = lenenc(b, end);
  if (n < 0) return fail();
  const a = rd.pos;
  const s = text(b, a, Math.min(end, a + n), max);
  // A string running past `end` is cut: the caller sees rd.pos > end.
  rd.pos = a + n;
  return s;
}

/**
 * Decode the parameters of execute payload `b` (command byte included)
 * assuming `n` parameters (-1: the count is in the payload, MySQL 8 query
 * attributes) and the given layout. Returns null when the layout does not
 * fit: a complete payload must be consumed exactly.
 */
function attempt(
  b: Uint8Array,
  complete: boolean,
  n: number,
  withAttrs: boolean,
  stmt: Stmt | undefined,
  max: number,
): Decoded | null {
  const len = b.length;
  let types: Uint8Array | null = null;
  let p = 10;
  let count = n;
  if (withAttrs) {
    count = 0;
    if (n !== 0 || (b[5]! & PARAMETER_COUNT_AVAILABLE) !== 0) {
      rd.pos = p;
      count = lenenc(b, len);
      if (count < 0 || count > 65535) return null;
      p = rd.pos;
    }
  }
  if (count <= 0) {
    return count === 0 && (p === len || !complete) ? { params: [], types: new Uint8Array(0), truncated: false } : null;
  }
  const bitmap = p;
  p += (count + 7) >> 3;
  if (p >= len) return complete ? null : cut(count);
  const bound = b[p++];
  if (bound === 1) {
    if (withAttrs) {
      types = new Uint8Array(2 * count);
      for (let k = 0; k < count; k++) {
        if (p + 2 > len) return complete ? null : cut(count);
        types[2 * k] = b[p]!;
        types[2 * k + 1] = b[p + 1]!;
        rd.pos = p + 2;
        const nameLen = lenenc(b, len);
        if (nameLen < 0) return complete ? null : cut(count);
        p = rd.pos + nameLen;
      }
    } else {
      if (p + 2 * count > len) return complete ? null : cut(count);
      types = b.slice(p, p + 2 * count);
      p += 2 * count;
    }
  } else if (bound === 0) {
    types = stmt?.types?.length === 2 * count ? stmt.types : null;
  }
  if (types === null) return null;
  const params: ParamValue[] = [];
  let truncated = false;
  const longData = stmt?.longData ?? 0;
  for (let k = 0; k < count; k++) {
    if ((b[bitmap + (k >> 3)]! >> (k & 7)) & 1) {
      params.push(null);
      continue;
    }
    if (k < 32 && (longData >>> k) & 1) {
      params.push(LONG_DATA);
      continue;
    }
    const v = value(b, p, len, types[2 * k]!, types[2 * k + 1]! >= 0x80, max);
    if (rd.pos < 0 || rd.pos > len) {
      if (complete || rd.pos < 0) return complete ? null : partial(params);
      params.push(v);
      return partial(params);
    }
    if (rd.cut) truncated = true;
    params.push(v);
    p = rd.pos;
  }
  if (complete && p !== len) return null;
  return { params, types, truncated };

  function cut(c: number): Decoded | null {
    return c > 0 ? partial([]) : null;
  }
  function partial(ps: ParamValue[]): Decoded {
    return { params: ps, types: types ?? new Uint8Array(0), truncated: true };
  }
}

/**
 * Parameters of COM_STMT_EXECUTE payload `b` (command byte included; the
 * whole payload when `complete`, else a prefix). `stmt` is the statement
 * when its prepare was seen; `attrs` tells whether MySQL 8 query attributes
 * are in effect (-1: unknown, both layouts are tried). Returns null when
 * the values cannot be decoded.
 */
export function decodeExecute(
  b: Uint8Array,
  complete: boolean,
  stmt: Stmt | undefined,
  attrs: number,
  max: number,
): Decoded | null {
  if (b.length < 10) return null;
  if (stmt !== undefined) {
    const n = stmt.params;
    if (attrs === 1) return attempt(b, complete, n, true, stmt, max);
    return attempt(b, complete, n, false, stmt, max) ??
      (attrs === -1 && n > 0 ? attempt(b, complete, n, true, stmt, max) : null);
  }
  if (!complete) return null;
  if (attrs === 1) return attempt(b, true, -1, true, undefined, max);
  if (b.length === 10) return attempt(b, true, 0, false, undefined, max);
  const limit = Math.min(MAX_INFER, 8 * (b.length - 10));
  for (let n = 1; n <= limit; n++) {
    // Without remembered types only a payload that carries them can fit.
    // Probe without decoding strings (max 0), then decode the fit.
    if (b[10 + ((n + 7) >> 3)] !== 1) continue;
    if (attempt(b, true, n, false, undefined, 0) !== null) {
      return attempt(b, true, n, false, undefined, max);
    }
  }
  return attrs === -1 ? attempt(b, true, -1, true, undefined, max) : null;
}

/**
 * Offset of the SQL text in COM_QUERY payload `b` (command byte included)
 * that starts with MySQL 8 query attributes (CLIENT_QUERY_ATTRIBUTES:
 * count, set count 1, null bitmap, types and names, values), or -1 when the
 * bytes do not parse as such.
 */
export function queryTextStart(b: Uint8Array): number {
  const len = b.length;
  rd.pos = 1;
  const count = lenenc(b, len);
  if (count < 0 || count > 65535 || lenenc(b, len) !== 1) return -1;
  let p = rd.pos;
  if (count === 0) return p;
  const bitmap = p;
  p += (count + 7) >> 3;
  if (p >= len || b[p] !== 1) return -1;
  p++;
  const types = new Uint8Array(2 * count);
  for (let k = 0; k < count; k++) {
    if (p + 2 > len) return -1;
    types[2 * k] = b[p]!;
    types[2 * k + 1] = b[p + 1]!;
    rd.pos = p + 2;
    const nameLen = lenenc(b, len);
    if (nameLen < 0) return -1;
    p = rd.pos + nameLen;
  }
  for (let k = 0; k < count; k++) {
    if ((b[bitmap + (k >> 3)]! >> (k & 7)) & 1) continue;
    value(b, p, len, types[2 * k]!, false, 0);
    if (rd.pos < 0 || rd.pos > len) return -1;
    p = rd.pos;
  }
  return p;
}
