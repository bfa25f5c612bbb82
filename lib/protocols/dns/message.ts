/**
 * Decoding of one whole DNS message (RFC 1035 §4.1) into the printed
 * shapes. Every section is walked, so a message whose counts, names or
 * record lengths do not fit its bytes is rejected; only what is printed is
 * decoded to strings.
 *
 * @module
 */

import { className, opcodeName, rcodeName, T, typeName } from "./names.ts";
import { rdataText } from "./rdata.ts";
import type { DnsAnswer, DnsQuery, DnsQuestion, DnsReply } from "./types.ts";
import { HEADER, Reader } from "./wire.ts";

/** Most questions decoded per query; further ones are only checked. */
export const MAX_QUESTIONS = 16;
/** Most answer records decoded per response; further ones are only checked. */
export const MAX_ANSWERS = 100;

/** Header flag bits (RFC 1035 §4.1.1, RFC 6895). */
export const enum Flag {
  QR = 0x8000,
  AA = 0x0400,
  TC = 0x0200,
  RD = 0x0100,
  RA = 0x0080,
  Z = 0x0040,
}

/** A decoded query and the key it is paired by. */
export interface QueryInfo {
  /** The printed query. */
  query: DnsQuery;
  /** First question's name, `""` when there is no question. */
  qname: string;
  /** First question's type number, -1 when there is no question. */
  qtype: number;
}

/** A decoded response and what pairing and zone transfers need. */
export interface ReplyInfo {
  /** The printed response. */
  reply: DnsReply;
  /** First question's name, null when the question section is empty. */
  qname: string | null;
  /** First question's type number, -1 when there is none. */
  qtype: number;
  /** Header rcode plus EDNS extended bits. */
  rcode: number;
  /** `[index, serial]` pairs of the answer section's SOA records, or null. */
  soas: number[] | null;
}

// The one reader; decoding is not re-entrant, which a parser never needs.
const r = new Reader();
// Offset of the data of the record `fixed` walked last.
let dataAt = 0;

/** Walk one record's fixed fields and data; its type, or -1 when malformed. */
function record(end: number): number {
  if (!r.skipName(end)) return -1;
  return fixed(end);
}

/** After a record's owner name: check type…rdlength and the data; the type or -1. */
function fixed(end: number): number {
  const p = r.pos;
  if (p + 10 > end) return -1;
  const len = r.u16(p + 8);
  if (p + 10 + len > end) return -1;
  dataAt = p + 10;
  r.pos = dataAt + len;
  return r.u16(p);
}

/** Serial of SOA data `[at, end)`, or -1 when malformed. */
function soaSerial(at: number, end: number): number {
  r.pos = at;
  if (!r.skipName(end) || !r.skipName(end) || r.pos + 20 !== end) return -1;
  return r.u32(r.pos);
}

/**
 * Decode the query `b[base, end)`: null unless it is a well-formed message
 * with the QR bit clear.
 */
export function decodeQuery(
  b: Uint8Array,
  base: number,
  end: number,
): QueryInfo | null {
  if (end - base < HEADER) return null;
  r.reset(b, base, end);
  const flags = r.u16(base + 2);
  if ((flags & Flag.QR) !== 0) return null;
  const qd = r.u16(base + 4);
  const records = r.u16(base + 6) + r.u16(base + 8) + r.u16(base + 10);
  r.pos = base + HEADER;
  const questions: DnsQuestion[] = [];
  let qname = "";
  let qtype = -1;
  for (let i = 0; i < qd; i++) {
    if (i < MAX_QUESTIONS) {
      const name = r.name(end);
      if (name === null || r.pos + 4 > end) return null;
      const type = r.u16(r.pos);
      if (i === 0) (qname = name), (qtype = type);
      questions.push({
        name,
        type: typeName(type),
        class: className(r.u16(r.pos + 2)),
      });
    } else if (!r.skipName(end) || r.pos + 4 > end) return null;
    r.pos += 4;
  }
  for (let i = 0; i < records; i++) if (record(end) < 0) return null;
  const query: DnsQuery = {
    id: r.u16(base),
    opcode: opcodeName((flags >> 11) & 0xf),
    rd: (flags & Flag.RD) !== 0,
    questions,
  };
  return { query, qname, qtype };
}

/**
 * Decode the response `b[base, end)`: null unless it is a well-formed
 * message with the QR bit set. A truncated (TC) response may end inside a
 * record: what precedes it is kept. Answer data longer than `max`
 * characters is cut.
 */
export function decodeReply(
  b: Uint8Array,
  base: number,
  end: number,
  max: number,
): ReplyInfo | null {
  if (end - base < HEADER) return null;
  r.reset(b, base, end);
  const flags = r.u16(base + 2);
  if ((flags & Flag.QR) === 0) return null;
  const tc = (flags & Flag.TC) !== 0;
  const qd = r.u16(base + 4);
  const an = r.u16(base + 6);
  const ns = r.u16(base + 8);
  const ar = r.u16(base + 10);
  r.pos = base + HEADER;
  let qname: string | null = null;
  let qtype = -1;
  for (let i = 0; i < qd; i++) {
    if (i > 0) {
      if (!r.skipName(end)) return null;
    } else if ((qname = r.name(end)) === null) return null;
    if (r.pos + 4 > end) return null;
    if (i === 0) qtype = r.u16(r.pos);
    r.pos += 4;
  }
  const answers: DnsAnswer[] = [];
  let soas: number[] | null = null;
  let rcode = flags & 0xf;
  let ok = true;
  for (let i = 0; i < an && ok; i++) {
    const keep = i < MAX_ANSWERS;
    const name = keep ? r.name(end) : r.skipName(end) ? "" : null;
    const type = name === null ? -1 : fixed(end);
    if (type < 0) {
      ok = false;
      break;
    }
    const data = dataAt;
    const next = r.pos;
    if (keep) {
      const ttl = r.u32(data - 6);
      const text = rdataText(r, type, data, next - data, max);
      r.pos = next;
      answers.push({ name: name!, type: typeName(type), ttl, data: text });
    }
    if (type === T.SOA) {
      (soas ??= []).push(i, soaSerial(data, next));
      r.pos = next;
    }
  }
  for (let i = 0; i < ns && ok; i++) ok = record(end) >= 0;
  for (let i = 0; i < ar && ok; i++) {
    const type = record(end);
    ok = type >= 0;
    // EDNS (RFC 6891 §6.1.3): the OPT "TTL" carries the rcode's upper bits.
    if (type === T.OPT) rcode |= b[dataAt - 6]! << 4;
  }
  if (!ok && !tc) return null;
  const reply: DnsReply = {
    id: r.u16(base),
    rcode: rcodeName(rcode),
    aa: (flags & Flag.AA) !== 0,
    tc,
    ra: (flags & Flag.RA) !== 0,
    answers,
    answer_count: an,
    authority_count: ns,
    additional_count: ar,
  };
  return { reply, qname, qtype, rcode, soas };
}
