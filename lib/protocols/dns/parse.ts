/**
 * Framing of DNS messages: one per datagram over UDP; over TCP a two-byte
 * big-endian length, then the message (RFC 1035 §4.2.2), several per read
 * when queries are pipelined or a zone transfer streams. A TCP message is
 * parsed once it is whole (at most 65,537 bytes), so no frame is ever in
 * progress in the parser's state.
 *
 * @module
 */

import { Stream } from "../common/parser.ts";
import { decodeQuery, decodeReply, Flag } from "./message.ts";
import { addQuery, addReply } from "./match.ts";
import type { DnsState } from "./types.ts";
import { HEADER } from "./wire.ts";

/** Smallest query: the header and one question for the root. */
export const MIN_QUERY = HEADER + 5;

/**
 * Whether a DNS header that plausibly starts a query or a response sits at
 * `h` in `b` (which must hold `h + 12` bytes): the QR bit says which; opcode
 * 0..5 except the unassigned 3; Z clear; then for a query 1..10 questions,
 * no answer record (up to 10 for NOTIFY and UPDATE, whose answer section
 * carries a SOA or prerequisites), up to 10 authority records (an UPDATE's
 * updates) and 4 additional (OPT, TSIG); for a response up to 10 questions
 * and 200 records per section. The byte after the header must be able to
 * start a name (a label length up to 63, or the root) for a query, or a
 * label or a pointer for a response.
 */
export function plausibleHeader(
  b: Uint8Array,
  h: number,
  query: boolean,
): boolean {
  const hi = b[h + 2]!;
  const lo = b[h + 3]!;
  if ((hi & 0x80) !== (query ? 0 : 0x80) || (lo & 0x40) !== 0) return false;
  const opcode = (hi >> 3) & 0xf;
  if (opcode > 5 || opcode === 3) return false;
  if ((b[h + 4]! | b[h + 6]! | b[h + 8]! | b[h + 10]!) !== 0) return false;
  const qd = b[h + 5]!;
  const an = b[h + 7]!;
  const ns = b[h + 9]!;
  const ar = b[h + 11]!;
  const first = b[h + 12] ?? 0;
  if (query) {
    return qd >= 1 && qd <= 10 && an <= (opcode >= 4 ? 10 : 0) && ns <= 10 &&
      ar <= 4 && first <= 63;
  }
  return qd <= 10 && an <= 200 && ns <= 200 && ar <= 200 &&
    (first <= 63 || first >= 0xc0 || qd === 0);
}

/**
 * {@linkcode Parser.findBoundary} for DNS: the first offset from `from`
 * where a plausible message starts. Over UDP only offset 0 can (a datagram
 * is one message); over TCP the length must also be possible (at least 17
 * for a query, 12 for a response). Returns -1 until enough bytes are there
 * to tell.
 */
export function findStart(
  state: DnsState,
  stream: Stream,
  buf: Uint8Array,
  from: number,
): number {
  const query = stream === Stream.Request;
  if (state.datagram) {
    const ok = from === 0 && buf.length >= (query ? MIN_QUERY : HEADER) &&
      plausibleHeader(buf, 0, query);
    return ok ? 0 : -1;
  }
  const min = query ? MIN_QUERY : HEADER;
  for (let i = Math.max(0, from); i + 2 + HEADER < buf.length; i++) {
    const len = (buf[i]! << 8) | buf[i + 1]!;
    if (len >= min && plausibleHeader(buf, i + 2, query)) return i;
  }
  return -1;
}

/**
 * Parse `buf[at, end)` as one message of `stream`; false when it is not
 * one. `at` is 0 (UDP) or 2 (after the TCP length), so `end` is the
 * message's size on the wire.
 */
function message(
  state: DnsState,
  stream: Stream,
  buf: Uint8Array,
  at: number,
  end: number,
  tsNs: number,
  endTsNs: number,
): boolean {
  if (stream === Stream.Request) {
    const q = decodeQuery(buf, at, end);
    if (q === null) return false;
    addQuery(state, q, tsNs, endTsNs, end);
  } else {
    const r = decodeReply(buf, at, end, state.maxBodyBytes);
    if (r === null) return false;
    addReply(state, r, tsNs, endTsNs, end);
  }
  return true;
}

/**
 * {@linkcode Parser.parseFrame} for DNS. UDP: the datagram is one message
 * (all of it consumed) or invalid. TCP: 0 until the length prefix and the
 * whole message are there, -1 as soon as the length or the QR bit cannot
 * be right for the stream.
 */
export function parseMessage(
  state: DnsState,
  stream: Stream,
  buf: Uint8Array,
  tsNs: number,
  endTsNs: number,
): number {
  if (endTsNs > state.lastNs) state.lastNs = endTsNs;
  if (state.datagram) {
    const n = buf.length;
    return message(state, stream, buf, 0, n, tsNs, endTsNs) ? n : -1;
  }
  if (buf.length < 2) return 0;
  const len = (buf[0]! << 8) | buf[1]!;
  if (len < HEADER) return -1;
  // Fail early on bytes that cannot be this stream's message, rather than
  // wait for up to 64 KiB of them.
  const qr = stream === Stream.Request ? 0 : Flag.QR >> 8;
  if (buf.length > 4 && (buf[4]! & 0x80) !== qr) return -1;
  if (buf.length < 2 + len) return 0;
  return message(state, stream, buf, 2, 2 + len, tsNs, endTsNs) ? 2 + len : -1;
}
