/**
 * Pairing NATS operations into records, as they are decoded. NATS is
 * mostly one-way, so most operations are records on their own:
 *
 * - PING -> PONG, whichever end pinged (servers ping idle clients too);
 * - CONNECT, PUB, HPUB, SUB, UNSUB -> +OK or -ERR when the client's
 *   CONNECT asked for verbose mode, in order; else a record at once with
 *   no response, so a later answer is never taken for theirs. nats-server
 *   still acknowledges a PUB or HPUB it refused (pedantic mode's "Invalid
 *   Publish Subject"): its -ERR is held and the +OK after it closes the
 *   record, so that +OK is not taken for the next operation's; a SUB it
 *   refuses gets the -ERR alone;
 * - INFO, MSG and HMSG (deliveries) from the server stand alone, as does an
 *   -ERR that answers nothing (a protocol error, a slow consumer).
 *
 * A request/reply (PUB with a reply subject, then a MSG on that inbox on
 * another connection) is not paired: the records show `reply_to`.
 *
 * @module
 */
import { Stream } from "../common/parser.ts";
import { exchangeOf, MAX_QUEUED, type NatsState, type Pending } from "./state.ts";
import type { NatsRequest, NatsResponse } from "./types.ts";
import { dropFront } from "../common/arrays.ts";

/** Where and when an operation was seen. */
export interface Seen {
  stream: Stream;
  startNs: number;
  endNs: number;
  bytes: number;
}

function pending(req: NatsRequest, s: Seen): Pending {
  return { req, startNs: s.startNs, endNs: s.endNs, reqBytes: s.bytes };
}

function enqueue(st: NatsState, q: Pending[], p: Pending): void {
  if (q.length >= MAX_QUEUED) {
    dropFront(q, 1);
    st.overflow++;
  }
  q.push(p);
}

/** Records an operation that starts a record (every verb but PONG, +OK and -ERR). */
export function onRequest(st: NatsState, req: NatsRequest, s: Seen): void {
  const p = pending(req, s);
  switch (req.op) {
    case "PING":
      enqueue(st, st.pings[s.stream], p);
      return;
    case "CONNECT":
      st.verbose = req.connect?.verbose === true;
      // falls through
    case "PUB":
    case "HPUB":
    case "SUB":
    case "UNSUB":
      if (st.verbose) enqueue(st, st.acks, p);
      else st.done.push(exchangeOf(p, null));
      return;
    default: // INFO, MSG, HMSG
      st.done.push(exchangeOf(p, null));
  }
}

/** Records an answer: PONG from either end, +OK or -ERR from the server. */
export function onAnswer(st: NatsState, resp: NatsResponse, s: Seen): void {
  if (resp.op === "PONG") {
    const p = st.pings[s.stream === Stream.Request ? Stream.Response : Stream.Request].shift();
    if (p) st.done.push(exchangeOf(p, resp, s.startNs, s.endNs, s.bytes));
    else st.orphans++;
    return;
  }
  const head = st.acks[0];
  if (head && resp.op === "-ERR" && !head.err && (head.req.op === "PUB" || head.req.op === "HPUB")) {
    head.err = { resp, startNs: s.startNs, endNs: s.endNs, bytes: s.bytes };
    return;
  }
  if (head && !(resp.op === "-ERR" && head.err)) {
    dropFront(st.acks, 1);
    const e = head.err;
    if (e) st.done.push(exchangeOf(head, e.resp, e.startNs, s.endNs, e.bytes + s.bytes));
    else st.done.push(exchangeOf(head, resp, s.startNs, s.endNs, s.bytes));
    return;
  }
  if (resp.op !== "-ERR") {
    st.orphans++;
    return;
  }
  const req: NatsRequest = { op: "-ERR", sender: "server", error: resp.error ?? "" };
  st.done.push(exchangeOf(pending(req, s), null));
}

/** Every operation still waiting, oldest first, for a connection that closed. */
export function drainOpen(st: NatsState): Pending[] {
  const all = [...st.acks, ...st.pings[0], ...st.pings[1]];
  st.acks = [];
  st.pings = [[], []];
  return all.sort((a, b) => a.startNs - b.startNs);
}
