import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { mysqlParser as p } from "./mod.ts";
import { cat, lstr, ok, pkt, query, Sim, u32 } from "./testdata.ts";
import { Phase } from "./types.ts";
import type { MysqlRequest, MysqlResponse } from "./types.ts";

const Req = Stream.Request;
const Resp = Stream.Response;

function fresh(maxBodyBytes = 1024) {
  return p.createState({ maxBodyBytes, datagram: false });
}

/** A protocol-4.1 handshake response with the given capabilities. */
function handshake(caps: number, short = false): Uint8Array {
  const head = [...u32(caps), ...u32(1 << 24), 33, ...new Array(23).fill(0)];
  return short ? pkt(1, head) : pkt(1, head, "app\0", [20], new Uint8Array(20), "shop\0");
}

Deno.test("parseFrame reads a whole COM_QUERY in place", () => {
  const st = fresh();
  const q = query("SELECT 1");
  assert.equal(p.parseFrame(st, Req, q, 10, 11), q.length);
  assert.equal(st.queue.length, 1);
  const e = st.queue[0]!;
  assert.deepEqual(e.req, { command: "COM_QUERY", query: "SELECT 1" });
  assert.equal(e.startNs, 10);
  assert.equal(e.endNs, 11);
  assert.equal(e.bytes, 13);
});

Deno.test("parseFrame needs a whole header and the command byte", () => {
  const st = fresh();
  const q = query("SELECT 1");
  for (let n = 0; n < 5; n++) assert.equal(p.parseFrame(st, Req, q.subarray(0, n), 1, 1), 0);
  assert.equal(p.parseFrame(st, Req, q.subarray(0, 7), 1, 1), 7);
  assert.equal(p.parseFrame(st, Req, q.subarray(7), 2, 3), q.length - 7);
  assert.equal(st.queue[0]!.req.query, "SELECT 1");
  assert.equal(st.queue[0]!.startNs, 1);
  assert.equal(st.queue[0]!.endNs, 3);
});

Deno.test("queries are cut at maxBodyBytes on a character boundary and flagged", () => {
  for (const [max, want] of [[9, "SELECT '"], [10, "SELECT '\u00e9"], [11, "SELECT '\u00e9t"]] as const) {
    const s = new Sim(max);
    s.push(Req, query("SELECT '\u00e9t\u00e9'"), 1);
    const req = s.state.queue[0]!.req;
    assert.equal(req.query, want);
    assert.equal(req.truncated, true);
  }
  const s = new Sim(0);
  s.push(Req, query("SELECT 1"), 1);
  assert.equal(s.state.queue[0]!.req.query, "");
  assert.equal(s.state.queue[0]!.req.truncated, true);
});

Deno.test("a COM_QUERY split at every point gives the same request", () => {
  const q = cat(query("SELECT * FROM t WHERE a = 'x'"), query("DO 1"));
  for (let cut = 0; cut <= q.length; cut++) {
    const s = new Sim(1024);
    s.push(Req, q.subarray(0, cut), 1);
    s.push(Req, q.subarray(cut), 2);
    assert.deepEqual(s.state.queue.map((e) => e.req.query), ["SELECT * FROM t WHERE a = 'x'", "DO 1"]);
    assert.equal(s.state.queue[0]!.bytes + s.state.queue[1]!.bytes, q.length);
    assert.equal(s.invalid, 0);
  }
});

Deno.test("a multi-packet COM_QUERY keeps a prefix and counts every byte", () => {
  const first = new Uint8Array(0xffffff).fill(0x20);
  first[0] = 0x03;
  first.set(new TextEncoder().encode("INSERT INTO t VALUES"), 1);
  const wire = cat([0xff, 0xff, 0xff, 0], first, pkt(1, "('tail')"));
  const s = new Sim(16);
  for (let a = 0; a < wire.length; a += 30 * 1024) s.push(Req, wire.subarray(a, a + 30 * 1024), a);
  assert.equal(s.maxHeld <= 30 * 1024, true);
  const e = s.state.queue[0]!;
  assert.equal(e.req.query, "INSERT INTO t VA");
  assert.equal(e.req.truncated, true);
  assert.equal(e.bytes, wire.length);
  assert.equal(e.lastSeq, 1);
  s.push(Resp, ok(2, 1), 1e9);
  assert.equal(s.out.length, 1);
  assert.equal(s.out[0]!.reqBytes, wire.length);
});

Deno.test("MySQL 8 query attributes before the SQL are skipped", () => {
  const s = new Sim();
  s.push(Req, pkt(0, [0x03, 0, 1], "SELECT 1"), 1);
  const attr = pkt(0, [0x03, 1, 1, 0, 1, 0xfe, 0], lstr("trace"), lstr("abc"), "SELECT 2");
  s.push(Req, attr, 2);
  assert.deepEqual(s.state.queue.map((e) => e.req.query), ["SELECT 1", "SELECT 2"]);
  const known = new Sim();
  known.state.queryAttrs = 1;
  known.push(Req, attr, 1);
  assert.equal(known.state.queue[0]!.req.query, "SELECT 2");
});

