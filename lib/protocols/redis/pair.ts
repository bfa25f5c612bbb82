/**
 * Pairing of a Redis connection's commands and replies. Redis answers
 * commands in order, so a reply answers the oldest command still waiting,
 * except for what pub/sub adds:
 *
 * - RESP3 pushes (`>`) are never replies, save the (un)subscribe
 *   confirmations that answer a waiting (un)subscribe command;
 * - in RESP2, `message`/`pmessage`/`smessage` arrays (and unsolicited
 *   confirmations) are not replies while the client is subscribed, when no
 *   command waits, or when the waiting command is one whose reply can never
 *   have that shape (SUBSCRIBE…, UNSUBSCRIBE…, PING, QUIT, RESET);
 * - `SUBSCRIBE a b` gets one confirmation per argument: the command is
 *   paired with the first and the others are swallowed; a no-argument
 *   UNSUBSCRIBE gets one per channel it drops, whose counts go down by one
 *   each (or a single one with a nil channel): those are swallowed while the
 *   count keeps going down, and the chain cannot run into the next command's
 *   replies, which never continue it.
 *
 * Replies are paired as soon as they complete; exchanges wait in `ready`
 * for {@linkcode matchExchanges}. When pairing loses certainty (a reply
 * predating the oldest command, confirmations out of step, a full queue) the
 * queued commands are dropped and `lost` makes the next parseFrame return
 * -1, so that the tracker resyncs at a fresh command.
 *
 * @module
 */

import type { Exchange } from "../common/parser.ts";
import { isConfirmKw, isMessageKw, Kw, T } from "./bytes.ts";
import type { Queued, QueuedRequest, RedisResponse, RedisState } from "./types.ts";
import { clearArray, dropFront } from "../common/arrays.ts";

/** Commands waiting for replies, at most. */
export const MAX_QUEUE = 1024;

function unanswered(q: QueuedRequest): Exchange {
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

/** The oldest command that expects a reply, once those that do not are emitted. */
function head(state: RedisState): QueuedRequest | undefined {
  const qs = state.reqQueue;
  while (qs.length > 0 && qs[0]!.noReply) {
    state.ready.push(unanswered(qs.shift()!));
  }
  return qs[0];
}

/** Abandon pairing until the tracker resyncs. */
export function lose(state: RedisState): void {
  state.lost = true;
  state.desyncs++;
  clearArray(state.reqQueue);
  state.swallowKw = Kw.None;
}

/** Queue a complete command; false (and pairing lost) when the queue is full. */
export function queueRequest(state: RedisState, q: QueuedRequest): boolean {
  if (state.reqQueue.length >= MAX_QUEUE) {
    lose(state);
    return false;
  }
  if (q.noReply && state.reqQueue.length === 0) state.ready.push(unanswered(q));
  else state.reqQueue.push(q);
  return true;
}

function pair(
  state: RedisState,
  q: QueuedRequest,
  r: Queued<RedisResponse>,
): void {
  dropFront(state.reqQueue, 1);
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
  head(state);
}

/** What the decoder knows of a complete reply's top-level shape. */
export interface ReplyShape {
  /** Type byte of the aggregate (`*`, `>`, …), or of the scalar. */
  agg: number;
  /** Declared element count of an aggregate. */
  count: number;
  /** Keyword code of its first element. */
  kw: Kw;
}

/** Handle one complete reply: pair it, swallow it, or count it as a push or orphan. */
export function onResponse(
  state: RedisState,
  r: Queued<RedisResponse>,
  shape: ReplyShape,
): void {
  const { agg, count, kw } = shape;
  const v = r.msg.value;
  const items = Array.isArray(v) && (agg === T.Array || agg === T.Push) ? v : null;
  if (
    items !== null && count === 3 && isConfirmKw(kw) &&
    typeof items[2] === "number"
  ) {
    if (confirmation(state, r, kw, items[1] ?? null, items[2], agg)) return;
  } else if (agg === T.Push) {
    state.pushes++;
    return;
  }
  const q = head(state);
  if (
    items !== null && agg === T.Array &&
    (isConfirmKw(kw) ||
      (isMessageKw(kw) && count === (kw === Kw.PMessage ? 4 : 3))) &&
    (state.subCount > 0 || state.shardCount > 0 || !q || q.pubsubOk)
  ) {
    // Published message or unsolicited confirmation on a RESP2 connection.
    state.pushes++;
    return;
  }
  if (state.swallowKw !== Kw.None) {
    // Confirmations of one command are sent back to back.
    if (state.swallowLeft > 0) return lose(state);
    state.swallowKw = Kw.None;
  }
  if (!q) {
    state.orphanResponses++;
    return;
  }
  if (r.startNs < q.startNs) return lose(state);
  pair(state, q, r);
  if (q.msg.command === "RESET" && r.msg.type === "string") {
    state.subCount = state.shardCount = 0;
  }
}

/**
 * An (un)subscribe confirmation: swallowed, paired with its command, or
 * counted as a push. False when it must be treated as an ordinary reply.
 */
function confirmation(
  state: RedisState,
  r: Queued<RedisResponse>,
  kw: Kw,
  channel: unknown,
  n: number,
  agg: number,
): boolean {
  if (agg === T.Array) {
    if (kw === Kw.SSubscribe || kw === Kw.SUnsubscribe) state.shardCount = n;
    else state.subCount = n;
  }
  if (state.swallowKw === kw) {
    const left = state.swallowLeft;
    if (left > 0 || (channel !== null && n === state.swallowPrev - 1)) {
      if (left > 0 && --state.swallowLeft === 0) state.swallowKw = Kw.None;
      state.swallowPrev = n;
      state.swallowed++;
      return true;
    }
    state.swallowKw = Kw.None;
  }
  const q = head(state);
  if (q !== undefined && q.sub === kw && r.startNs >= q.startNs) {
    state.swallowKw = Kw.None;
    if (q.argc > 1) {
      state.swallowKw = kw;
      state.swallowLeft = q.argc - 1;
    } else if (q.argc === 0 && channel !== null && kw >= Kw.Unsubscribe) {
      state.swallowKw = kw;
      state.swallowLeft = -1;
    }
    state.swallowPrev = n;
    pair(state, q, r);
    return true;
  }
  if (agg === T.Push) {
    state.pushes++;
    return true;
  }
  return false;
}

/**
 * {@linkcode Parser.match} for Redis: hand over the exchanges paired so far;
 * with `closing`, also every waiting command with a null response.
 */
export function matchExchanges(
  state: RedisState,
  out: Exchange[],
  closing: boolean,
): void {
  head(state);
  const ready = state.ready;
  for (let i = 0; i < ready.length; i++) out.push(ready[i]!);
  clearArray(ready);
  if (closing) {
    for (const q of state.reqQueue) out.push(unanswered(q));
    clearArray(state.reqQueue);
    state.swallowKw = Kw.None;
  }
}
