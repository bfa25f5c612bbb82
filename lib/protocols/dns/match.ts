/**
 * Pairing of DNS responses with queries. Transaction ids alone collide (a
 * resolver has many queries out on one socket, and answers come in any
 * order over UDP and over TCP, RFC 7766 §6.2.1.1), so a response pairs with
 * the oldest pending query that has its id and the same first question
 * (name compared case-insensitively, and type). A response no pending query
 * fits is dropped and counted, never paired by guess.
 *
 * A zone transfer over TCP spans several messages (RFC 5936 §2.2): they are
 * merged into one response that ends with the closing SOA record.
 *
 * @module
 */

import type { Exchange } from "../common/parser.ts";
import { MAX_ANSWERS, type QueryInfo, type ReplyInfo } from "./message.ts";
import { T } from "./names.ts";
import type { DnsReply, DnsState, Pending } from "./types.ts";
import { clearArray } from "../common/arrays.ts";

/** Most queries waiting for a response per connection; the oldest goes first. */
export const MAX_PENDING = 4096;
/**
 * A query without response for this long, measured on the timestamps of
 * the connection's later traffic, is given up: no DNS client waits that
 * long.
 */
export const TIMEOUT_NS = 30e9;

function sameName(a: string, b: string): boolean {
  return a === b ||
    (a.length === b.length && a.toLowerCase() === b.toLowerCase());
}

function exchangeOf(p: Pending, resp: DnsReply | null): Exchange {
  return {
    req: p.query,
    resp,
    reqStartNs: p.startNs,
    reqEndNs: p.endNs,
    respStartNs: resp ? p.respStartNs : -1,
    respEndNs: resp ? p.respEndNs : -1,
    reqBytes: p.bytes,
    respBytes: resp ? p.respBytes : 0,
  };
}

/** Buckets a connection starts with; grown 4x when 4 queries share one on average. */
export const MIN_BUCKETS = 8;
const MAX_BUCKETS = 4096;

/** An empty bucket array for a new connection. */
export function newBuckets(n = MIN_BUCKETS): (Pending | null)[] {
  return new Array<Pending | null>(n).fill(null);
}

/** Append `p` to its bucket's chain (chains are oldest first). */
function hang(buckets: (Pending | null)[], p: Pending): void {
  const i = p.id & (buckets.length - 1);
  let t = buckets[i] ?? null;
  if (t === null) {
    buckets[i] = p;
    return;
  }
  while (t.next !== null) t = t.next;
  t.next = p;
}

/** Rebuild the buckets `n` wide, keeping every chain oldest first. */
function rehash(state: DnsState, n: number): void {
  const buckets = newBuckets(n);
  for (let p = state.oldest; p !== null; p = p.newer) {
    p.next = null;
    hang(buckets, p);
  }
  state.buckets = buckets;
}

/** Remove `p` from its bucket and from the arrival order. */
function unlink(state: DnsState, p: Pending): void {
  const buckets = state.buckets;
  const i = p.id & (buckets.length - 1);
  let q = buckets[i] ?? null;
  if (q === p) buckets[i] = p.next;
  else {
    while (q !== null && q.next !== p) q = q.next;
    if (q !== null) q.next = p.next;
  }
  p.next = null;
  if (p.older === null) state.oldest = p.newer;
  else p.older.newer = p.newer;
  if (p.newer === null) state.newest = p.older;
  else p.newer.older = p.older;
  p.older = p.newer = null;
  state.pending--;
}

/** Drop every pending query. */
export function clearPending(state: DnsState): void {
  state.buckets = newBuckets();
  state.pending = 0;
  state.oldest = state.newest = null;
}

/** Give up waiting for `p`: emit it with whatever response it has (none, or part of a transfer). */
function giveUp(state: DnsState, p: Pending): void {
  unlink(state, p);
  state.expired++;
  state.ready.push(exchangeOf(p, p.resp));
}

/** Queue a parsed query as pending. */
export function addQuery(
  state: DnsState,
  info: QueryInfo,
  startNs: number,
  endNs: number,
  bytes: number,
): void {
  const p: Pending = {
    id: info.query.id,
    qname: info.qname,
    qtype: info.qtype,
    query: info.query,
    startNs,
    endNs,
    bytes,
    next: null,
    older: state.newest,
    newer: null,
    resp: null,
    respStartNs: -1,
    respEndNs: -1,
    respBytes: 0,
    xfrSerial: 0,
    xfrSoas: 0,
    xfrIncremental: false,
  };
  if (state.newest === null) state.oldest = p;
  else state.newest.newer = p;
  state.newest = p;
  hang(state.buckets, p);
  if (++state.pending > MAX_PENDING) giveUp(state, state.oldest!);
  const n = state.buckets.length;
  if (state.pending > 4 * n && n < MAX_BUCKETS) rehash(state, 4 * n);
}

