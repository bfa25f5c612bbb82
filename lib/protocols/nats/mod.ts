/**
 * The NATS client protocol over TCP: one record per CONNECT, INFO, PUB,
 * HPUB, SUB, UNSUB and PING (with its PONG), per MSG and HMSG the server
 * delivers, and per -ERR that answers nothing; see pair.ts for what is
 * answered by what.
 *
 * A message's payload is streamed: only the first maxBodyBytes are kept,
 * so a large message is never held whole, and bytes the kernel did not
 * copy inside it are skipped without losing sync. The header block of an
 * HPUB or HMSG is read whole (up to MAX_HEADER_BLOCK bytes).
 *
 * @module
 */
import { type Exchange, type Parser, type ParserOptions, Stream } from "../common/parser.ts";
import { type Control, decodeControl, lineEnd, MAX_LINE, verbOf, verbPrefix } from "./control.ts";
import { answerOf, requestOf, setHeaders, setPayload } from "./message.ts";
import { drainOpen, onAnswer, onRequest } from "./pair.ts";
import { createState, type NatsState, type PartialMessage, unanswered } from "./state.ts";
import { summarize } from "./summary.ts";
import { clearArray } from "../common/arrays.ts";

/** Largest header block decoded; a larger one is passed over like a payload. */
export const MAX_HEADER_BLOCK = 64 * 1024;

/** Feeds body bytes b (at body offset p.pos) to a message in progress; false when its final CR LF is wrong. */
function take(p: PartialMessage, b: Uint8Array): boolean {
  const payloadEnd = p.payloadAt + p.payloadSize;
  for (let i = 0; i < b.length; i++) {
    const at = p.pos + i;
    if (at === payloadEnd && b[i] !== 0x0d) return false;
    if (at === payloadEnd + 1 && b[i] !== 0x0a) return false;
  }
  if (!p.gap && p.previewLen < p.preview.length) {
    // Payload bytes of b fill the preview.
    const from = Math.max(0, p.payloadAt + p.previewLen - p.pos);
    const n = Math.min(b.length - from, p.preview.length - p.previewLen);
    if (n > 0) p.preview.set(b.subarray(from, from + n), p.previewLen), p.previewLen += n;
  }
  p.pos += b.length;
  p.left -= b.length;
  return true;
}

function finishMessage(st: NatsState, stream: Stream, p: PartialMessage, endNs: number): void {
  st.partial[stream] = null;
  setPayload(p.req, p.preview.subarray(0, p.previewLen), p.payloadSize, p.gap);
  onRequest(st, p.req, { stream, startNs: p.startNs, endNs, bytes: p.frameBytes });
}

/**
 * A message line: the whole frame when it is all in `buf`, else its line
 * (and header block) and the payload bytes held, the rest kept in state.
 */
function parseMessage(st: NatsState, stream: Stream, buf: Uint8Array, c: Control, tsNs: number, endTsNs: number) {
  const body = c.lineLen;
  const hdr = c.headerSize > 0 ? c.headerSize : 0;
  const frame = body + c.totalSize + 2;
  const decodeHdr = hdr > 0 && hdr <= MAX_HEADER_BLOCK;
  if (decodeHdr && buf.length < body + hdr) return 0;
  const req = requestOf(buf, c, stream);
  if (c.headerSize >= 0) {
    if (decodeHdr) setHeaders(req, buf.subarray(body, body + hdr), hdr);
    else req.headers_size = c.headerSize;
  }
  const payloadSize = c.totalSize - hdr;
  if (frame <= buf.length) {
    if (buf[frame - 2] !== 0x0d || buf[frame - 1] !== 0x0a) return -1;
    // Whole: the payload is read in place, nothing is copied.
    const at = body + hdr;
    setPayload(req, buf.subarray(at, at + Math.min(payloadSize, st.maxBodyBytes)), payloadSize);
    onRequest(st, req, { stream, startNs: tsNs, endNs: endTsNs, bytes: frame });
    return frame;
  }
  const p: PartialMessage = {
    req,
    startNs: tsNs,
    frameBytes: frame,
    left: c.totalSize + 2,
    payloadAt: hdr,
    payloadSize,
    pos: 0,
    preview: new Uint8Array(Math.min(payloadSize, st.maxBodyBytes)),
    previewLen: 0,
    gap: false,
  };
  take(p, buf.subarray(body));
  st.partial[stream] = p;
  return buf.length;
}

/** Whether a control line plausibly starts at b[at]: a verb of the stream, and a valid line if its end is held. */
function plausibleAt(stream: Stream, b: Uint8Array, at: number): boolean {
  if (verbOf(b, at, stream) === null) return false;
  const lf = lineEnd(b, at, MAX_LINE);
  return lf < 0 ? b.length - at < MAX_LINE : decodeControl(b, at, lf, stream) !== null;
}

/** The NATS {@linkcode Parser}. */
export const natsParser: Parser<NatsState> = {
  protocol: "nats",
  // The server's INFO comes first and is a record of its own.
  serverSpeaksFirst: true,
  // MSG and HMSG are deliveries, records of their own.
  serverPushes: true,

  createState(options: ParserOptions): NatsState {
    return createState(options.maxBodyBytes);
  },

  findBoundary(st, stream, buf, from) {
    st.partial[stream] = null;
    for (let i = from; i < buf.length; i++) {
      if ((i === 0 || buf[i - 1] === 0x0a) && plausibleAt(stream, buf, i)) return i;
    }
    return -1;
  },

  parseFrame(st, stream, buf, tsNs, endTsNs) {
    const p = st.partial[stream];
    if (p) {
      const n = Math.min(p.left, buf.length);
      if (!take(p, buf.subarray(0, n))) {
        st.partial[stream] = null;
        return -1;
      }
      if (p.left === 0) finishMessage(st, stream, p, endTsNs);
      return n;
    }
    const lf = lineEnd(buf, 0, MAX_LINE);
    if (lf < 0) {
      if (buf.length >= MAX_LINE) return -1;
      // Refuse early what can never become a line of this stream.
      return verbPrefix(buf, 0, stream) || verbOf(buf, 0, stream) !== null ? 0 : -1;
    }
    const c = decodeControl(buf, 0, lf, stream);
    if (!c) return -1;
    if (c.totalSize >= 0) return parseMessage(st, stream, buf, c, tsNs, endTsNs);
    const seen = { stream, startNs: tsNs, endNs: endTsNs, bytes: c.lineLen };
    const resp = answerOf(buf, c, stream);
    if (resp) onAnswer(st, resp, seen);
    else onRequest(st, requestOf(buf, c, stream), seen);
    return c.lineLen;
  },

  skip(st, stream, len) {
    const p = st.partial[stream];
    // Only bytes inside the payload: the final CR LF must still be seen.
    if (!p || len > p.left - 2) {
      st.partial[stream] = null;
      return false;
    }
    if (p.previewLen < p.preview.length) p.gap = true;
    p.pos += len;
    p.left -= len;
    return true;
  },

  finish() {},

  match(st, out: Exchange[], closing) {
    for (const x of st.done) out.push(x);
    clearArray(st.done);
    if (!closing) return;
    st.partial[0] = st.partial[1] = null;
    for (const p of drainOpen(st)) out.push(unanswered(p));
  },

  reset(st) {
    st.partial[0] = st.partial[1] = null;
    drainOpen(st);
  },

  summarize,
};
