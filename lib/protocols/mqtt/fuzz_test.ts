import assert from "node:assert/strict";
import { fuzzSuite } from "../common/fuzz_suite.ts";
import { mqttParser as p } from "./mod.ts";
import { MAX_INFLIGHT, MAX_QUEUED } from "./state.ts";
import { packet, str } from "./testdata.ts";
import * as F from "./testdata/captured.ts";

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

fuzzSuite({
  parser: p,
  invariants: (st) => {
    assert.ok(st.inflight[0].size <= MAX_INFLIGHT && st.inflight[1].size <= MAX_INFLIGHT);
    assert.ok(st.connects.length <= MAX_QUEUED && st.pings.length <= MAX_QUEUED);
    for (const part of st.partial) assert.ok(!part || part.preview.length <= st.maxBodyBytes);
  },
  soup: "MQTT-shaped packet soup",
  tokens: TOKENS,
  captures: [...F.V311, ...F.V5, ...F.V31, ...F.PROPS, ...F.RAW],
  // The version a CONNECT would have set: none, 3.1, 3.1.1, 5.
  prepare: (st, _buf, it) => {
    st.version = [0, 3, 4, 5][it % 4]!;
  },
});
