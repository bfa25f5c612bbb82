/**
 * Pairing AMQP methods into exchanges, as frames are decoded (frames arrive
 * in the order each stream carried them; channels interleave):
 *
 * - a synchronous method waits, per channel, for the first method from the
 *   other end that answers it (Queue.Declare -> Declare-Ok; the server's
 *   Connection.Start -> the client's Start-Ok); a Channel.Close (or
 *   Connection.Close) from the other end answers what waited there instead;
 * - Basic.Publish, Deliver, Return and Get-Ok take their content (header and
 *   body frames) before they are complete;
 * - on a channel in confirm mode, each Basic.Publish waits for the broker's
 *   Basic.Ack or Basic.Nack whose delivery tag (its sequence number, or any
 *   up to it with `multiple`) covers it;
 * - every other method (and a no-wait one) stands alone.
 *
 * @module
 */
import { Stream } from "../common/parser.ts";
import { complete, newContent, readHeader, setPayload, skipBody, takeBody } from "./content.ts";
import { BASIC_ACK, BASIC_NACK, CHANNEL_CLOSE, CONNECTION_CLOSE, type Decoded, methodKey, METHODS } from "./methods.ts";
import {
  type AmqpState,
  type Channel,
  type Content,
  exchangeOf,
  MAX_CHANNELS,
  MAX_QUEUED,
  MAX_UNCONFIRMED,
  type Pending,
} from "./state.ts";
import type { AmqpFields, AmqpRequest } from "./types.ts";
import { Reader, u16 } from "./wire.ts";
import { dropFront } from "../common/arrays.ts";

/** Where and when a frame was seen. */
export interface Seen {
  stream: Stream;
  startNs: number;
  endNs: number;
  bytes: number;
}

function channelOf(st: AmqpState, id: number): Channel {
  let ch = st.channels.get(id);
  if (!ch) {
    if (st.channels.size >= MAX_CHANNELS) {
      const [oldest] = st.channels.keys();
      st.channels.delete(oldest!);
      st.overflow++;
    }
    ch = { waiting: [[], []], content: [null, null], confirm: false, seq: 0, unconfirmed: [] };
    st.channels.set(id, ch);
  }
  return ch;
}

function emit(st: AmqpState, p: Pending): void {
  st.done.push(exchangeOf(p));
}

function answer(p: Pending, resp: AmqpFields, s: Seen): void {
  p.resp = resp;
  p.respStartNs = s.startNs;
  p.respEndNs = s.endNs;
  p.respBytes = s.bytes;
}

function bounded<T>(st: AmqpState, q: T[], item: T, max: number): void {
  if (q.length >= max) {
    dropFront(q, 1);
    st.overflow++;
  }
  q.push(item);
}

/** A finished content: the record it belongs to is complete, or waits for a confirm. */
function contentDone(st: AmqpState, ch: Channel, stream: Stream, c: Content): void {
  ch.content[stream] = null;
  setPayload(c);
  const p = c.pending;
  if (!c.isResp && ch.confirm && stream === Stream.Request && p.req.method === "Basic.Publish") {
    p.seq = ++ch.seq;
    bounded(st, ch.unconfirmed, p, MAX_UNCONFIRMED);
    return;
  }
  emit(st, p);
}

/** A content cut short by a new method on its channel: emitted with what came. */
function abandon(st: AmqpState, ch: Channel, stream: Stream): void {
  const c = ch.content[stream];
  if (!c) return;
  if (c.headerSeen) c.target.payload_truncated = true;
  ch.content[stream] = null;
  setPayload(c);
  emit(st, c.pending);
}

/** The broker's Basic.Ack or Nack: the publishes it covers get it as their response. */
function confirm(st: AmqpState, ch: Channel, d: Decoded, s: Seen): boolean {
  const tag = d.fields.delivery_tag ?? -1;
  const multiple = d.fields.flags?.includes("multiple") ?? false;
  const q = ch.unconfirmed;
  let n = 0;
  for (let i = 0; i < q.length;) {
    const p = q[i]!;
    if (p.seq === tag || (multiple && (p.seq <= tag || tag === 0))) {
      answer(p, { ...d.fields }, s);
      // Bytes of an ack that covers several publishes are counted once, on the first.
      if (n++ > 0) p.respBytes = 0;
      emit(st, p);
      q.splice(i, 1);
    } else i++;
  }
  return n > 0;
}

/** A Channel.Close or Connection.Close from `stream` answers what the other end was waiting for. */
function closeAnswers(st: AmqpState, stream: Stream, channels: Iterable<Channel>, d: Decoded, s: Seen): void {
  const other = stream === Stream.Request ? Stream.Response : Stream.Request;
  const resp: AmqpFields = { ...d.fields };
  for (const ch of channels) {
    for (const p of ch.waiting[other].splice(0)) answer(p, resp, s), emit(st, p);
    // The broker closing a confirm channel refuses the publishes it had not confirmed.
    if (stream === Stream.Response) { for (const p of ch.unconfirmed.splice(0)) answer(p, resp, s), emit(st, p); }
    abandon(st, ch, Stream.Request);
    abandon(st, ch, Stream.Response);
  }
}

/**
 * One method frame (payload `b[from..to)`): false when it is not a known
 * method with its arguments all present.
 */