Deno.test("schema commands carry the schema; other commands no query", () => {
  const s = new Sim();
  s.push(Req, pkt(0, [0x02], "shop"), 1);
  s.push(Req, pkt(0, [0x0e]), 2);
  s.push(Req, pkt(0, [0x11], "bob\0", [20], new Uint8Array(20), "shop\0"), 3);
  assert.deepEqual(s.state.queue.map((e) => e.req), [
    { command: "COM_INIT_DB", query: "shop" },
    { command: "COM_PING", query: null },
    { command: "COM_CHANGE_USER", query: null },
  ]);
});

Deno.test("a handshake response sets capabilities and is never emitted", () => {
  const s = new Sim();
  s.push(Req, handshake(0x01000200 | 0x8000), 1);
  assert.equal(s.state.clientCaps, 0x01008200);
  assert.equal(s.state.deprecateEof, 1);
  assert.equal(s.state.queryAttrs, 0);
  s.push(Resp, ok(2), 2);
  s.push(Req, query("SELECT 1"), 3);
  s.push(Resp, ok(1), 4);
  s.close(5);
  assert.deepEqual(s.out.map((x) => (x.req as MysqlRequest).command), ["COM_QUERY"]);
});

Deno.test("an SSLRequest makes both streams opaque for good", () => {
  const s = new Sim();
  s.push(Req, handshake(0x0200 | 0x0800, true), 1);
  assert.equal(s.state.phase, Phase.Opaque);
  const tls = cat([0x16, 3, 1, 0, 5, 1, 0, 0, 1, 0], query("SELECT 1"));
  s.push(Req, tls, 2);
  s.push(Resp, cat([0x16, 3, 3, 0, 2, 2, 0], ok(1)), 3);
  p.reset(s.state);
  assert.equal(p.findBoundary(s.state, Req, query("SELECT 1"), 0), -1);
  assert.equal(p.skip(s.state, Req, 100, 4), true);
  s.close(5);
  assert.equal(s.out.length, 0);
  assert.equal(s.invalid, 0);
});

Deno.test("parseFrame rejects unknown commands, empty packets and stray sequences", () => {
  for (const bad of [pkt(0, [0x20]), pkt(0, [0x00]), pkt(0), pkt(3, [0x03], "SELECT 1"), pkt(1, [1, 2, 3])]) {
    assert.equal(p.parseFrame(fresh(), Req, bad, 1, 1), -1);
  }
});

Deno.test("skip inside a command absorbs and truncates; across a packet it loses sync", () => {
  const q = query("SELECT 'abcdefghij'");
  const s = new Sim();
  s.push(Req, q.subarray(0, 12), 1);
  assert.equal(s.skip(Req, 5, 2), true);
  s.push(Req, q.subarray(17), 3);
  const e = s.state.queue[0]!;
  assert.equal(e.req.query, "SELECT ");
  assert.equal(e.req.truncated, true);
  assert.equal(e.bytes, q.length);
  assert.equal(e.endNs, 3);
  const t = new Sim();
  t.push(Req, q.subarray(0, 12), 1);
  assert.equal(t.skip(Req, q.length, 2), false);
  assert.equal(t.skip(Req, 0, 2), true);
  assert.equal(p.skip(fresh(), Req, 1, 1), false);
});

Deno.test("commands without a response are emitted at once and take none", () => {
  const s = new Sim();
  s.push(Req, pkt(0, [0x19], u32(7)), 1);
  assert.equal(s.out.length, 1);
  assert.deepEqual(s.out[0], {
    req: { command: "COM_STMT_CLOSE", query: null, statement_id: 7 },
    resp: null,
    reqStartNs: 1,
    reqEndNs: 1,
    respStartNs: -1,
    respEndNs: -1,
    reqBytes: 9,
    respBytes: 0,
  });
  s.push(Req, cat(pkt(0, [0x18], u32(7), [0, 0], "data"), query("SELECT 1")), 2);
  s.push(Resp, ok(1, 0), 3);
  s.push(Req, pkt(0, [0x01]), 4);
  assert.deepEqual(
    s.out.map((x) => [(x.req as MysqlRequest).command, (x.resp as MysqlResponse | null)?.status ?? null]),
    [
      ["COM_STMT_CLOSE", null],
      ["COM_STMT_SEND_LONG_DATA", null],
      ["COM_QUERY", "ok"],
      ["COM_QUIT", null],
    ],
  );
});

Deno.test("the queue of unanswered commands is capped", () => {
  const st = fresh();
  const ping = pkt(0, [0x0e]);
  for (let i = 0; i < 1024; i++) assert.equal(p.parseFrame(st, Req, ping, i, i), 5);
  assert.equal(p.parseFrame(st, Req, ping, 2000, 2000), -1);
  assert.equal(st.queue.length, 1024);
});

Deno.test("a replication dump turns the connection opaque", () => {
  const s = new Sim();
  s.push(Req, pkt(0, [0x12], u32(4), [0, 0], u32(1), "binlog.000001"), 1);
  assert.equal(s.state.phase, Phase.Opaque);
  s.push(Resp, pkt(1, [0], new Uint8Array(40)), 2);
  assert.deepEqual(s.out.map((x) => (x.req as MysqlRequest).command), ["COM_BINLOG_DUMP"]);
  assert.equal(s.invalid, 0);
});
