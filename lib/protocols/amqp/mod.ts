/**
 * AMQP 0-9-1 (RabbitMQ) over TCP: one record per synchronous method and
 * its reply (Connection.Start -> Start-Ok, Queue.Declare -> Declare-Ok,
 * Basic.Get -> Get-Ok with its message, ...), per published message (with
 * the broker's confirm on a confirm channel), per delivered or returned
 * message, and per acknowledgement, whichever end sent them.
 *
 * Frames may be split and joined anywhere across reads. A body frame is
 * streamed: only the first maxBodyBytes of a message are kept, and bytes
 * the kernel did not copy inside one are skipped without losing sync.
 *
 * @module
 */
import type { Exchange, Parser, ParserOptions } from "../common/parser.ts";
import { methodKey, METHODS } from "./methods.ts";
import { onBody, onBodyEnd, onHeader, onMethod } from "./pair.ts";
import { type AmqpState, createState, drainOpen, exchangeOf } from "./state.ts";
import { summarize } from "./summary.ts";
import { FRAME_END, FRAME_HEADER, FrameType, protocolHeaderAt, u16, u32 } from "./wire.ts";
import { clearArray } from "../common/arrays.ts";

/** Largest method or content header frame accepted (RabbitMQ's frame_max is at most 128 KiB by default). */
export const MAX_CONTROL = 1 << 20;
/** Largest body frame accepted: frame_max can be raised, never past this. */
export const MAX_BODY_FRAME = 1 << 28;

function knownFrameType(t: number): boolean {
  return t === FrameType.Method || t === FrameType.Header || t === FrameType.Body || t === FrameType.Heartbeat;
}

/**
 * Whether a method frame plausibly starts at `at`: a known class and
 * method and, when the frame is all in `buf`, its frame-end octet in place.
 */
function plausibleAt(buf: Uint8Array, at: number): boolean {
  if (protocolHeaderAt(buf, at) && at + 8 <= buf.length) return true;
  if (at + FRAME_HEADER + 4 > buf.length || buf[at] !== FrameType.Method) return false;
  const size = u32(buf, at + 3);
  if (size < 4 || size > MAX_CONTROL) return false;
  if (!METHODS.has(methodKey(u16(buf, at + 7), u16(buf, at + 9)))) return false;
  const end = at + FRAME_HEADER + size;
  return end >= buf.length || buf[end] === FRAME_END;
}

/** The AMQP 0-9-1 {@linkcode Parser}. */
export const amqpParser: Parser<AmqpState> = {
  protocol: "amqp",
  // Basic.Deliver and Basic.Return are records of their own.
  serverPushes: true,

  createState(options: ParserOptions): AmqpState {
    return createState(options.maxBodyBytes);
  },

  findBoundary(st, stream, buf, from) {
    st.body[stream] = null;
    for (let i = from; i < buf.length; i++) if (plausibleAt(buf, i)) return i;
    return -1;
  },

  parseFrame(st, stream, buf, tsNs, endTsNs) {
    const body = st.body[stream];
    if (body) {
      if (body.left === 0) {
        if (buf[0] !== FRAME_END) return -1;
        st.body[stream] = null;
        onBody(st, stream, body.channel, null, 0, 1, endTsNs);
        onBodyEnd(st, stream, body.channel);
        return 1;
      }
      const n = Math.min(body.left, buf.length);
      body.left -= n;
      onBody(st, stream, body.channel, buf.subarray(0, n), 0, n, endTsNs);
      return n;
    }
    if (buf[0] === 0x41) {
      // The protocol header: the client's first 8 bytes, or a broker's refusal of its version.
      if (!protocolHeaderAt(buf, 0)) return -1;
      return buf.length < 8 ? 0 : 8;
    }
    if (!knownFrameType(buf[0]!)) return -1;
    if (buf.length < FRAME_HEADER) return 0;
    const type = buf[0]!;
    const channel = u16(buf, 1);
    const size = u32(buf, 3);
    if (type === FrameType.Body) {
      if (size > MAX_BODY_FRAME) return -1;
      const whole = FRAME_HEADER + size + 1;
      if (whole <= buf.length) {
        if (buf[whole - 1] !== FRAME_END) return -1;
        onBody(st, stream, channel, buf.subarray(FRAME_HEADER, whole - 1), 0, whole, endTsNs);
        onBodyEnd(st, stream, channel);
        return whole;
      }
      // Streamed: the payload is taken as it comes, the frame end checked after it.
      const n = buf.length - FRAME_HEADER;
      st.body[stream] = { channel, left: size - n };
      onBody(st, stream, channel, buf.subarray(FRAME_HEADER), 0, buf.length, endTsNs);
      return buf.length;
    }
    if (size > MAX_CONTROL) return -1;
    const whole = FRAME_HEADER + size + 1;
    if (whole > buf.length) {
      // A method frame's class and method are known before it is whole: garbage fails early.
      if (type === FrameType.Method && buf.length >= FRAME_HEADER + 4 && size >= 4) {
        if (!METHODS.has(methodKey(u16(buf, 7), u16(buf, 9)))) return -1;
      }
      return 0;
    }
    if (buf[whole - 1] !== FRAME_END) return -1;
    const seen = { stream, startNs: tsNs, endNs: endTsNs, bytes: whole };
    switch (type) {
      case FrameType.Method:
        return onMethod(st, channel, buf, FRAME_HEADER, whole - 1, seen) ? whole : -1;
      case FrameType.Header:
        return onHeader(st, channel, buf, FRAME_HEADER, whole - 1, seen) ? whole : -1;
      default: // heartbeat: no record
        return size === 0 && channel === 0 ? whole : -1;
    }
  },

  skip(st, stream, len, tsNs) {
    const body = st.body[stream];
    if (!body || len > body.left) {
      st.body[stream] = null;
      return false;
    }
    body.left -= len;
    onBody(st, stream, body.channel, null, len, len, tsNs);
    return true;
  },

  finish() {},

  match(st, out: Exchange[], closing) {
    for (const x of st.done) out.push(x);
    clearArray(st.done);
    if (!closing) return;
    st.body[0] = st.body[1] = null;
    for (const p of drainOpen(st)) out.push(exchangeOf(p));
  },

  reset(st) {
    st.body[0] = st.body[1] = null;
    drainOpen(st);
  },

  summarize,
};
