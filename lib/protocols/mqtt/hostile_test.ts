// Malformed packets are -1 (never a throw, never a record), incomplete
// ones 0, and findBoundary finds the next packet after garbage.
import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { MAX_CONTROL, mqttParser as p } from "./mod.ts";
import { concat, packet, Sim, str } from "./testdata.ts";

const Q = Stream.Request, R = Stream.Response;
const fresh = (version = 4) => {
  const st = p.createState({ maxBodyBytes: 64, datagram: false });
  st.version = version;
  return st;
};
const parse = (b: Uint8Array, stream = Q, version = 4) => p.parseFrame(fresh(version), stream, b, 1, 1);

Deno.test("malformed packets are -1", () => {
  const bad: [string, Uint8Array, Stream?, number?][] = [
    ["reserved type 0", packet(0x00)],
    ["PUBLISH QoS 3", packet(0x36, str("t"), 0, 1)],
    ["SUBSCRIBE without its 0010 flags", packet(0x80, 0, 1, str("t"), 0)],
    ["PINGREQ with flags", packet(0xc1)],
    ["PINGREQ with a body", packet(0xc0, 0)],
    ["a fifth Remaining Length byte", Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01)],
    ["a non-minimal Remaining Length", Uint8Array.of(0xc0, 0x80, 0x00)],
    ["CONNECT with another protocol name", packet(0x10, str("MQTX"), 4, 2, 0, 60, str("c"))],
    ["CONNECT MQTT level 3", packet(0x10, str("MQTT"), 3, 2, 0, 60, str("c"))],
    ["CONNECT reserved flag", packet(0x10, str("MQTT"), 4, 3, 0, 60, str("c"))],
    ["CONNECT 3.1.1 password without user name", packet(0x10, str("MQTT"), 4, 0x42, 0, 60, str("c"), str("pw"))],
    ["CONNECT with bytes after its payload", packet(0x10, str("MQTT"), 4, 2, 0, 60, str("c"), 9)],
    ["CONNECT from the server", packet(0x10, str("MQTT"), 4, 2, 0, 60, str("c")), R],
    ["CONNACK 3.1.1 with properties", packet(0x20, 0, 0, 0), R],
    ["CONNACK reserved flags", packet(0x20, 2, 0), R],
    ["SUBSCRIBE with no subscription", packet(0x82, 0, 1)],
    ["SUBSCRIBE 3.1.1 reserved option bits", packet(0x82, 0, 1, str("t"), 0x04)],
    ["SUBSCRIBE 5 Retain Handling 3", packet(0x82, 0, 1, 0, str("t"), 0x30), Q, 5],
    ["SUBSCRIBE packet identifier 0", packet(0x82, 0, 0, str("t"), 0)],
    ["PUBLISH topic with a wildcard", packet(0x30, str("a/#"), 1)],
    ["PUBLISH empty topic without an alias", packet(0x30, str(""), 1)],
    ["PUBLISH QoS 1 packet identifier 0", packet(0x32, str("t"), 0, 0, 1)],
    ["v5 property of unknown identifier", packet(0x30, str("t"), 2, 0x7f, 0, 1), Q, 5],
    ["v5 property list past the packet", packet(0x30, str("t"), 9, 0x01, 0), Q, 5],
    ["3.1.1 UNSUBACK with codes", packet(0xb0, 0, 1, 0), R],
    ["AUTH in 3.1.1", packet(0xf0)],
    ["3.1.1 DISCONNECT from the server", packet(0xe0), R],
    [`a control packet over ${MAX_CONTROL} bytes`, Uint8Array.of(0x82, 0xff, 0xff, 0x7f)],
  ];
  for (const [what, b, stream, version] of bad) assert.equal(parse(b, stream, version), -1, what);
});

Deno.test("incomplete packets are 0 until whole; truncation never throws", () => {
  const whole = packet(0x10, str("MQTT"), 5, 0xc2, 0, 60, 3, 0x21, 0, 20, str("cid"), str("u"), str("p"));
  for (let n = 0; n < whole.length; n++) assert.equal(parse(whole.subarray(0, n)), 0, `${n} bytes`);
  assert.equal(parse(whole), whole.length);
});

Deno.test("findBoundary skips garbage to the next packet that decodes", () => {
  const st = fresh();
  const ping = packet(0xc0);
  const sub = packet(0x82, 0, 5, str("a/b"), 1);
  const junk = new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n");
  const buf = concat(junk, sub, ping);
  assert.equal(p.findBoundary(st, Q, buf, 0), junk.length);
  assert.equal(p.findBoundary(st, Q, junk, 0), -1);
  // A PUBLISH cut short counts when its head decodes to a printable topic.
  const big = packet(0x30, str("sensors/t"), ...new Array(300).fill(0x41));
  assert.equal(p.findBoundary(st, Q, concat(junk, big.subarray(0, 40)), 0), junk.length);
  const ctl = packet(0x30, str("a\u0001b"), ...new Array(300).fill(0x41));
  assert.equal(p.findBoundary(st, Q, concat(junk, ctl.subarray(0, 40)), 0), -1);
});

Deno.test("random bytes after a valid session never throw and never pair", () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 500; i++) {
    const s = new Sim(32);
    s.push(Q, packet(0x10, str("MQTT"), 4, 2, 0, 60, str("c")), 1);
    s.push(R, packet(0x20, 0, 0), 2);
    const junk = Uint8Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256));
    s.push(rand() < 0.5 ? Q : R, junk, 3);
    s.close(4);
    for (const x of s.out) JSON.stringify(x);
  }
});

Deno.test("a PUBLISH cut short is 0 while its head may be arriving, -1 once its head is wrong", () => {
  const big = packet(0x32, str("sensors/t"), 0, 1, ...new Array(300).fill(0x41));
  assert.equal(parse(big.subarray(0, 6)), 0);
  assert.equal(parse(big.subarray(0, 40)), 40);
  const wild = packet(0x32, str("sensors/#"), 0, 1, ...new Array(300).fill(0x41));
  assert.equal(parse(wild.subarray(0, 40)), -1);
  const zeroId = packet(0x32, str("t"), 0, 0, ...new Array(300).fill(0x41));
  assert.equal(parse(zeroId.subarray(0, 40)), -1);
});
