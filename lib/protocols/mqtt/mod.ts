/**
 * MQTT 3.1, 3.1.1 and 5.0 over TCP: one record per CONNECT, PING, message
 * delivery (PUBLISH and its acknowledgements), SUBSCRIBE and UNSUBSCRIBE,
 * and one for each DISCONNECT and AUTH, whichever end sent them.
 *
 * A PUBLISH's payload is streamed: only the first maxBodyBytes are kept,
 * so a large message never has to be held whole, and bytes the kernel did
 * not copy inside it are skipped without losing sync.
 *
 * @module
 */
import { type Exchange, type Parser, type ParserOptions, Stream } from "../common/parser.ts";
import { type Decoded, decodePacket, emptyDecoded, publishHead } from "./packet.ts";
import { drainOpen, onPacket } from "./pair.ts";
import { createState, exchangeOf, type MqttState, type PartialPublish } from "./state.ts";
import { summarize } from "./summary.ts";
import type { MqttRequest, Sender } from "./types.ts";
import { fixedHeader, hex, PacketType, printableText, Reader } from "./wire.ts";
import { clearArray } from "../common/arrays.ts";

/** Largest packet other than PUBLISH accepted (a CONNECT with its Will is the largest real one). */
export const MAX_CONTROL = 256 * 1024;
/** Bytes a PUBLISH's variable header may take before it is declared malformed. */
const MAX_PUBLISH_HEAD = 2 + 65535 + 2 + 5 + 4096;

function senderOf(stream: Stream): Sender {
  return stream === Stream.Request ? "client" : "server";
}

/** Resolves or records a version 5 Topic Alias (5.0 §3.3.2.3.4). */
function resolveAlias(st: MqttState, stream: Stream, req: MqttRequest): void {
  const alias = req.properties?.topic_alias;
  if (typeof alias !== "number") return;
  const map = st.aliases[stream];
  if (req.topic) {
    if (map.size < 65536) map.set(alias, req.topic);
  } else {
    req.topic = map.get(alias) ?? "";
  }
}

/** Sets the payload fields of a PUBLISH from the first bytes of its payload (`preview`) and its size. */
function setPayload(req: MqttRequest, preview: Uint8Array, size: number): void {
  req.payload_size = size;
  const cut = preview.length < size;
  const text = printableText(preview, cut);
  if (text !== null) req.payload = text;
  else req.payload_hex = hex(preview);
  if (cut) req.payload_truncated = true;
}

function finishPublish(st: MqttState, stream: Stream, p: PartialPublish, endNs: number): void {
  st.partial[stream] = null;
  const d: Decoded = emptyDecoded(PacketType.PUBLISH);
  d.req = p.pending.req;
  d.qos = d.req.qos!;
  d.packetId = d.req.packet_id ?? -1;
  setPayload(d.req, p.preview.subarray(0, p.previewLen), p.payloadSize);
  onPacket(st, d, { stream, startNs: p.pending.startNs, endNs, bytes: p.pending.reqBytes });
}

function take(p: PartialPublish, b: Uint8Array): void {
  if (p.gap) return;
  const n = Math.min(b.length, p.preview.length - p.previewLen);
  if (n > 0) p.preview.set(b.subarray(0, n), p.previewLen), p.previewLen += n;
}

function startPublish(
  st: MqttState,
  stream: Stream,
  d: Decoded,
  buf: Uint8Array,
  end: number,
  total: number,
  tsNs: number,
): PartialPublish {
  const payloadSize = total - d.payloadAt;
  const p: PartialPublish = {
    pending: {
      req: d.req!,
      startNs: tsNs,
      endNs: tsNs,
      reqBytes: total,
      resp: null,
      respStartNs: -1,
      respEndNs: -1,
      respBytes: 0,
    },
    left: total - end,
    payloadSize,
    preview: new Uint8Array(Math.min(payloadSize, st.maxBodyBytes)),
    previewLen: 0,
    gap: false,
  };
  resolveAlias(st, stream, d.req!);
  take(p, buf.subarray(d.payloadAt, end));
  return p;
}

/** A topic without control characters or bytes that were not UTF-8. */
function printableTopic(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0xfffd) return false;
  }
  return true;
}