export function onMethod(st: AmqpState, channel: number, b: Uint8Array, from: number, to: number, s: Seen): boolean {
  if (to - from < 4) return false;
  const key = methodKey(u16(b, from), u16(b, from + 2));
  const info = METHODS.get(key);
  if (!info) return false;
  const d: Decoded = { fields: { method: info.name }, noWait: false };
  const r = new Reader(b, from + 4, to);
  info.decode(r, d);
  // Arguments fill the frame exactly: bytes left over mean it is not what its ids say.
  if (!r.ok || r.pos !== to) return false;
  const ch = channelOf(st, channel);
  const stream = s.stream;
  const other = stream === Stream.Request ? Stream.Response : Stream.Request;
  abandon(st, ch, stream);

  if (key === CHANNEL_CLOSE) closeAnswers(st, stream, [ch], d, s);
  else if (key === CONNECTION_CLOSE) closeAnswers(st, stream, st.channels.values(), d, s);
  if ((key === BASIC_ACK || key === BASIC_NACK) && stream === Stream.Response && ch.confirm) {
    if (confirm(st, ch, d, s)) return true;
  }
  const waiting = ch.waiting[other];
  const at = waiting.findIndex((p) => p.replies.includes(key));
  if (at >= 0) {
    const p = waiting.splice(at, 1)[0]!;
    answer(p, d.fields, s);
    if (info.content) ch.content[stream] = newContent(p, d.fields, true);
    else emit(st, p);
    if (info.name === "Channel.Close-Ok") forget(st, channel, ch);
    return true;
  }
  if (!info.content && info.replies.length === 0 && isReply(info.name)) {
    st.orphans++; // a reply to a method not seen (the connection was first seen mid-stream)
    return true;
  }
  const sender = stream === Stream.Request ? "client" : "server";
  // The method, its sender and channel first, as the record shows them.
  const { method: _, ...args } = d.fields;
  const ordered: AmqpRequest = { method: info.name, sender, channel, ...args };
  const p: Pending = {
    req: ordered,
    startNs: s.startNs,
    endNs: s.endNs,
    reqBytes: s.bytes,
    resp: null,
    respStartNs: -1,
    respEndNs: -1,
    respBytes: 0,
    replies: d.noWait ? [] : info.replies,
    seq: 0,
  };
  if (info.name === "Confirm.Select") ch.confirm = true;
  if (info.content) ch.content[stream] = newContent(p, ordered, false);
  else if (p.replies.length > 0) bounded(st, ch.waiting[stream], p, MAX_QUEUED);
  else emit(st, p);
  return true;
}

function isReply(name: string): boolean {
  return name.endsWith("-Ok") || name === "Basic.Get-Empty";
}

/** A channel closed: what still waits on it never gets an answer. */
function forget(st: AmqpState, id: number, ch: Channel): void {
  for (const p of [...ch.waiting[0], ...ch.waiting[1], ...ch.unconfirmed]) emit(st, p);
  st.channels.delete(id);
}

const ORPHAN: Pending = {
  req: { method: "", sender: "client", channel: 0 },
  startNs: 0,
  endNs: 0,
  reqBytes: 0,
  resp: null,
  respStartNs: -1,
  respEndNs: -1,
  respBytes: 0,
  replies: [],
  seq: 0,
};

/** A content header frame (payload `b[from..to)`): false when malformed. */
export function onHeader(st: AmqpState, channel: number, b: Uint8Array, from: number, to: number, s: Seen): boolean {
  const c = st.channels.get(channel)?.content[s.stream];
  if (!c || c.headerSeen) {
    // No message announced it (first seen mid-stream): checked, then dropped.
    const scratch = newContent(c?.pending ?? ORPHAN, { method: "" }, false);
    if (!readHeader(scratch, b, from, to, 0)) return false;
    st.orphans++;
    return true;
  }
  if (!readHeader(c, b, from, to, st.maxBodyBytes)) return false;
  account(c, s.bytes, s.endNs);
  if (complete(c)) contentDone(st, st.channels.get(channel)!, s.stream, c);
  return true;
}

/**
 * Body bytes of a frame on `channel` (`bytes` of them as `data`, or lost
 * when `data` is null), and `wire` bytes of frame they account for.
 */
export function onBody(
  st: AmqpState,
  stream: Stream,
  channel: number,
  data: Uint8Array | null,
  lost: number,
  wire: number,
  endNs: number,
): void {
  const ch = st.channels.get(channel);
  const c = ch?.content[stream];
  if (!ch || !c || !c.headerSeen) return;
  if (data) takeBody(c, data);
  else skipBody(c, lost);
  account(c, wire, endNs);
}

/** The end of a body frame: the content may be complete. */
export function onBodyEnd(st: AmqpState, stream: Stream, channel: number): void {
  const ch = st.channels.get(channel);
  const c = ch?.content[stream];
  if (ch && c && complete(c)) contentDone(st, ch, stream, c);
}

function account(c: Content, bytes: number, endNs: number): void {
  const p = c.pending;
  if (c.isResp) p.respBytes += bytes, p.respEndNs = endNs;
  else p.reqBytes += bytes, p.endNs = endNs;
}
