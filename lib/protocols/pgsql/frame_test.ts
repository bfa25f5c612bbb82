import assert from "node:assert/strict";
import { type Exchange, Stream } from "../common/parser.ts";
import { pgsqlParser as p } from "./mod.ts";
import { be, cat, fe, msg, utf8 } from "./testdata.ts";
import type { PgsqlState } from "./types.ts";

const Req = Stream.Request;
const Resp = Stream.Response;

function fresh(maxBodyBytes = 4096): PgsqlState {
  return p.createState({ maxBodyBytes, datagram: false });
}

/** Feed `b` in pieces of `step` bytes the way the tracker does. */
function feed(s: PgsqlState, stream: Stream, b: Uint8Array, ts: number, step = b.length): number {
  let held: Uint8Array = new Uint8Array(0);
  let max = 0;
  for (let at = 0; at < b.length; at += step) {
    held = cat(held, b.subarray(at, at + step));
    max = Math.max(max, held.length);
    for (;;) {
      const n = p.parseFrame(s, stream, held, ts, ts);
      assert.ok(n >= 0, `parseFrame returned ${n}`);
      if (n === 0) break;
      held = held.subarray(n);
    }
  }
  assert.equal(held.length, 0);
  return max;
}

function drain(s: PgsqlState): Exchange[] {
  const out: Exchange[] = [];
  p.match(s, out, false);
  return out;
}

Deno.test("parseFrame decodes a whole Query in place and returns its length", () => {
  const s = fresh();
  const q = fe.query("SELECT 1");
  assert.equal(p.parseFrame(s, Req, q, 5, 6), 14);
  assert.equal(s.reqQueue.length, 1);
  assert.deepEqual(s.reqQueue[0]!.req, { type: "query", query: "SELECT 1" });
  assert.deepEqual([s.reqQueue[0]!.startNs, s.reqQueue[0]!.endNs, s.reqQueue[0]!.bytes], [5, 6, 14]);
});

Deno.test("parseFrame needs a whole header: 0 below 5 bytes, 8 for untagged", () => {
  const s = fresh();
  assert.equal(p.parseFrame(s, Req, new Uint8Array(0), 1, 1), 0);
  assert.equal(p.parseFrame(s, Req, fe.query("x").subarray(0, 4), 1, 1), 0);
  assert.equal(p.parseFrame(s, Req, fe.ssl().subarray(0, 7), 1, 1), 0);
  assert.equal(p.parseFrame(s, Resp, be.ready().subarray(0, 4), 1, 1), 0);
});

Deno.test("parseFrame rejects unknown types and impossible lengths", () => {
  const bad: [Stream, Uint8Array][] = [
    [Req, utf8("GET / HTTP/1.1\r\n")],
    [Req, new Uint8Array([0x51, 0, 0, 0, 3, 0])], // length < 4
    [Req, new Uint8Array([0x51, 0x40, 0, 0, 1])], // > 1 GiB
    [Req, new Uint8Array([0x51, 0xff, 0xff, 0xff, 0xff])],
    [Req, new Uint8Array([0x53, 0, 0, 0, 5, 0])], // Sync has no content
    [Req, new Uint8Array([0x51, 0, 0, 0, 4])], // Query needs its NUL
    [Req, cat(new Uint8Array([0, 0, 0, 8]), new Uint8Array([0, 2, 0, 0]))], // protocol 2
    [Req, cat(new Uint8Array([0, 0, 0x40, 0]), new Uint8Array([0, 3, 0, 0]))], // startup > 10000
    [Resp, utf8("HTTP/1.1 200 OK\r\n")],
    [Resp, new Uint8Array([0x5a, 0, 0, 0, 6, 0x49, 0])], // ReadyForQuery is 5 long
    [Resp, new Uint8Array([0x44, 0, 0, 0, 2, 0, 0])],
  ];
  for (const [stream, b] of bad) assert.equal(p.parseFrame(fresh(), stream, b, 1, 1), -1, String(b));
  // Untagged messages only before the first typed one.
  const s = fresh();
  assert.equal(p.parseFrame(s, Req, fe.query("x"), 1, 1), 7);
  assert.equal(p.parseFrame(s, Req, fe.startup(), 2, 2), -1);
});

Deno.test("a large Query is consumed piece by piece, cut at maxBodyBytes, every byte counted", () => {
  const s = fresh(100);
  const sql = "SELECT '" + "é".repeat(100_000) + "'";
  const q = fe.query(sql);
  const held = feed(s, Req, q, 7, 4096);
  assert.ok(held <= 4096 + 4);
  const seg = s.reqQueue[0]!;
  // Cut between characters: 8 ASCII bytes, then 46 two-byte characters.
  assert.deepEqual(seg.req, { type: "query", query: "SELECT '" + "é".repeat(46), truncated: true });
  assert.equal(seg.bytes, q.length);
  assert.ok(s.fe.keep === null);
});

Deno.test("Bind values: text as sent, binary as hex, NULL as null, one budget for all", () => {
  const s = fresh(12);
  feed(s, Req, fe.parse("st", "VALUES ($1)", []), 1);
  feed(s, Req, fe.bind("", "st", ["abc", new Uint8Array([0, 255, 16]), null, "defghijklmnop"], [0, 1, 0, 0]), 2);
  feed(s, Req, fe.execute(), 3);
  assert.deepEqual(s.reqQueue[0]!.req, {
    type: "execute",
    query: "VALUES ($1)",
    statement: "st",
    params: ["abc", "\\x00ff10", null, "defghi"],
    truncated: true,
  });
});