/**
 * Whether a packet plausibly starts at `at`: a valid fixed header and, when
 * the packet is all in `buf`, a packet that decodes; when it is not, a
 * PUBLISH whose head decodes to a printable topic.
 */
function plausibleAt(st: MqttState, stream: Stream, buf: Uint8Array, at: number): boolean {
  const h = fixedHeader(buf, at, st.version);
  if (!h) return false;
  const total = h.headerLen + h.remaining;
  const sender = senderOf(stream);
  if (at + total <= buf.length) {
    const d = decodePacket(buf, at, h, st.version, sender);
    if (!d) return false;
    return d.type !== PacketType.PUBLISH || printableTopic(d.req!.topic!);
  }
  if (h.type !== PacketType.PUBLISH) return false;
  const r = new Reader(buf, at + h.headerLen, buf.length);
  const d = emptyDecoded(PacketType.PUBLISH);
  if (!publishHead(r, h, st.version, sender, d)) return false;
  return d.req!.topic !== "" && printableTopic(d.req!.topic!);
}

/** The MQTT {@linkcode Parser}. */
export const mqttParser: Parser<MqttState> = {
  protocol: "mqtt",

  createState(options: ParserOptions): MqttState {
    return createState(options.maxBodyBytes);
  },

  findBoundary(st, stream, buf, from) {
    st.partial[stream] = null;
    for (let i = from; i + 1 < buf.length; i++) {
      if (plausibleAt(st, stream, buf, i)) return i;
    }
    return -1;
  },

  parseFrame(st, stream, buf, tsNs, endTsNs) {
    const partial = st.partial[stream];
    if (partial) {
      const n = Math.min(partial.left, buf.length);
      take(partial, buf.subarray(0, n));
      partial.left -= n;
      if (partial.left === 0) finishPublish(st, stream, partial, endTsNs);
      return n;
    }
    const h = fixedHeader(buf, 0, st.version);
    if (h === undefined) return -1;
    if (h === null) return 0;
    const total = h.headerLen + h.remaining;
    if (h.type !== PacketType.PUBLISH && h.remaining > MAX_CONTROL) return -1;
    const sender = senderOf(stream);
    if (total <= buf.length) {
      const d = decodePacket(buf, 0, h, st.version, sender);
      if (!d) return -1;
      if (d.type === PacketType.PUBLISH) {
        // Whole: the payload is read in place, nothing is copied.
        resolveAlias(st, stream, d.req!);
        const payload = buf.subarray(d.payloadAt, total);
        setPayload(d.req!, payload.subarray(0, st.maxBodyBytes), payload.length);
      }
      onPacket(st, d, { stream, startNs: tsNs, endNs: endTsNs, bytes: total });
      return total;
    }
    if (h.type !== PacketType.PUBLISH) return 0;
    const d = emptyDecoded(PacketType.PUBLISH);
    const r = new Reader(buf, h.headerLen, buf.length);
    if (!publishHead(r, h, st.version, sender, d)) {
      // A read past the bytes held may only mean the head is still arriving.
      return !r.ok && buf.length < h.headerLen + MAX_PUBLISH_HEAD ? 0 : -1;
    }
    st.partial[stream] = startPublish(st, stream, d, buf, buf.length, total, tsNs);
    return buf.length;
  },

  skip(st, stream, len, tsNs) {
    const p = st.partial[stream];
    if (!p || len > p.left) {
      st.partial[stream] = null;
      return false;
    }
    if (p.previewLen < p.preview.length) p.gap = true;
    p.left -= len;
    if (p.left === 0) finishPublish(st, stream, p, tsNs);
    return true;
  },

  finish() {},

  match(st, out: Exchange[], closing) {
    for (const x of st.done) out.push(x);
    clearArray(st.done);
    if (!closing) return;
    st.partial[0] = st.partial[1] = null;
    for (const p of drainOpen(st)) out.push(exchangeOf(p));
  },

  reset(st) {
    st.partial[0] = st.partial[1] = null;
    drainOpen(st);
    st.aliases[0].clear();
    st.aliases[1].clear();
  },

  summarize,

  redact(req) {
    const q = req as MqttRequest | null;
    if (q && typeof q.username === "string") q.username = "***";
  },
};
