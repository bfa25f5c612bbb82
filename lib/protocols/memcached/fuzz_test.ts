import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { driveParser } from "../common/fuzz_drive.ts";
import { fuzzSuite } from "../common/fuzz_suite.ts";
import { memcachedParser as p } from "./mod.ts";
import { MAX_QUEUE } from "./pair.ts";
import { bytes, rng } from "./testdata.ts";
import * as F from "./testdata/captured.ts";
import type { McState } from "./types.ts";

const TOKENS = [
  "get ",
  "gets ",
  "set ",
  "cas ",
  "mg ",
  "ms ",
  "md ",
  "ma ",
  "mn",
  "me ",
  "VALUE ",
  "END",
  "STAT ",
  "STORED",
  "VA ",
  "HD",
  "EN",
  "MN",
  "NS",
  "ERROR",
  "CLIENT_ERROR x",
  "noreply",
  " q",
  " k",
  " v",
  " O7",
  " kk",
  "k",
  " ",
  "\r\n",
  "\n",
  "\r",
  "0",
  "1",
  "5",
  "-1",
  "99999999999999999999",
  "1073741824",
  "stats",
  "lru_crawler metadump all",
];

/** Drive every entry point with `buf` cut at random places, as the tracker would. */
function drive(st: McState, rand: () => number, stream: Stream, buf: Uint8Array): void {
  driveParser(p, st, rand, stream, buf, (st) => {
    assert.ok(st.reqQueue.length <= MAX_QUEUE);
    // Binary error, version and stat texts keep up to 256 bytes whatever maxBodyBytes.
    for (const s of [st.req, st.resp]) assert.ok((s.keep?.length ?? 0) <= Math.max(st.maxBodyBytes, 256));
  });
}

fuzzSuite({
  parser: p,
  invariants: (st) => {
    assert.ok(st.reqQueue.length <= MAX_QUEUE);
    // Binary error, version and stat texts keep up to 256 bytes whatever maxBodyBytes.
    for (const s of [st.req, st.resp]) assert.ok((s.keep?.length ?? 0) <= Math.max(st.maxBodyBytes, 256));
  },
  soup: "memcached-shaped token soup",
  tokens: TOKENS.map(bytes),
  maxTokens: 60,
  soupRounds: 4000,
  captures: [...F.TEXT, ...F.NOREPLY, ...F.META, ...F.TOOLS, ...F.BINARY, ...F.TOOLS_BINARY],
  seeds: [7, 11, 5],
});

Deno.test("binary headers with random fields never throw", () => {
  const rand = rng(13);
  for (let it = 0; it < 3000; it++) {
    const st = p.createState({ maxBodyBytes: Math.floor(rand() * 40), datagram: false });
    for (const [stream, magic] of [[Stream.Request, 0x80], [Stream.Response, 0x81]] as const) {
      const parts = [];
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) {
        const h = new Uint8Array(24 + Math.floor(rand() * 64));
        for (let i = 0; i < h.length; i++) h[i] = Math.floor(rand() * 256);
        h[0] = magic;
        h[1] = Math.floor(rand() * 0x26);
        h[5] = 0;
        h[2] = 0;
        h[4] = Math.floor(rand() * 12);
        h[8] = h[9] = 0;
        h[10] = rand() < 0.1 ? 0xff : 0;
        parts.push(h);
      }
      const b = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
      let o = 0;
      for (const x of parts) (b.set(x, o), o += x.length);
      drive(st, rand, stream, b);
    }
  }
});
