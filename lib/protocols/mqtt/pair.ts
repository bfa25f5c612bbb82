/**
 * Pairing MQTT packets into exchanges, as they are decoded (packets arrive
 * in the order the connection carried them):
 *
 * - CONNECT -> CONNACK and PINGREQ -> PINGRESP, in order;
 * - PUBLISH QoS 1 -> PUBACK, QoS 2 -> PUBREC, PUBREL -> PUBCOMP (one
 *   exchange: the delivery), SUBSCRIBE -> SUBACK, UNSUBSCRIBE -> UNSUBACK,
 *   by Packet Identifier in the sender's own identifier space (the broker's
 *   PUBLISH to a subscriber is acknowledged by the client);
 * - PUBLISH QoS 0, DISCONNECT and AUTH stand alone.
 *
 * @module
 */
import { Stream } from "../common/parser.ts";
import type { Decoded } from "./packet.ts";
import { isFailure } from "./reasons.ts";
import { exchangeOf, MAX_INFLIGHT, MAX_QUEUED, type MqttState, type Pending } from "./state.ts";
import type { MqttResponse } from "./types.ts";
import { PacketType } from "./wire.ts";
import { dropFront } from "../common/arrays.ts";

/** Where and when a packet was seen. */
export interface Seen {
  stream: Stream;
  startNs: number;
  endNs: number;
  bytes: number;
}

function pending(d: Decoded, s: Seen): Pending {
  return {
    req: d.req!,
    startNs: s.startNs,
    endNs: s.endNs,
    reqBytes: s.bytes,
    resp: null,
    respStartNs: -1,
    respEndNs: -1,
    respBytes: 0,
  };
}

function answer(st: MqttState, p: Pending, resp: MqttResponse, s: Seen): void {
  if (p.resp === null) p.respStartNs = s.startNs;
  p.resp = resp;
  p.respEndNs = s.endNs;
  p.respBytes += s.bytes;
  st.done.push(exchangeOf(p));
}

function enqueue(st: MqttState, q: Pending[], p: Pending): void {
  if (q.length >= MAX_QUEUED) {
    dropFront(q, 1);
    st.overflow++;
  }
  q.push(p);
}

function track(st: MqttState, stream: Stream, id: number, p: Pending): void {
  const m = st.inflight[stream];
  m.delete(id); // a retransmission (DUP) replaces the copy in flight
  if (m.size >= MAX_INFLIGHT) {
    m.delete(m.keys().next().value!);
    st.overflow++;
  }
  m.set(id, p);
}

/** The exchange in flight that an acknowledgement from `stream` answers, if of the type it must be. */
function awaiting(st: MqttState, stream: Stream, id: number, type: string, qos?: number): Pending | undefined {
  const p = st.inflight[stream === Stream.Request ? Stream.Response : Stream.Request].get(id);
  if (!p || p.req.type !== type || (qos !== undefined && p.req.qos !== qos)) return undefined;
  return p;
}

/** Records one decoded packet: opens, advances or completes an exchange. */
export function onPacket(st: MqttState, d: Decoded, s: Seen): void {
  if (d.req && st.clientId !== null && d.req.client_id === undefined) d.req.client_id = st.clientId;
  const other = s.stream === Stream.Request ? Stream.Response : Stream.Request;
  switch (d.type) {
    case PacketType.CONNECT:
      st.version = d.level;
      st.clientId = d.req!.client_id || null;
      enqueue(st, st.connects, pending(d, s));
      return;
    case PacketType.CONNACK: {
      const p = st.connects.shift();
      const assigned = d.resp!.properties?.assigned_client_id;
      if (typeof assigned === "string") st.clientId = assigned;
      if (p) answer(st, p, d.resp!, s);
      else st.orphans++;
      return;
    }
    case PacketType.PUBLISH: {
      const p = pending(d, s);
      if (d.qos === 0) st.done.push(exchangeOf(p));
      else track(st, s.stream, d.packetId, p);
      return;
    }
    case PacketType.PUBACK:
    case PacketType.SUBACK:
    case PacketType.UNSUBACK: {
      const type = d.type === PacketType.PUBACK
        ? "PUBLISH"
        : d.type === PacketType.SUBACK
        ? "SUBSCRIBE"
        : "UNSUBSCRIBE";
      const p = awaiting(st, s.stream, d.packetId, type, d.type === PacketType.PUBACK ? 1 : undefined);
      if (!p) {
        st.orphans++;
        return;
      }
      st.inflight[other].delete(d.packetId);
      answer(st, p, d.resp!, s);
      return;
    }
    case PacketType.PUBREC: {
      const p = awaiting(st, s.stream, d.packetId, "PUBLISH", 2);
      if (!p || p.resp !== null) {
        st.orphans++;
        return;
      }
      const code = d.resp!.reason_code!;
      if (isFailure(d.type, code)) {
        // A refused QoS 2 message ends here (5.0 §4.3.3): no PUBREL follows.
        st.inflight[other].delete(d.packetId);
        answer(st, p, d.resp!, s);
        return;
      }
      p.resp = d.resp;
      p.respStartNs = s.startNs;
      p.respEndNs = s.endNs;
      p.respBytes = s.bytes;
      return;
    }
    case PacketType.PUBREL: {
      // From the publisher: part of its delivery, counted as request bytes.
      const p = st.inflight[s.stream].get(d.packetId);
      if (!p || p.req.type !== "PUBLISH" || p.resp?.type !== "PUBREC") {
        st.orphans++;
        return;
      }
      p.reqBytes += s.bytes;
      p.endNs = s.endNs;
      return;
    }
    case PacketType.PUBCOMP: {
      const p = awaiting(st, s.stream, d.packetId, "PUBLISH", 2);
      if (!p || p.resp?.type !== "PUBREC") {
        st.orphans++;
        return;
      }
      st.inflight[other].delete(d.packetId);
      const resp: MqttResponse = { ...d.resp!, pubrec_reason_code: p.resp.reason_code };
      answer(st, p, resp, s);
      return;
    }
    case PacketType.SUBSCRIBE:
    case PacketType.UNSUBSCRIBE:
      track(st, s.stream, d.packetId, pending(d, s));
      return;
    case PacketType.PINGREQ:
      enqueue(st, st.pings, pending(d, s));
      return;
    case PacketType.PINGRESP: {
      const p = st.pings.shift();
      if (p) answer(st, p, d.resp!, s);
      else st.orphans++;
      return;
    }
    default: // DISCONNECT, AUTH
      st.done.push(exchangeOf(pending(d, s)));
  }
}

/**
 * Every exchange still open, oldest first, for a connection that closed:
 * a QoS 2 delivery that got its PUBREC but no PUBCOMP keeps the PUBREC.
 */
export function drainOpen(st: MqttState): Pending[] {
  const all = [...st.connects, ...st.pings, ...st.inflight[0].values(), ...st.inflight[1].values()];
  st.connects = [];
  st.pings = [];
  st.inflight[0].clear();
  st.inflight[1].clear();
  return all.sort((a, b) => a.startNs - b.startNs);
}
