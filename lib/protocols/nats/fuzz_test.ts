// Hostile input: random bytes, NATS-shaped soup and mutated captures,
// cut at random places, never throw, never stall and keep memory bounded.
import assert from "node:assert/strict";
import { type Exchange, Stream } from "../common/parser.ts";
import { fuzzSuite } from "../common/fuzz_suite.ts";
import { natsParser as p } from "./mod.ts";
import { MAX_QUEUED } from "./state.ts";
import { bytes } from "./testdata.ts";
import * as F from "./testdata/captured.ts";

const TOKENS = [
  'CONNECT {"verbose":true,"pedantic":true,"user":"u","pass":"p"}\r\n',
  'CONNECT {"verbose":false}\r\n',
  'INFO {"server_id":"S","version":"2.9.10","max_payload":1048576}\r\n',
  "PUB a.b 5\r\nhello\r\n",
  "PUB a.b _INBOX.1 0\r\n\r\n",
  "HPUB a 12 14\r\nNATS/1.0\r\n\r\nhi\r\n",
  "HMSG a 1 r 16 16\r\nNATS/1.0 503\r\n\r\n\r\n",
  "MSG a.b 1 3\r\nxyz\r\n",
  "SUB a.> q 1\r\n",
  "UNSUB 1 5\r\n",
  "PING\r\n",
  "PONG\r\n",
  "+OK\r\n",
  "-ERR 'Unknown Protocol Operation'\r\n",
  "PUB a 99999999\r\n",
  "MSG a 1 4294967296\r\n",
  "\r\n",
  "{",
  "INFO ",
].map(bytes);

fuzzSuite({
  parser: p,
  invariants: (st) => {
    assert.ok(st.acks.length <= MAX_QUEUED && st.pings[0].length <= MAX_QUEUED && st.pings[1].length <= MAX_QUEUED);
    for (const part of st.partial) assert.ok(!part || part.preview.length <= st.maxBodyBytes);
  },
  soup: "NATS-shaped soup",
  tokens: TOKENS,
  captures: [...F.SUB_PUB, ...F.ERRORS, ...F.LOGINS, ...F.IDLE],
});

Deno.test("a line that never ends is refused at MAX_LINE, garbage at once", () => {
  const st = p.createState({ maxBodyBytes: 64, datagram: false });
  const long = bytes("INFO {" + "x".repeat(70 * 1024));
  assert.equal(p.parseFrame(st, Stream.Response, long.subarray(0, 1000), 0, 0), 0);
  assert.equal(p.parseFrame(st, Stream.Response, long, 0, 0), -1);
  assert.equal(p.parseFrame(st, Stream.Response, bytes("GET / HTTP/1.1"), 0, 0), -1);
  assert.equal(p.parseFrame(st, Stream.Request, bytes("*1\r\n$4\r\nPING\r\n"), 0, 0), -1);
});

Deno.test("findBoundary: the next line start with a verb of the stream", () => {
  const st = p.createState({ maxBodyBytes: 64, datagram: false });
  const b = bytes("lo\r\nMSG a 1 2\r\nhi\r\nPING\r\n");
  assert.equal(p.findBoundary(st, Stream.Response, b, 0), 4);
  assert.equal(p.findBoundary(st, Stream.Request, b, 0), 19);
  assert.equal(p.findBoundary(st, Stream.Response, bytes("xx PING\r\n"), 0), -1);
});

Deno.test("a gap inside a payload is skipped without losing sync; one past it is not", () => {
  const st = p.createState({ maxBodyBytes: 8, datagram: false });
  assert.equal(p.parseFrame(st, Stream.Response, bytes("MSG a 1 100\r\nabc"), 1, 1), 16);
  assert.equal(p.skip(st, Stream.Response, 90, 2), true);
  assert.equal(p.parseFrame(st, Stream.Response, bytes("0123456\r\nPING\r\n"), 3, 3), 9);
  const out: Exchange[] = [];
  p.match(st, out, false);
  assert.deepEqual(out[0]!.req, {
    op: "MSG",
    sender: "server",
    subject: "a",
    sid: "1",
    payload_size: 100,
    payload: "abc",
    payload_truncated: true,
  });
  assert.equal(out[0]!.reqBytes, 13 + 102);
  assert.equal(p.parseFrame(st, Stream.Response, bytes("MSG a 1 10\r\nabc"), 1, 1), 15);
  assert.equal(p.skip(st, Stream.Response, 8, 2), false);
});
