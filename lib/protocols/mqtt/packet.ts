/**
 * Decoding one MQTT control packet's variable header and payload (3.1.1
 * §3, 5.0 §3) into the record shapes. Decoders are strict about what the
 * specifications require (reserved bits, lengths), since a packet that
 * decodes is also how the parser finds its place after a loss.
 *
 * @module
 */
import { type Properties, readProperties } from "./properties.ts";
import { reasonName } from "./reasons.ts";
import type { MqttRequest, MqttResponse, Sender, Subscription } from "./types.ts";
import { type FixedHeader, PacketType, Reader, TYPE_NAMES } from "./wire.ts";

/** A decoded packet: what opens an exchange (`req`) or answers one (`resp`). */
export interface Decoded {
  type: number;
  /** Packet Identifier, or -1 when the packet has none. */
  packetId: number;
  req: MqttRequest | null;
  resp: MqttResponse | null;
  /** PUBLISH: QoS; CONNECT: the protocol level it asks for. */
  qos: number;
  level: number;
  /** PUBLISH: offset of the payload in the buffer decoded. */
  payloadAt: number;
}

/** A Decoded of `type` with nothing decoded yet. */
export function emptyDecoded(type: number): Decoded {
  return { type, packetId: -1, req: null, resp: null, qos: 0, level: 0, payloadAt: 0 };
}

function props(p: Properties): Record<string, string | number> | undefined {
  for (const _ in p) return p as Record<string, string | number>;
  return undefined;
}

function ack(type: number, code: number, version: number, p: Properties): MqttResponse {
  const resp: MqttResponse = { type: TYPE_NAMES[type]!, reason_code: code, reason: reasonName(type, code, version) };
  const kept = props(p);
  if (kept) resp.properties = kept;
  return resp;
}

/**
 * Decodes the whole packet `b[at, at + headerLen + remaining)` (the caller
 * checked it is all there), sent by `sender` on a connection of protocol
 * `version` (0 before CONNECT). Null when the packet is malformed.
 */
export function decodePacket(
  b: Uint8Array,
  at: number,
  h: FixedHeader,
  version: number,
  sender: Sender,
): Decoded | null {
  const r = new Reader(b, at + h.headerLen, at + h.headerLen + h.remaining);
  const v5 = version === 5;
  const d = emptyDecoded(h.type);
  const p: Properties = {};
  switch (h.type) {
    case PacketType.CONNECT:
      return sender === "client" ? connect(r, d) : null;
    case PacketType.CONNACK: {
      if (sender !== "server") return null;
      const flags = r.u8(), code = r.u8();
      if ((flags & 0xfe) !== 0 || (v5 ? !readProperties(r, p) : r.left !== 0)) return null;
      d.resp = ack(h.type, code, version, p);
      d.resp.session_present = (flags & 1) === 1;
      break;
    }
    case PacketType.PUBLISH:
      if (!publishHead(r, h, version, sender, d)) return null;
      return d;
    case PacketType.PUBACK:
    case PacketType.PUBREC:
    case PacketType.PUBREL:
    case PacketType.PUBCOMP: {
      d.packetId = r.u16();
      let code = 0;
      if (v5 && r.left > 0) code = r.u8();
      if (v5 && r.left > 0 && !readProperties(r, p)) return null;
      if (d.packetId === 0) return null;
      d.resp = ack(h.type, code, version, p);
      break;
    }
    case PacketType.SUBSCRIBE:
    case PacketType.UNSUBSCRIBE: {
      if (sender !== "client") return null;
      d.packetId = r.u16();
      if (v5 && !readProperties(r, p)) return null;
      const subs: Subscription[] = [], topics: string[] = [];
      while (r.ok && r.left > 0) {
        const topic = r.str();
        if (h.type === PacketType.UNSUBSCRIBE) {
          topics.push(topic);
          continue;
        }
        const opts = r.u8();
        // 3.x: bits 2-7 reserved; 5: bits 6-7 reserved, Retain Handling 3 invalid.
        if ((opts & 3) === 3 || (v5 ? (opts & 0xc0) !== 0 || (opts & 0x30) === 0x30 : (opts & 0xfc) !== 0)) {
          return null;
        }
        subs.push({ topic, qos: opts & 3 });
      }
      if (!r.ok || d.packetId === 0 || subs.length + topics.length === 0) return null;
      const req: MqttRequest = { type: TYPE_NAMES[h.type]!, sender, packet_id: d.packetId };
      if (h.type === PacketType.SUBSCRIBE) req.subscriptions = subs;
      else req.topics = topics;
      const kept = props(p);
      if (kept) req.properties = kept;
      d.req = req;
      break;
    }
    case PacketType.SUBACK:
    case PacketType.UNSUBACK: {
      if (sender !== "server") return null;
      d.packetId = r.u16();
      if (v5 && !readProperties(r, p)) return null;
      const codes: number[] = [];
      while (r.ok && r.left > 0) codes.push(r.u8());
      // 3.x UNSUBACK carries no codes; SUBACK always at least one.
      if (!r.ok || d.packetId === 0) return null;
      if ((h.type === PacketType.SUBACK || v5) ? codes.length === 0 : codes.length !== 0) return null;
      const failed = codes.find((c) => c >= 0x80);
      d.resp = ack(h.type, failed ?? codes[0] ?? 0, version, p);
      if (h.type === PacketType.SUBACK) d.resp.granted = codes;
      else if (v5) d.resp.reason_codes = codes;
      break;
    }
    case PacketType.PINGREQ:
      if (sender !== "client" || h.remaining !== 0) return null;
      d.req = { type: "PINGREQ", sender };
      return d;
    case PacketType.PINGRESP:
      if (sender !== "server" || h.remaining !== 0) return null;
      d.resp = { type: "PINGRESP" };
      return d;
    case PacketType.DISCONNECT:
    case PacketType.AUTH: {
      // 3.x DISCONNECT is empty and only the client's; 5 adds a code and properties.
      if (!v5 && (h.remaining !== 0 || sender !== "client")) return null;
      const code = r.left > 0 ? r.u8() : 0;
      if (r.left > 0 && !readProperties(r, p)) return null;
      const req: MqttRequest = { type: TYPE_NAMES[h.type]!, sender };
      if (v5) {
        req.reason_code = code;
        req.reason = reasonName(h.type, code, version);
      }
      const kept = props(p);
      if (kept) req.properties = kept;
      d.req = req;
      break;
    }
    default:
      return null;
  }
  return r.ok && r.left === 0 ? d : null;
}

