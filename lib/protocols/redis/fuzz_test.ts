import assert from "node:assert/strict";
import { type Exchange, Stream } from "../common/parser.ts";
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
function drive(
  st: RedisState,
  rand: () => number,
  stream: Stream,
  buf: Uint8Array,
) {
  const out: Exchange[] = [];
  let held = new Uint8Array(0);
  for (let i = 0; i < buf.length;) {
    const n = 1 + Math.floor(rand() * 64);
    const piece = buf.subarray(i, i + n);
    i += n;
    const b = new Uint8Array(held.length + piece.length);
    b.set(held);
    b.set(piece, held.length);
    held = b;
    const start = held.length;
    for (let guard = 0; held.length > 0; guard++) {
      assert.ok(guard <= start, "progress");
      const r = p.parseFrame(st, stream, held, i, i);
      assert.ok(Number.isInteger(r) && r >= -1 && r <= held.length, `${r}`);
      if (r === 0) break;
      if (r > 0) {
        held = held.subarray(r);
        continue;
      }
      p.reset(st);
      const at = p.findBoundary(st, stream, held, 1);
      assert.ok(at === -1 || (at >= 1 && at < held.length));
      held = at < 0 ? new Uint8Array(0) : held.subarray(at);
    }
    if (rand() < 0.05) p.skip(st, stream, Math.floor(rand() * 100), i);
    p.match(st, out, rand() < 0.02);
    assert.ok(st.reqQueue.length <= MAX_QUEUE);
    assert.ok(st.req.depth <= MAX_DEPTH && st.resp.depth <= MAX_DEPTH);
    for (const s of [st.req, st.resp]) {
      assert.ok((s.bulkBuf?.length ?? 0) <= 1024);
    }
  }
  for (const x of out) {
    assert.equal(typeof p.summarize(x.req, x.resp), "string");
  }
  JSON.stringify(out);
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
