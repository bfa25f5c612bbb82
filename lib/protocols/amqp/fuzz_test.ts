// Random bytes, AMQP-shaped frame soup and mutated captures, fed cut at
// random places with gaps and closes, never throw, always make progress
// and keep the state bounded.
import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { amqpParser as p } from "./mod.ts";
import { type AmqpState, MAX_CHANNELS, MAX_QUEUED, MAX_UNCONFIRMED } from "./state.ts";
import {
  body,
  header,
  load,
  long,
  longlong,
  longstr,
  method,
  PROTOCOL_HEADER,
  rng,
  short,
  shortstr,
  table,
} from "./testdata.ts";
import * as F from "./testdata/captured.ts";
import { driveParser } from "../common/fuzz_drive.ts";

/** Drive every entry point with `buf` cut at random places, as the tracker would. */
function drive(st: AmqpState, rand: () => number, stream: Stream, buf: Uint8Array): void {
  driveParser(p, st, rand, stream, buf, (st) => {
    assert.ok(st.channels.size <= MAX_CHANNELS);
    for (const ch of st.channels.values()) {
      assert.ok(ch.waiting[0].length <= MAX_QUEUED && ch.waiting[1].length <= MAX_QUEUED);
      assert.ok(ch.unconfirmed.length <= MAX_UNCONFIRMED);
      for (const c of ch.content) assert.ok(!c || c.preview.length <= st.maxBodyBytes);
    }
  });
}

const TOKENS = [
  PROTOCOL_HEADER,
  method(0, 10, 10, 0, 9, table({ product: "RabbitMQ" }), longstr("PLAIN"), longstr("en_US")),
  method(0, 10, 11, table(), shortstr("PLAIN"), longstr("\0u\0p"), shortstr("en_US")),
  method(0, 10, 30, short(2047), long(131072), short(60)),
  method(0, 10, 31, short(2047), long(131072), short(60)),
  method(1, 20, 10, shortstr("")),
  method(1, 20, 11, long(0)),
  method(1, 50, 10, short(0), shortstr("q"), 2, table()),
  method(1, 50, 11, shortstr("q"), long(1), long(0)),
  method(1, 60, 40, short(0), shortstr("x"), shortstr("k"), 0),
  header(1, 5, "text/plain"),
  body(1, "hello"),
  method(1, 60, 60, shortstr("c"), longlong(1), 0, shortstr("x"), shortstr("k")),
  method(1, 60, 70, short(0), shortstr("q"), 0),
  method(1, 60, 71, longlong(1), 0, shortstr("x"), shortstr("k"), long(0)),
  method(1, 60, 72, shortstr("")),
  method(1, 60, 80, longlong(1), 1),
  method(1, 85, 10, 0),
  method(1, 85, 11),
  method(1, 20, 40, short(404), shortstr("NOT_FOUND"), short(50), short(10)),
  method(1, 20, 41),
  Uint8Array.of(8, 0, 0, 0, 0, 0, 0, 0xce),
  Uint8Array.of(3, 0, 1, 0xff, 0xff, 0xff, 0xff),
  Uint8Array.of(0xce),
];

Deno.test("random bytes never throw and keep memory bounded", () => {
  const rand = rng(99);
  for (let it = 0; it < 3000; it++) {
    const st = p.createState({ maxBodyBytes: Math.floor(rand() * 40), datagram: false });
    const buf = new Uint8Array(1 + Math.floor(rand() * 300));
    for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(rand() * 256);
    // Half the inputs start like a frame, so the frame code is reached too.
    if (it % 2) buf[0] = [1, 2, 3, 8][it % 4]!;
    drive(st, rand, it % 3 ? Stream.Request : Stream.Response, buf);
  }
});

Deno.test("AMQP-shaped frame soup never throws", () => {
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
  for (const conns of Object.values(F)) {
    for (const conn of conns as readonly (readonly F.Chunk[])[]) {
      for (const [stream, b] of await load(conn)) if (b.length < 4096) reads.push([stream, b] as const);
    }
  }
  assert.ok(reads.length > 0);
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