/** CONNECT (3.1.1 §3.1, 5.0 §3.1); the password's bytes are skipped, never read. */
function connect(r: Reader, d: Decoded): Decoded | null {
  const name = r.str(), level = r.u8(), flags = r.u8(), keepAlive = r.u16();
  if (!r.ok || !((name === "MQTT" && (level === 4 || level === 5)) || (name === "MQIsdp" && level === 3))) return null;
  const will = (flags & 0x04) !== 0, willQos = (flags >> 3) & 3;
  // Reserved bit, Will QoS 3, Will QoS or Retain without a Will, a password without a user name in 3.x.
  if ((flags & 1) || willQos === 3 || (!will && (flags & 0x38))) return null;
  if (level < 5 && (flags & 0xc0) === 0x40) return null;
  const p: Properties = {};
  if (level === 5 && !readProperties(r, p)) return null;
  const clientId = r.str();
  const req: MqttRequest = {
    type: "CONNECT",
    sender: "client",
    client_id: clientId,
    protocol_name: name,
    protocol_version: level,
    clean_start: (flags & 0x02) !== 0,
    keep_alive: keepAlive,
  };
  if (will) {
    if (level === 5 && !readProperties(r, {})) return null;
    req.will = { topic: r.str(), qos: willQos, retain: (flags & 0x20) !== 0 };
    r.bin();
  }
  if (flags & 0x80) req.username = r.str();
  if (flags & 0x40) r.bin();
  const kept = props(p);
  if (kept) req.properties = kept;
  if (!r.ok || r.left !== 0) return null;
  d.level = level;
  d.req = req;
  return d;
}

/**
 * PUBLISH's variable header (topic, packet id, properties) from a reader
 * that may end before the payload does; sets `d.payloadAt`. False when it
 * is malformed or not all there.
 */
export function publishHead(r: Reader, h: FixedHeader, version: number, sender: Sender, d: Decoded): boolean {
  const qos = (h.flags >> 1) & 3;
  const topic = r.str();
  if (qos > 0) d.packetId = r.u16();
  const p: Properties = {};
  if (version === 5 && !readProperties(r, p)) return false;
  if (!r.ok || (qos > 0 && d.packetId === 0)) return false;
  // Topic names carry no wildcards (§4.7); an empty one needs a v5 alias.
  if (topic.includes("+") || topic.includes("#") || topic.includes("\u0000")) return false;
  if (topic === "" && p.topic_alias === undefined) return false;
  d.qos = qos;
  d.payloadAt = r.pos;
  const req: MqttRequest = {
    type: "PUBLISH",
    sender,
    topic,
    qos,
    retain: (h.flags & 1) === 1,
    dup: (h.flags & 8) === 8,
  };
  if (qos > 0) req.packet_id = d.packetId;
  const kept = props(p);
  if (kept) req.properties = kept;
  d.req = req;
  return true;
}