Deno.test("Bind with more parameters than are listed is flagged truncated", () => {
  const s = fresh();
  feed(s, Req, fe.bind("", "", Array.from({ length: 300 }, (_, i) => String(i))), 1);
  feed(s, Req, fe.execute(), 2);
  const req = s.reqQueue[0]!.req!;
  assert.equal(req.params!.length, 256);
  assert.equal(req.truncated, true);
  assert.equal(req.query, "");
});

Deno.test("skip() inside a message absorbs the bytes; between messages it reports the loss", () => {
  const s = fresh(16);
  const q = fe.query("SELECT " + "x".repeat(5000));
  assert.equal(p.parseFrame(s, Req, q.subarray(0, 1000), 1, 1), 1000);
  assert.equal(p.skip(s, Req, q.length - 1000, 2), true);
  const seg = s.reqQueue[0]!;
  assert.deepEqual(seg.req, { type: "query", query: "SELECT xxxxxxxxx", truncated: true });
  assert.deepEqual([seg.startNs, seg.endNs, seg.bytes], [1, 2, q.length]);
  assert.equal(p.skip(s, Req, 10, 3), false);
  // Beyond the end of the message in progress: not absorbed.
  assert.equal(p.parseFrame(s, Resp, be.row("a".repeat(100)).subarray(0, 20), 4, 4), 20);
  assert.equal(p.skip(s, Resp, 200, 5), false);
  assert.equal(s.be.tag, -1);
});

Deno.test("DataRows are counted, never kept: a 2 MiB row in 64 KiB reads", () => {
  const s = fresh();
  feed(s, Req, fe.query("SELECT big"), 1);
  const rows = cat(be.rowDesc("big"), be.row("y".repeat(2 << 20)), be.row("z"), be.done("SELECT 2"), be.ready());
  const held = feed(s, Resp, rows, 2, 65536);
  assert.ok(held <= 65536 + 4);
  const out = drain(s);
  assert.deepEqual(out[0]!.resp, { status: "ok", command_tag: "SELECT 2", rows: 2 });
  assert.equal(out[0]!.respBytes, rows.length);
});

Deno.test("whole DataRows in one read are consumed by one call", () => {
  const s = fresh();
  const rows = cat(be.row("1"), be.row("2"), be.row("3"), be.done("SELECT 3"));
  assert.equal(p.parseFrame(s, Resp, rows, 1, 1), rows.length - 14);
  assert.equal(s.foldRows, 3);
});

Deno.test("SSLRequest answered 'N' continues in plaintext; 'S' makes the connection opaque", () => {
  const s = fresh();
  assert.equal(p.parseFrame(s, Req, fe.ssl(), 1, 1), 8);
  assert.equal(p.findBoundary(s, Resp, utf8("N"), 0), 0);
  assert.equal(p.parseFrame(s, Resp, utf8("N"), 2, 2), 1);
  assert.equal(p.parseFrame(s, Req, fe.startup(), 3, 3), fe.startup().length);
  assert.equal(s.encrypted, false);

  const t = fresh();
  assert.equal(p.parseFrame(t, Req, fe.ssl(), 1, 1), 8);
  assert.equal(p.parseFrame(t, Resp, utf8("S\x16\x03\x03"), 2, 2), 4);
  assert.equal(t.encrypted, true);
  assert.equal(p.parseFrame(t, Req, utf8("\x16\x03\x01\x02\x00"), 3, 3), 5);
  assert.equal(p.skip(t, Resp, 1000, 4), true);
  assert.equal(p.findBoundary(t, Req, fe.query("x"), 0), -1);

  // GSSENCRequest: 'G' accepts encryption; a ClientHello racing our view of 'S' too.
  const g = fresh();
  p.parseFrame(g, Req, fe.gss(), 1, 1);
  assert.equal(p.parseFrame(g, Resp, utf8("G"), 2, 2), 1);
  assert.equal(g.encrypted, true);
  const h = fresh();
  p.parseFrame(h, Req, fe.ssl(), 1, 1);
  assert.equal(p.parseFrame(h, Req, utf8("\x16\x03\x01"), 2, 2), 3);
  assert.equal(h.encrypted, true);
});

Deno.test("Startup, authentication and password messages make no records", () => {
  const s = fresh();
  feed(s, Req, fe.startup("alice"), 1);
  feed(s, Resp, be.authMd5(), 2);
  feed(s, Req, fe.password("md5abc"), 3);
  feed(s, Resp, cat(be.authOk(), be.status("TimeZone", "UTC"), be.key(7, 8), be.ready()), 4);
  assert.deepEqual(drain(s), []);
  assert.equal(s.reqQueue.length + s.respQueue.length, 0);
  feed(s, Req, fe.query("SELECT 1"), 5);
  feed(s, Resp, cat(be.done("SELECT 0"), be.ready()), 6);
  assert.deepEqual(drain(s).map((x) => x.resp), [{ status: "ok", command_tag: "SELECT 0", rows: 0 }]);
});

Deno.test("ErrorResponse fields: V preferred over localized S, message cut at maxBodyBytes", () => {
  const s = fresh(5);
  feed(s, Req, fe.query("x"), 1);
  feed(s, Resp, cat(msg("E", utf8("SFEHLER\0VERROR\0C42601\0Msyntax error\0\0")), be.ready()), 2);
  assert.deepEqual(drain(s)[0]!.resp, {
    status: "error",
    rows: 0,
    error_code: "42601",
    error_message: "synta",
    error_severity: "ERROR",
  });
});
