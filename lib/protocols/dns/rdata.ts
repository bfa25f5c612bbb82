/**
 * Record data in presentation form, for the types people read in a trace:
 * addresses, names, MX, TXT, SOA, SRV, CAA and SVCB/HTTPS. Any other type,
 * and record data that does not match its type's layout, prints as hex.
 * Output is cut at the caller's limit, and no more input than needed for it
 * is looked at.
 *
 * @module
 */

import { T } from "./names.ts";
import type { Reader } from "./wire.ts";
import { utf8Text } from "../common/text.ts";

const HEX = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0"),
);

/** `s`, or its first `max` characters followed by `...` when longer. */
export function cut(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max) + "...";
}

/** Lower-case hex of `b[at, at + len)`, cut at `max` characters. */
export function hex(
  b: Uint8Array,
  at: number,
  len: number,
  max: number,
): string {
  const n = Math.min(len, (max >> 1) + 1);
  let s = "";
  for (let i = at; i < at + n; i++) s += HEX[b[i]!]!;
  return cut(s, max);
}

/** Dotted-quad text of the four bytes at `at`. */
export function ipv4(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** RFC 5952 text of the sixteen bytes at `at`: lower case, longest zero run as `::`. */
export function ipv6(b: Uint8Array, at: number): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (b[at + 2 * i] !== 0 || b[at + 2 * i + 1] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && b[at + 2 * j] === 0 && b[at + 2 * j + 1] === 0) j++;
    if (j - i > bestLen) (best = i), (bestLen = j - i);
    i = j;
  }
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      s += "::";
      i += bestLen - 1;
      continue;
    }
    if (s !== "" && !s.endsWith(":")) s += ":";
    s += ((b[at + 2 * i]! << 8) | b[at + 2 * i + 1]!).toString(16);
  }
  return s;
}

/** Bytes as text: ASCII directly, anything else through a lenient UTF-8 decode. */
function text(b: Uint8Array, at: number, len: number): string {
  return utf8Text(b, at, at + len);
}

/** The character-strings of TXT data, concatenated, or null when malformed. */
function txt(
  b: Uint8Array,
  at: number,
  end: number,
  max: number,
): string | null {
  let s = "";
  for (let p = at; p < end;) {
    const n = b[p]!;
    if (p + 1 + n > end) return null;
    if (s.length <= max) s += text(b, p + 1, n);
    p += 1 + n;
  }
  return s;
}

/** Parameters of SVCB/HTTPS data from `at` to `end` (RFC 9460 §7), or null. */
function svcParams(
  r: Reader,
  at: number,
  end: number,
  max: number,
): string | null {
  const b = r.b;
  let s = "";
  for (let p = at; p < end && s.length <= max;) {
    if (p + 4 > end) return null;
    const key = r.u16(p);
    const len = r.u16(p + 2);
    const v = p + 4;
    if (v + len > end) return null;
    let val = "";
    if (key === 1) {
      for (let q = v; q < v + len;) {
        const n = b[q]!;
        if (q + 1 + n > v + len) return null;
        val += (val === "" ? "" : ",") + text(b, q + 1, n);
        q += 1 + n;
      }
      val = "alpn=" + val;
    } else if (key === 2 && len === 0) val = "no-default-alpn";
    else if (key === 3 && len === 2) val = `port=${r.u16(v)}`;
    else if ((key === 4 && len % 4 === 0) || (key === 6 && len % 16 === 0)) {
      const size = key === 4 ? 4 : 16;
      const ips = [];
      for (let q = v; q < v + len; q += size) {
        ips.push(size === 4 ? ipv4(b, q) : ipv6(b, q));
      }
      val = (key === 4 ? "ipv4hint=" : "ipv6hint=") + ips.join(",");
    } else if (key === 0 && len % 2 === 0) {
      const keys = [];
      for (let q = v; q < v + len; q += 2) keys.push(`key${r.u16(q)}`);
      val = "mandatory=" + keys.join(",");
    } else val = `key${key}=${hex(b, v, len, max)}`;
    s += " " + val;
    p = v + len;
  }
  return s;
}

/** Decode the names/fields of a structured type; null when the layout does not fit. */
function structured(
  r: Reader,
  type: number,
  at: number,
  end: number,
  max: number,
): string | null {
  const b = r.b;
  const len = end - at;
  switch (type) {
    case T.A:
      return len === 4 ? ipv4(b, at) : null;
    case T.AAAA:
      return len === 16 ? ipv6(b, at) : null;
    case T.NS:
    case T.CNAME:
    case T.PTR:
    case T.DNAME:
      r.pos = at;
      return r.name(end);
    case T.MX: {
      if (len < 3) return null;
      r.pos = at + 2;
      const exchange = r.name(end);
      return exchange === null ? null : `${r.u16(at)} ${exchange}`;
    }
    case T.TXT:
    case T.SPF:
      return txt(b, at, end, max);
    case T.SOA: {
      r.pos = at;
      const mname = r.name(end);
      const rname = mname === null ? null : r.name(end);
      const p = r.pos;
      if (rname === null || p + 20 !== end) return null;
      return `${mname} ${rname} ${r.u32(p)} ${r.u32(p + 4)} ${r.u32(p + 8)} ${r.u32(p + 12)} ${r.u32(p + 16)}`;
    }
    case T.SRV: {
      if (len < 7) return null;
      r.pos = at + 6;
      const target = r.name(end);
      return target === null ? null : `${r.u16(at)} ${r.u16(at + 2)} ${r.u16(at + 4)} ${target}`;
    }
    case T.CAA: {
      const tagLen = len >= 2 ? b[at + 1]! : 0;
      if (tagLen === 0 || 2 + tagLen > len) return null;
      const tag = text(b, at + 2, tagLen);
      const value = text(b, at + 2 + tagLen, Math.min(len - 2 - tagLen, max));
      return `${b[at]} ${tag} "${value}"`;
    }
    case T.SVCB:
    case T.HTTPS: {
      if (len < 3) return null;
      r.pos = at + 2;
      const target = r.name(end);
      const params = target === null ? null : svcParams(r, r.pos, end, max);
      return params === null ? null : `${r.u16(at)} ${target}${params}`;
    }
  }
  return null;
}

/**
 * Presentation text of the record data `[at, at + len)` of a record of
 * `type`, cut at `max` characters. Never reads outside the record data,
 * except for compression pointers into earlier parts of the message.
 */
export function rdataText(
  r: Reader,
  type: number,
  at: number,
  len: number,
  max: number,
): string {
  const s = structured(r, type, at, at + len, max);
  return s === null ? hex(r.b, at, len, max) : cut(s, max);
}
