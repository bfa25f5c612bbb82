import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { driveParser } from "../common/fuzz_drive.ts";
import { MAX_DEPTH } from "./bytes.ts";
import { redisParser as p } from "./mod.ts";
import { MAX_QUEUE } from "./pair.ts";
import { bytes, load, rng } from "./testdata.ts";
import * as F from "./testdata/captured.ts";
import type { RedisState } from "./types.ts";

const TOKENS = [
  "*",
  "$",
  "+",
  "-",
  ":",
  "%",
  "~",
  ">",
  "|",
  "_",
  "#",
  ",",
  "(",
  "!",
  "=",
  "\r\n",
  "\n",
  "\r",
  "-1",
  "0",
  "1",
  "3",
  "2147483647",
  "536870912",
  "99999999999999999999",
  "OK",
  "message",
  "subscribe",
  "unsubscribe",
  "SUBSCRIBE",
  "GET",
  "PING",
  " ",
  '"',
  "'",
  "\\x4",
  "t",
  "inf",
];

/** Drive every entry point with `buf` cut at random places, as the tracker would. */
function drive(st: RedisState, rand: () => number, stream: Stream, buf: Uint8Array): void {
  driveParser(p, st, rand, stream, buf, (st) => {
    assert.ok(st.reqQueue.length <= MAX_QUEUE);
    assert.ok(st.req.depth <= MAX_DEPTH && st.resp.depth <= MAX_DEPTH);
    for (const s of [st.req, st.resp]) assert.ok((s.bulkBuf?.length ?? 0) <= 1024);
  });
}

Deno.test("random bytes never throw and keep memory bounded", () => {
  const rand = rng(99);
  for (let it = 0; it < 3000; it++) {
    const st = p.createState({
      maxBodyBytes: Math.floor(rand() * 40),
      datagram: false,
    });
    const buf = new Uint8Array(1 + Math.floor(rand() * 300));
    for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(rand() * 256);
    drive(st, rand, it % 2 ? Stream.Request : Stream.Response, buf);
  }
});

Deno.test("RESP-shaped token soup never throws", () => {
  const rand = rng(2024);
  for (let it = 0; it < 4000; it++) {
    const st = p.createState({ maxBodyBytes: 16, datagram: false });
    let s = "";
    const n = 1 + Math.floor(rand() * 60);
    for (let i = 0; i < n; i++) s += TOKENS[Math.floor(rand() * TOKENS.length)];
    drive(st, rand, Stream.Request, bytes(s));
    drive(st, rand, Stream.Response, bytes(s));
  }
});

Deno.test("mutated captures never throw", async () => {
  const rand = rng(5);
  const reads = [];
  for (const conns of [F.RESP2_CLI, F.PUBSUB2, F.PUBSUB3, F.INLINE, F.BENCH]) {
    for (const conn of conns) {
      for (const [stream, b] of await load(conn)) {
        if (b.length < 4096) reads.push([stream, b] as const);
      }
    }
  }
  for (let it = 0; it < 2000; it++) {
    const st = p.createState({ maxBodyBytes: 64, datagram: false });
    for (let k = 0; k < 6; k++) {
      const [stream, b] = reads[Math.floor(rand() * reads.length)]!;
      const m = b.slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++) {
        m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
      }
      drive(st, rand, stream, m);
    }
  }
});
