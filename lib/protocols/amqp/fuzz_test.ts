// Random bytes, AMQP-shaped frame soup and mutated captures, fed cut at
// random places with gaps and closes, never throw, always make progress
// and keep the state bounded.
import assert from "node:assert/strict";
import { amqpParser as p } from "./mod.ts";
import { MAX_CHANNELS, MAX_QUEUED, MAX_UNCONFIRMED } from "./state.ts";
import { body, header, long, longlong, longstr, method, PROTOCOL_HEADER, short, shortstr, table } from "./testdata.ts";
import * as F from "./testdata/captured.ts";
import { fuzzSuite } from "../common/fuzz_suite.ts";

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

fuzzSuite({
  parser: p,
  invariants: (st) => {
    assert.ok(st.channels.size <= MAX_CHANNELS);
    for (const ch of st.channels.values()) {
      assert.ok(ch.waiting[0].length <= MAX_QUEUED && ch.waiting[1].length <= MAX_QUEUED);
      assert.ok(ch.unconfirmed.length <= MAX_UNCONFIRMED);
      for (const c of ch.content) assert.ok(!c || c.preview.length <= st.maxBodyBytes);
    }
  },
  soup: "AMQP-shaped frame soup",
  tokens: TOKENS,
  captures: Object.values(F).flat() as readonly (readonly F.Chunk[])[],
  // Half the random inputs start like a frame, so the frame code is reached too.
  prepare: (_st, buf, it) => {
    if (it % 2) buf[0] = [1, 2, 3, 8][it % 4]!;
  },
});
