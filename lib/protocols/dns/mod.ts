/**
 * DNS parser for l7trace, over UDP (one message per datagram) and over TCP
 * (two-byte length prefix, pipelined queries, multi-message zone
 * transfers). Decodes the header, the questions and the answer records
 * (addresses, names, MX, TXT, SOA, SRV, CAA, SVCB/HTTPS; hex for the rest)
 * and pairs each response with the pending query that has its transaction
 * id and first question, so answers arriving out of order, lost datagrams
 * and colliding ids never produce a wrong pair.
 *
 * @example
 * ```ts
 * import { Stream } from "../common/parser.ts";
 * import { dnsParser } from "./mod.ts";
 *
 * const state = dnsParser.createState({ maxBodyBytes: 4096, datagram: true });
 * const query = new Uint8Array([
 *   0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, // header: id 0x1234, RD
 *   1, 0x61, 4, 0x74, 0x65, 0x73, 0x74, 0, 0, 1, 0, 1, // a.test A IN
 * ]);
 * dnsParser.parseFrame(state, Stream.Request, query, 1, 1); // query.length
 * ```
 *
 * @module
 */

import type { Parser, ParserOptions } from "../common/parser.ts";
import { clearPending, matchExchanges, newBuckets } from "./match.ts";
import { T, typeName } from "./names.ts";
import { findStart, parseMessage } from "./parse.ts";
import type { DnsQuery, DnsReply, DnsState } from "./types.ts";

export type { DnsAnswer, DnsQuery, DnsQuestion, DnsReply, DnsState } from "./types.ts";

/** The DNS {@linkcode Parser}; exchanges carry DnsQuery/DnsReply. */
export const dnsParser: Parser<DnsState> = {
  protocol: "dns",

  createState(options: ParserOptions): DnsState {
    return {
      datagram: options.datagram,
      maxBodyBytes: Math.max(0, options.maxBodyBytes),
      buckets: newBuckets(),
      pending: 0,
      oldest: null,
      newest: null,
      ready: [],
      lastNs: 0,
      unmatched: 0,
      expired: 0,
    };
  },

  findBoundary: findStart,
  parseFrame: parseMessage,

  skip(state, _stream, len) {
    // A datagram stands alone. Over TCP nothing is held between messages,
    // so lost bytes always hide the next length prefix.
    return state.datagram || len === 0;
  },

  finish() {
    // Every message is self-delimited: nothing ends with the connection.
  },

  match: matchExchanges,

  reset(state) {
    // Exchanges already paired stay: id and question prove them right.
    clearPending(state);
  },

  summarize,
};

const SHOWN = 3;

/**
 * One table line: `A example.com -> NOERROR 93.184.216.34`,
 * `AAAA x.test -> NXDOMAIN`, `A a.test -> (no response)`. Answers of the
 * asked type are listed (three at most); otherwise the first answer with
 * its type, or the record count of a zone transfer.
 */
export function summarize(req: unknown, resp: unknown): string {
  const q = req as DnsQuery | null;
  const r = resp as DnsReply | null;
  const first = q?.questions[0];
  let head = first ? `${first.type} ${first.name}` : "?";
  if (q && q.opcode !== "QUERY") head = `${q.opcode} ${head}`;
  if (!r) return `${head} -> (no response)`;
  let line = `${head} -> ${r.rcode}`;
  const type = first?.type;
  const same = r.answers.filter((a) => a.type === type);
  if (type === typeName(T.AXFR) || type === typeName(T.IXFR)) {
    line += ` ${r.answer_count} records`;
  } else if (same.length > 0) {
    line += " " + same.slice(0, SHOWN).map((a) => a.data).join(", ");
    if (same.length > SHOWN) line += ` (+${same.length - SHOWN})`;
  } else if (r.answers.length > 0) {
    line += ` ${r.answers[0]!.type} ${r.answers[0]!.data}`;
  }
  return r.tc ? `${line} (truncated)` : line;
}