/** The pending query a response answers, or null. */
function find(state: DnsState, info: ReplyInfo): Pending | null {
  const id = info.reply.id;
  const buckets = state.buckets;
  const head = buckets[id & (buckets.length - 1)] ?? null;
  const qname = info.qname;
  if (qname === null) {
    // No question: a zone transfer's later message, the answer to a query
    // without question (a DNS cookie probe), or an error (FORMERR, NOTIMP)
    // that can only be paired when the id is unambiguous. A NOERROR answer
    // without question to a query with one is not an answer to it (mDNS
    // announcements look like that).
    let only: Pending | null = null;
    let n = 0;
    for (let q = head; q !== null; q = q.next) {
      if (q.id !== id) continue;
      if (q.resp !== null || q.qtype < 0) return q;
      only = q;
      n++;
    }
    return n === 1 && info.rcode !== 0 ? only : null;
  }
  for (let q = head; q !== null; q = q.next) {
    if (q.id === id && q.qtype === info.qtype && sameName(q.qname, qname)) {
      return q;
    }
  }
  return null;
}

/**
 * Advance a transfer by one message's answers; true when it is complete.
 * AXFR: the zone's SOA, its records, the SOA again. IXFR (RFC 1995 §4):
 * one SOA (nothing changed), an AXFR-style answer, or difference sequences
 * `SOA(old) deletions SOA(new) additions` after the first SOA, closed by
 * the newest SOA again: the closing SOA is the one with the first SOA's
 * serial at an odd position among the SOAs that follow the first record.
 */
function advance(p: Pending, info: ReplyInfo, seen: number): boolean {
  const soas = info.soas;
  const an = info.reply.answer_count;
  if (seen === 0) {
    if (an === 0 || soas === null || soas[0] !== 0) return true;
    p.xfrSerial = soas[1]!;
    if (p.qtype === T.IXFR) {
      if (an === 1) return true;
      p.xfrIncremental = soas.length > 2 && soas[2] === 1;
    }
  }
  if (soas === null) return false;
  for (let i = 0; i < soas.length; i += 2) {
    if (seen + soas[i]! === 0) continue;
    p.xfrSoas++;
    if (!p.xfrIncremental) return true;
    if ((p.xfrSoas & 1) === 1 && soas[i + 1] === p.xfrSerial) return true;
  }
  return false;
}

/** Pair a parsed response with its pending query, or count it as unmatched. */
export function addReply(
  state: DnsState,
  info: ReplyInfo,
  startNs: number,
  endNs: number,
  bytes: number,
): void {
  const p = find(state, info);
  if (p === null || p.startNs > startNs) {
    state.unmatched++;
    return;
  }
  const reply = info.reply;
  const acc = p.resp;
  let seen = 0;
  if (acc === null) {
    p.respStartNs = startNs;
    const transfer = p.qtype === T.AXFR || p.qtype === T.IXFR;
    if (transfer && !state.datagram && info.rcode === 0) p.resp = reply;
  } else {
    seen = acc.answer_count;
    for (const a of reply.answers) {
      if (acc.answers.length >= MAX_ANSWERS) break;
      acc.answers.push(a);
    }
    acc.answer_count += reply.answer_count;
    acc.authority_count += reply.authority_count;
    acc.additional_count += reply.additional_count;
    acc.tc ||= reply.tc;
    if (info.rcode !== 0) acc.rcode = reply.rcode;
  }
  p.respEndNs = endNs;
  p.respBytes += bytes;
  if (p.resp !== null && info.rcode === 0 && !advance(p, info, seen)) return;
  unlink(state, p);
  state.ready.push(exchangeOf(p, p.resp ?? reply));
}

/**
 * {@linkcode Parser.match} for DNS: hand over the exchanges completed since
 * the last call, after giving up queries older than {@linkcode TIMEOUT_NS}
 * (they are emitted with a null response, or with the part of a transfer
 * received). With `closing`, every pending query is emitted that way.
 */
export function matchExchanges(
  state: DnsState,
  out: Exchange[],
  closing: boolean,
): void {
  for (let p = state.oldest; p !== null && !closing; p = state.oldest) {
    const last = p.resp === null ? p.endNs : p.respEndNs;
    if (state.lastNs - last <= TIMEOUT_NS) break;
    giveUp(state, p);
  }
  const ready = state.ready;
  for (let i = 0; i < ready.length; i++) out.push(ready[i]!);
  clearArray(ready);
  if (closing) {
    for (let p = state.oldest; p !== null; p = p.newer) {
      out.push(exchangeOf(p, p.resp));
    }
    clearPending(state);
  }
}
