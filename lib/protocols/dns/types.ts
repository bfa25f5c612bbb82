/**
 * Shapes of parsed DNS messages and of the per-connection parser state.
 *
 * @module
 */

import type { Exchange } from "../common/parser.ts";

/** One entry of the question section. */
export interface DnsQuestion {
  /** Owner name without the trailing dot (`"."` for the root), case kept. */
  name: string;
  /** Record type mnemonic, e.g. `"AAAA"`, or `"TYPE123"`. */
  type: string;
  /** Class mnemonic, e.g. `"IN"`, or `"CLASS123"`. */
  class: string;
}

/** A query, printed as the record's `req`. */
export interface DnsQuery {
  /** Transaction id. */
  id: number;
  /** `"QUERY"`, `"NOTIFY"`, `"UPDATE"`, … */
  opcode: string;
  /** Recursion desired. */
  rd: boolean;
  /** The question section (the zone section of an UPDATE), at most 16 entries. */
  questions: DnsQuestion[];
}

/** One resource record of the answer section. */
export interface DnsAnswer {
  /** Owner name, as in {@linkcode DnsQuestion.name}. */
  name: string;
  /** Record type mnemonic. */
  type: string;
  /** Time to live, in seconds. */
  ttl: number;
  /**
   * The record data in presentation form: `"93.184.216.34"`,
   * `"10 mail.example.com"`, TXT strings concatenated; hex for types
   * without a decoder. Longer than `maxBodyBytes` characters: cut, `...`
   * appended.
   */
  data: string;
}

/** A response, printed as the record's `resp`. */
export interface DnsReply {
  /** Transaction id. */
  id: number;
  /** `"NOERROR"`, `"NXDOMAIN"`, …; includes the EDNS extended bits. */
  rcode: string;
  /** Authoritative answer. */
  aa: boolean;
  /** Truncated (the client should retry over TCP). */
  tc: boolean;
  /** Recursion available. */
  ra: boolean;
  /** The first 100 records of the answer section. */
  answers: DnsAnswer[];
  /** Records in the answer section (summed over a zone transfer's messages). */
  answer_count: number;
  /** Records in the authority section. */
  authority_count: number;
  /** Records in the additional section (the EDNS OPT record included). */
  additional_count: number;
}

/** A query waiting for its response. */
export interface Pending {
  /** Transaction id. */
  id: number;
  /** First question's name, for pairing. */
  qname: string;
  /** First question's type number, for pairing. */
  qtype: number;
  /** The parsed query. */
  query: DnsQuery;
  /** tsNs of the call that consumed the query. */
  startNs: number;
  /** endTsNs of that call. */
  endNs: number;
  /** Query bytes on the wire. */
  bytes: number;
  /** The next newer pending query in the same hash bucket. */
  next: Pending | null;
  /** The next older pending query (any id). */
  older: Pending | null;
  /** The next newer pending query (any id). */
  newer: Pending | null;
  /** A zone transfer's response so far (TCP AXFR/IXFR), else null. */
  resp: DnsReply | null;
  /** tsNs of the call that carried the transfer's first message. */
  respStartNs: number;
  /** endTsNs of the call that carried its latest message. */
  respEndNs: number;
  /** Wire bytes of the transfer's messages so far. */
  respBytes: number;
  /** Serial of the transfer's first SOA record. */
  xfrSerial: number;
  /** SOA records seen after the first one. */
  xfrSoas: number;
  /** True for an IXFR answered with difference sequences. */
  xfrIncremental: boolean;
}

/** Per-connection state of the DNS parser. */
export interface DnsState {
  /** One datagram per parseFrame call (UDP) instead of length-prefixed TCP. */
  datagram: boolean;
  /** Answer data longer than this is cut. */
  maxBodyBytes: number;
  /**
   * Pending queries hashed by transaction id (`id & (length - 1)`), each
   * bucket a chain through `next`, oldest first. A small array of chains
   * rather than a Map: connections mostly have one query out, and Map
   * insert/delete churn costs more than the whole parse.
   */
  buckets: (Pending | null)[];
  /** Pending queries in all buckets. */
  pending: number;
  /** The oldest pending query; `newer` links the rest in arrival order. */
  oldest: Pending | null;
  /** The newest pending query. */
  newest: Pending | null;
  /** Exchanges complete and not yet handed to match(). */
  ready: Exchange[];
  /** Latest timestamp passed to parseFrame. */
  lastNs: number;
  /** Responses dropped because no pending query had their id and question. */
  unmatched: number;
  /** Queries given up (emitted without response) on the pending cap or timeout. */
  expired: number;
}
