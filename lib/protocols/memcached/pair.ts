/**
 * Pairing of a memcached connection's requests and responses. memcached
 * answers in order, with three exceptions:
 *
 * - text commands sent with `noreply` (and `quit`) get nothing: they are
 *   exchanges with a null response at once and never wait in the queue;
 * - meta commands with the `q` flag omit some return codes: `mg` its miss
 *   (`EN`), `ms`/`md`/`ma` their success (`HD`, and `ma`'s `VA`). A quiet
 *   request waits like any other; when a response comes, each quiet request
 *   at the head of the queue that this response cannot answer got its
 *   response suppressed (a null response) and is passed over;
 * - errors (`ERROR`, `CLIENT_ERROR`, `SERVER_ERROR`) are never suppressed.
 *
 * A response can answer a quiet request when its code is one that request
 * can send, its `O` (opaque) and `k` (key) flags echo the request's when
 * either side carries them, and (for `mg`) every flag it returns is one the
 * request asked for. The pipeline terminator `mn` is never quiet, so its
 * `MN` passes over every quiet request before it. A response that a quiet
 * request and a later one could both take, with no `O` or `k` to tell them
 * apart (`mg a v q` then `mg b v`, answered by one `VA`), is never guessed:
 * pairing is abandoned as after a loss.
 *
 * When pairing loses certainty (a response predating its request, a full
 * queue) the queue is dropped and `lost` makes the next parseFrame return
 * -1, so that the tracker resyncs at a fresh request.
 *
 * @module
 */

import type { Exchange } from "../common/parser.ts";
import { binAnswers } from "./binary.ts";
import { META_CODES } from "./response.ts";
import type { McRequest, McResponse, McState, Queued } from "./types.ts";
import { clearArray, dropFront } from "../common/arrays.ts";

/** Requests waiting for responses, at most. */
export const MAX_QUEUE = 1024;

function unanswered(q: Queued<McRequest>): Exchange {
  return {
    req: q.msg,
    resp: null,
    reqStartNs: q.startNs,
    reqEndNs: q.endNs,
    respStartNs: -1,
    respEndNs: -1,
    reqBytes: q.bytes,
    respBytes: 0,
  };
}

/** Abandon pairing until the tracker resyncs. */
export function lose(state: McState): void {
  state.lost = true;
  clearArray(state.reqQueue);
}

/** The request the next response line is most likely about: the oldest that is not quiet. */
export function expected(state: McState): McRequest | undefined {
  const qs = state.reqQueue;
  for (let i = 0; i < qs.length; i++) {
    if (!qs[i]!.msg.quiet) return qs[i]!.msg;
  }
  return qs[0]?.msg;
}

/** Queue a complete request; false (and pairing lost) when the queue is full. */
export function queueRequest(state: McState, q: Queued<McRequest>): boolean {
  if (q.msg.noreply) {
    state.ready.push(unanswered(q));
    return true;
  }
  if (state.reqQueue.length >= MAX_QUEUE) {
    lose(state);
    return false;
  }
  state.reqQueue.push(q);
  return true;
}

/** Codes each quiet meta command can still send (errors aside). */
const QUIET_CODES: Readonly<Record<string, readonly string[]>> = {
  mg: ["VA", "HD"],
  ms: ["NS", "EX", "NF"],
  md: ["NF", "EX"],
  ma: ["NF", "NS", "EX"],
};

/** Flag letters of a meta flag string. */
function letters(flags: string | undefined): Set<string> {
  const out = new Set<string>();
  if (flags) { for (const f of flags.split(" ")) if (f.length > 0) out.add(f[0]!); }
  return out;
}

