import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { driveParser } from "../common/fuzz_drive.ts";
import { mqttParser as p } from "./mod.ts";
import { MAX_INFLIGHT, MAX_QUEUED, type MqttState } from "./state.ts";
import { load, packet, rng, str } from "./testdata.ts";
import * as F from "./testdata/captured.ts";

/** Drive every entry point with `buf` cut at random places, as the tracker would. */
function drive(st: MqttState, rand: () => number, stream: Stream, buf: Uint8Array): void {
  driveParser(p, st, rand, stream, buf, (st) => {
    assert.ok(st.inflight[0].size <= MAX_INFLIGHT && st.inflight[1].size <= MAX_INFLIGHT);
    assert.ok(st.connects.length <= MAX_QUEUED && st.pings.length <= MAX_QUEUED);
    for (const part of st.partial) assert.ok(!part || part.preview.length <= st.maxBodyBytes);
  });
}

const TOKENS = [
  packet(0x10, str("MQTT"), 5, 0xc2, 0, 60, 0, str("c"), str("u"), str("p")),
  packet(0x10, str("MQIsdp"), 3, 2, 0, 60, str("c")),
  packet(0x20, 0, 0),
  packet(0x20, 0, 0, 3, 0x22, 0, 10),
  packet(0x30, str("a/b"), 104, 105),
  packet(0x32, str("a/b"), 0, 1, 0, 104),
  packet(0x34, str(""), 0, 2, 3, 0x23, 0, 1, 104),
  packet(0x40, 0, 1),
  packet(0x50, 0, 2),
  packet(0x62, 0, 2),
  packet(0x70, 0, 2),
  packet(0x82, 0, 3, str("a/#"), 2),
  packet(0x90, 0, 3, 2),
  packet(0xa2, 0, 4, str("a/#")),
  packet(0xb0, 0, 4),
  packet(0xc0),
  packet(0xd0),
  packet(0xe0),
  packet(0xf0, 0x18, 0),
  Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0x7f),
  Uint8Array.of(0x80),
  Uint8Array.of(0xff),
];

Deno.test("random bytes never throw and keep memory bounded", () => {
  const rand = rng(99);
  for (let it = 0; it < 3000; it++) {
    const st = p.createState({ maxBodyBytes: Math.floor(rand() * 40), datagram: false });
    st.version = [0, 3, 4, 5][it % 4]!;
    const buf = new Uint8Array(1 + Math.floor(rand() * 300));
    for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(rand() * 256);
    drive(st, rand, it % 2 ? Stream.Request : Stream.Response, buf);
  }
});

Deno.test("MQTT-shaped packet soup never throws", () => {
  const rand = rng(2024);
  for (let it = 0; it < 3000; it++) {
    const st = p.createState({ maxBodyBytes: 16, datagram: false });
    const parts = Array.from(
      { length: 1 + Math.floor(rand() * 30) },
      () => TOKENS[Math.floor(rand() * TOKENS.length)]!,
    );
    const buf = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
    let o = 0;
    for (const x of parts) buf.set(x, o), o += x.length;
    drive(st, rand, Stream.Request, buf);
    drive(st, rand, Stream.Response, buf);
  }
});

Deno.test("mutated captures never throw", async () => {
  const rand = rng(5);
  const reads = [];
  for (const conns of [F.V311, F.V5, F.V31, F.PROPS, F.RAW]) {
    for (const conn of conns) {
      for (const [stream, b] of await load(conn)) if (b.length < 4096) reads.push([stream, b] as const);
    }
  }
  for (let it = 0; it < 2000; it++) {
    const st = p.createState({ maxBodyBytes: 64, datagram: false });
    for (let k = 0; k < 6; k++) {
      const [stream, b] = reads[Math.floor(rand() * reads.length)]!;
      const m = b.slice();
      for (let f = 0; f < 1 + Math.floor(rand() * 4); f++) m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
      drive(st, rand, stream, m);
    }
  }
});
