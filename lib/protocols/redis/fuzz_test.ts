import assert from "node:assert/strict";
import { fuzzSuite } from "../common/fuzz_suite.ts";
import { MAX_DEPTH } from "./bytes.ts";
import { redisParser as p } from "./mod.ts";
import { MAX_QUEUE } from "./pair.ts";
import { bytes } from "./testdata.ts";
import * as F from "./testdata/captured.ts";

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

fuzzSuite({
  parser: p,
  invariants: (st) => {
    assert.ok(st.reqQueue.length <= MAX_QUEUE);
    assert.ok(st.req.depth <= MAX_DEPTH && st.resp.depth <= MAX_DEPTH);
    for (const s of [st.req, st.resp]) assert.ok((s.bulkBuf?.length ?? 0) <= 1024);
  },
  soup: "RESP-shaped token soup",
  tokens: TOKENS.map(bytes),
  maxTokens: 60,
  soupRounds: 4000,
  captures: [...F.RESP2_CLI, ...F.PUBSUB2, ...F.PUBSUB3, ...F.INLINE, ...F.BENCH],
});