/** Whether response `r` can be the answer to quiet request `q`. */
function answers(q: McRequest, r: McResponse): boolean {
  if (q.binary) return binAnswers(q, r);
  if (r.status === "ERROR" || r.status === "CLIENT_ERROR" || r.status === "SERVER_ERROR") return true;
  const codes = QUIET_CODES[q.command];
  if (!codes || !codes.includes(r.status)) return false;
  if ((q.opaque !== undefined || r.opaque !== undefined) && q.opaque !== r.opaque) return false;
  const asked = letters(q.meta_flags);
  if (asked.has("k") !== (r.key !== undefined)) return false;
  if (r.key !== undefined && r.key !== q.keys[0]) return false;
  if (q.command === "mg") {
    if (r.status !== (asked.has("v") ? "VA" : "HD")) return false;
    // W, X and Z report item state; every other returned flag was asked for.
    for (const c of letters(r.meta_flags)) {
      if (c !== "W" && c !== "X" && c !== "Z" && !asked.has(c)) return false;
    }
  }
  return true;
}

/** Codes a request that is not quiet can get (errors aside). */
const CODES: Readonly<Record<string, readonly string[]>> = {
  mg: ["VA", "HD", "EN"],
  ms: ["HD", "NS", "EX", "NF"],
  md: ["HD", "NF", "EX"],
  ma: ["HD", "VA", "NF", "NS", "EX"],
  mn: ["MN"],
  me: ["ME", "EN"],
};

/** Whether `r` can answer `q` at all, judging by codes only (quiet or not). */
function couldAnswer(q: McRequest, r: McResponse): boolean {
  if (q.quiet || q.binary) return answers(q, r);
  if (r.status === "ERROR" || r.status === "CLIENT_ERROR" || r.status === "SERVER_ERROR") return true;
  const codes = CODES[q.command];
  return codes ? codes.includes(r.status) : !META_CODES.has(r.status);
}

/**
 * True when `r` may answer quiet `q` but also a later request: neither an
 * echoed `O` nor `k` ties it to `q`, and a later quiet request, or the first
 * later one that is not quiet, could take it too.
 */
function ambiguous(state: McState, q: McRequest, r: McResponse): boolean {
  // Binary opaques are often all 0: only the key (getkq) tells those apart.
  if (!q.binary && q.opaque !== undefined && r.opaque === q.opaque) return false;
  if (r.key !== undefined && r.key === q.keys[0]) return false;
  const qs = state.reqQueue;
  for (let i = 1; i < qs.length; i++) {
    const later = qs[i]!.msg;
    if (couldAnswer(later, r)) return true;
    if (!later.quiet) return false;
  }
  return false;
}

/** Handle one complete response: pair it with the request it answers, or count it as an orphan. */
export function onResponse(state: McState, r: Queued<McResponse>): void {
  const qs = state.reqQueue;
  while (qs.length > 0 && qs[0]!.msg.quiet && !answers(qs[0]!.msg, r.msg)) {
    state.suppressed++;
    state.ready.push(unanswered(qs.shift()!));
  }
  const q = qs[0];
  if (!q) {
    state.orphanResponses++;
    return;
  }
  // Which request a response without O or k answers cannot be known: never guess.
  if (r.startNs < q.startNs || (q.msg.quiet && ambiguous(state, q.msg, r.msg))) return lose(state);
  // Binary responses name their request: another opcode or opaque means a lost packet.
  if (q.msg.binary && !binAnswers(q.msg, r.msg)) return lose(state);
  dropFront(qs, 1);
  state.ready.push({
    req: q.msg,
    resp: r.msg,
    reqStartNs: q.startNs,
    reqEndNs: q.endNs,
    respStartNs: r.startNs,
    respEndNs: r.endNs,
    reqBytes: q.bytes,
    respBytes: r.bytes,
  });
  if (q.msg.command === "watch" && r.msg.status === "OK") state.watching = true;
}

/**
 * {@linkcode Parser.match} for memcached: hand over the exchanges paired so
 * far; with `closing`, also every waiting request with a null response.
 */
export function matchExchanges(state: McState, out: Exchange[], closing: boolean): void {
  const ready = state.ready;
  for (let i = 0; i < ready.length; i++) out.push(ready[i]!);
  clearArray(ready);
  if (closing) {
    for (const q of state.reqQueue) out.push(unanswered(q));
    clearArray(state.reqQueue);
  }
}
