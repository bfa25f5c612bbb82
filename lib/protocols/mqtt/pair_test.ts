// Pairing on synthetic packets built from the specification: identifiers
// answered out of order, QoS 2 refused at PUBREC, acknowledgements that
// answer nothing, close with exchanges open, gaps inside a payload, reset.
import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { mqttParser as p } from "./mod.ts";
import { MAX_INFLIGHT } from "./state.ts";
import { concat, lines, packet, Sim, str } from "./testdata.ts";
import type { MqttRequest } from "./types.ts";

const Q = Stream.Request, R = Stream.Response;
const CONNECT4 = packet(0x10, str("MQTT"), 4, 2, 0, 60, str("c1"));
const CONNECT5 = packet(0x10, str("MQTT"), 5, 2, 0, 60, 0, str("c5"));
const CONNACK4 = packet(0x20, 0, 0);
const CONNACK5 = packet(0x20, 0, 0, 0);
const id = (n: number) => [n >> 8, n & 0xff];
const pub = (qos: number, pid: number, topic = "t", body = "m", v5 = false) =>
  packet(0x30 | qos << 1, str(topic), qos ? id(pid) : [], v5 ? [0] : [], [...new TextEncoder().encode(body)]);

function session(v5 = false): Sim {
  const s = new Sim();
  s.push(Q, v5 ? CONNECT5 : CONNECT4, 1);
  s.push(R, v5 ? CONNACK5 : CONNACK4, 2);
  return s;
}

Deno.test("QoS 1 answered out of order: each PUBACK finds its own PUBLISH", () => {
  const s = session();
  s.push(Q, concat(pub(1, 10, "a"), pub(1, 11, "b")), 10);
  s.push(R, packet(0x40, id(11)), 20);
  s.push(R, packet(0x40, id(10)), 30);
  assert.deepEqual(lines(s.out), [
    "CONNECT c1 v4 -> CONNACK accepted",
    "PUBLISH b qos1 (1 B) -> PUBACK success",
    "PUBLISH a qos1 (1 B) -> PUBACK success",
  ]);
  assert.deepEqual(s.out.slice(1).map((x) => [x.reqStartNs, x.respEndNs]), [[10, 20], [10, 30]]);
});

Deno.test("QoS 2 refused at PUBREC ends there; a PUBREL for it later is an orphan", () => {
  const s = session(true);
  s.push(Q, pub(2, 5, "t", "m", true), 10);
  s.push(R, packet(0x50, id(5), 0x97, 0), 20);
  s.push(Q, packet(0x62, id(5)), 30);
  assert.deepEqual(lines(s.out).slice(1), ["PUBLISH t qos2 (1 B) -> PUBREC quota_exceeded"]);
  assert.equal(s.state.orphans, 1);
});

Deno.test("QoS 2 latency runs from PUBLISH to PUBCOMP, bytes of all four packets", () => {
  const s = session();
  s.push(Q, pub(2, 5), 10);
  s.push(R, packet(0x50, id(5)), 20);
  s.push(Q, packet(0x62, id(5)), 30);
  assert.equal(s.out.length, 1, "no record before PUBCOMP");
  s.push(R, packet(0x70, id(5)), 40);
  const x = s.out[1]!;
  assert.deepEqual([x.reqStartNs, x.reqEndNs, x.respStartNs, x.respEndNs, x.reqBytes, x.respBytes], [
    10,
    30,
    20,
    40,
    pub(2, 5).length + 4,
    8,
  ]);
});

Deno.test("acknowledgements of the wrong kind or of nothing pair with nothing", () => {
  const s = session();
  s.push(Q, pub(1, 1), 10);
  s.push(R, packet(0x90, id(1), 0), 20); // SUBACK for a PUBLISH's identifier
  s.push(R, packet(0x50, id(1)), 21); // PUBREC for a QoS 1 PUBLISH
  s.push(R, packet(0x40, id(2)), 22); // nothing in flight with id 2
  s.push(R, packet(0xd0), 23); // PINGRESP with no PINGREQ
  assert.equal(s.out.length, 1);
  assert.equal(s.state.orphans, 4);
  s.push(R, packet(0x40, id(1)), 30);
  assert.deepEqual(lines(s.out).slice(1), ["PUBLISH t qos1 (1 B) -> PUBACK success"]);
});

Deno.test("QoS 0 PUBLISH and DISCONNECT are records at once; open exchanges get resp null at close", () => {
  const s = session();
  s.push(Q, concat(pub(0, 0), pub(1, 3)), 10);
  s.push(Q, packet(0xc0), 11);
  assert.deepEqual(lines(s.out).slice(1), ["PUBLISH t qos0 (1 B)"]);
  s.push(Q, packet(0xe0), 20);
  assert.deepEqual(lines(s.out).slice(2), ["DISCONNECT"]);
  s.close(30);
  assert.deepEqual(lines(s.out).slice(3), ["PUBLISH t qos1 (1 B)", "PINGREQ"]);
  assert.ok(s.out.slice(3).every((x) => x.resp === null && x.respEndNs === -1));
});

Deno.test("a gap inside a payload is skipped: the record keeps its size, the preview stops at the gap", () => {
  const s = session();
  const big = pub(1, 4, "big", "abcdefghij".repeat(10));
  s.push(Q, big.subarray(0, 20), 10);
  s.gap(Q, 50, 11);
  s.push(Q, big.subarray(70), 12);
  s.push(R, packet(0x40, id(4)), 20);
  const req = s.out[1]!.req as MqttRequest;
  assert.equal(req.payload_size, 100);
  // 20 bytes: the 9 of the fixed header, topic and identifier, then 11 of payload.
  assert.equal(req.payload, "abcdefghija");
  assert.equal(req.payload_truncated, true);
  assert.equal(s.out[1]!.reqBytes, big.length);
  // A gap past the packet's end cannot be absorbed.
  s.push(Q, pub(1, 6, "x", "0123456789").subarray(0, 8), 30);
  assert.equal(p.skip(s.state, Q, 500, 31), false);
});

Deno.test("reset drops what is in flight: a later acknowledgement pairs with nothing", () => {
  const s = session();
  s.push(Q, pub(1, 9), 10);
  p.reset(s.state);
  s.push(R, packet(0x40, id(9)), 20);
  s.close(30);
  assert.equal(s.out.length, 1);
});

Deno.test("CONNACK's assigned client identifier names the connection's later records", () => {
  const s = new Sim();
  s.push(Q, packet(0x10, str("MQTT"), 5, 2, 0, 60, 0, str("")), 1);
  s.push(R, packet(0x20, 0, 0, [9, 0x12, ...str("auto-1")]), 2);
  s.push(Q, pub(0, 0, "t", "ok", true), 3);
  assert.equal((s.out[0]!.req as MqttRequest).client_id, "");
  assert.deepEqual(s.out[0]!.resp, {
    type: "CONNACK",
    reason_code: 0,
    reason: "success",
    session_present: false,
    properties: { assigned_client_id: "auto-1" },
  });
  assert.equal((s.out[1]!.req as MqttRequest).client_id, "auto-1");
});

Deno.test("exchanges in flight stay bounded", () => {
  const s = session();
  for (let i = 1; i <= MAX_INFLIGHT + 50; i++) s.push(Q, pub(1, i), i);
  assert.equal(s.state.inflight[Q].size, MAX_INFLIGHT);
  assert.equal(s.state.overflow, 50);
  s.push(R, packet(0x40, id(MAX_INFLIGHT + 50)), 1e5);
  assert.equal(s.out.length, 2);
});
