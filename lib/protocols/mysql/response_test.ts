import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { cat, coldef, eof, err, lenenc, ok, pkt, query, resultSet, Sim, textRow, u16, u32 } from "./testdata.ts";
import { Phase } from "./types.ts";
import type { MysqlResponse } from "./types.ts";

const Req = Stream.Request;
const Resp = Stream.Response;

function answer(resp: Uint8Array, req = query("SELECT 1"), sim = new Sim()): MysqlResponse | null {
  sim.push(Req, req, 1);
  sim.push(Resp, resp, 2);
  assert.equal(sim.invalid, 0);
  return (sim.out.at(-1)?.resp ?? null) as MysqlResponse | null;
}

Deno.test("OK and ERR responses", () => {
  assert.deepEqual(answer(ok(1, 3, 42, 2, 1)), {
    status: "ok",
    affected_rows: 3,
    last_insert_id: 42,
    warnings: 1,
  });
  assert.deepEqual(answer(err(1, 1146, "42S02", "Table 'x' doesn't exist")), {
    status: "error",
    error_code: 1146,
    sql_state: "42S02",
    error_message: "Table 'x' doesn't exist",
  });
  const info = pkt(1, [0, 2, 0, 2, 0, 0, 0], "Rows matched: 2  Changed: 2  Warnings: 0");
  assert.equal(answer(info)!.info, "Rows matched: 2  Changed: 2  Warnings: 0");
});

Deno.test("OK info is length-encoded, as servers send it, also without CLIENT_SESSION_TRACK", () => {
  const msg = "Rows matched: 1  Changed: 0  Warnings: 0";
  for (const caps of [-1, 0x200 | 0x8000, 0x200 | 0x8000 | 0x800000]) {
    const s = new Sim();
    s.state.clientCaps = caps;
    const r = answer(pkt(1, [0, 0, 0, 2, 0, 0, 0], lenenc(msg.length), msg), query("UPDATE t SET a = a"), s);
    assert.equal(r!.info, msg, `client capabilities ${caps}`);
  }
  // A rest-of-packet info (as documented for clients without session
  // tracking) whose first byte is no length covering the rest stays whole.
  const s = new Sim();
  s.state.clientCaps = 0x200 | 0x8000;
  assert.equal(answer(pkt(1, [0, 0, 0, 2, 0, 0, 0], msg), query("UPDATE t SET a = a"), s)!.info, msg);
});

Deno.test("text result sets with and without CLIENT_DEPRECATE_EOF, learned from the packets", () => {
  for (const deprecateEof of [false, true]) {
    const s = new Sim();
    const rows = [["1", "a"], ["2", null], ["3", "c"]];
    const r = answer(resultSet(["id", "v"], rows, { deprecateEof }), query("SELECT id, v FROM t"), s);
    assert.deepEqual(r, { status: "resultset", columns: 2, rows: 3, warnings: 0 });
    assert.equal(s.state.deprecateEof, deprecateEof ? 1 : 0);
    const empty = answer(resultSet(["id"], [], { deprecateEof }), query("SELECT id FROM t WHERE 0"), s);
    assert.deepEqual(empty, { status: "resultset", columns: 1, rows: 0, warnings: 0 });
  }
});

Deno.test("multiple result sets form one response; rows are counted over all", () => {
  const more = 0x0a; // SERVER_MORE_RESULTS_EXISTS | AUTOCOMMIT
  // Sequence ids run on through the response: OK 1, first set 2-7, second 8-13.
  const first = resultSet(["a"], [["1"], ["2"]], { status: more, seq: 2 });
  const second = resultSet(["b", "c"], [["3", "4"]], { status: more, seq: 8 });
  const r = answer(cat(ok(1, 1, 0, more), first, second, ok(14, 0, 0, 2)), query("CALL p()"));
  assert.equal(r?.status, "resultset");
  assert.equal(r?.rows, 3);
  assert.equal(r?.columns, 1);
  assert.equal(r?.result_sets, 2);
  assert.equal(r?.affected_rows, 1);
});

Deno.test("an ERR ends a response, even after rows", () => {
  const rs = resultSet(["a"], [["1"]], { status: 0x0a });
  const r = answer(cat(rs, err(6, 1146, "42S02", "no")), query("SELECT 1; SELECT * FROM x"));
  assert.deepEqual(r, {
    status: "error",
    columns: 1,
    rows: 1,
    warnings: 0,
    error_code: 1146,
    sql_state: "42S02",
    error_message: "no",
  });
});

Deno.test("MariaDB progress reports (ERR 0xFFFF) do not end a response", () => {
  const progress = pkt(1, [0xff, 0xff, 0xff, 1, 2, 2, 0, 0, 0, 4], "load");
  const r = answer(cat(progress, ok(2, 5)), query("ALTER TABLE t ADD c INT"));
  assert.equal(r?.status, "ok");
  assert.equal(r?.affected_rows, 5);
});

Deno.test("LOAD DATA LOCAL INFILE: client data belongs to the request, OK to the response", () => {
  const s = new Sim();
  s.push(Req, query("LOAD DATA LOCAL INFILE 'f' INTO TABLE t"), 1);
  s.push(Resp, pkt(1, [0xfb], "f"), 2);
  s.push(Req, cat(pkt(2, "1,a\n2,b\n"), pkt(3)), 3);
  s.push(Resp, ok(4, 2), 4);
  assert.equal(s.invalid, 0);
  assert.deepEqual(s.out[0]!.resp, {
    status: "ok",
    local_infile: "f",
    affected_rows: 2,
    last_insert_id: 0,
    warnings: 0,
  });
  assert.equal(s.out[0]!.reqBytes, 4 + 40 + 12 + 4);
  assert.equal(s.out[0]!.reqEndNs, 3);
  assert.equal(s.out[0]!.respEndNs, 4);
  assert.equal(s.out[0]!.respBytes, 6 + 11);
});

Deno.test("a result set of more than 1 MiB is consumed incrementally", () => {
  const rows: Uint8Array[] = [];
  const n = 20000;
  for (let i = 0; i < n; i++) rows.push(textRow(5 + i, String(i), "row-".repeat(20)));
  const wire = cat(pkt(1, [2]), coldef(2, "id"), coldef(3, "payload"), eof(4), ...rows, eof(5 + n));
  assert.equal(wire.length > 1 << 20, true);
  const s = new Sim();
  s.push(Req, query("SELECT * FROM big"), 1);
  const step = 30 * 1024;
  for (let a = 0; a < wire.length; a += step) s.push(Resp, wire.subarray(a, a + step), 2 + a);
  assert.equal(s.maxHeld < step + 128, true);
  assert.deepEqual(s.out[0]!.resp, { status: "resultset", columns: 2, rows: n, warnings: 0 });
  assert.equal(s.out[0]!.respBytes, wire.length);
  assert.equal(s.out[0]!.respStartNs, 2);
});

Deno.test("a row of 16 MiB or more spans packets and counts once", () => {
  // A text row whose one value is 2^24 bytes: it starts with 0xFE yet is a row.
  const payload = new Uint8Array(9 + (1 << 24)).fill(0x61);
  payload.set([0xfe, 0, 0, 0, 1, 0, 0, 0, 0]);
  const first = payload.subarray(0, 0xffffff);
  const rest = payload.subarray(0xffffff);
  const wire = cat(pkt(1, [1]), coldef(2, "v"), eof(3), [0xff, 0xff, 0xff, 4], first, pkt(5, rest), eof(6));
  const s = new Sim();
  s.push(Req, query("SELECT v FROM t"), 1);
  for (let a = 0; a < wire.length; a += 1 << 20) s.push(Resp, wire.subarray(a, a + (1 << 20)), 2);
  assert.equal(s.invalid, 0);
  assert.deepEqual(s.out[0]!.resp, { status: "resultset", columns: 1, rows: 1, warnings: 0 });
  assert.equal(s.out[0]!.respBytes, wire.length);
});

Deno.test("skip inside a row absorbs; across packets it loses sync", () => {
  const row = textRow(4, "x".repeat(100));
  const head = cat(pkt(1, [1]), coldef(2, "v"), eof(3));
  const s = new Sim();
  s.push(Req, query("SELECT v FROM t"), 1);
  s.push(Resp, cat(head, row.subarray(0, 10)), 2);
  assert.equal(s.skip(Resp, row.length - 10, 3), true);
  s.push(Resp, eof(5), 4);
  assert.deepEqual(s.out[0]!.resp, { status: "resultset", columns: 1, rows: 1, warnings: 0 });
  assert.equal(s.out[0]!.respBytes, head.length + row.length + 9);
  const t = new Sim();
  t.push(Req, query("SELECT v FROM t"), 1);
  t.push(Resp, cat(head, row.subarray(0, 10)), 2);
  assert.equal(t.skip(Resp, row.length, 3), false);
  assert.equal(t.state.queue.length, 0);
  assert.equal(t.state.droppedRequests, 1);
});

Deno.test("a column count with a zero metadata flag has no definitions", () => {
  const s = new Sim();
  s.state.deprecateEof = 1;
  const exec = pkt(0, [0x17], u32(1), [0], u32(1));
  s.push(Req, exec, 1);
  s.push(Resp, cat(pkt(1, [2, 0]), pkt(2, [0, 0, 1]), ok(3, 0, 0, 2, 0, 0xfe)), 2);
  assert.deepEqual(s.out[0]!.resp, { status: "resultset", columns: 2, rows: 1, warnings: 0 });
});

Deno.test("COM_STMT_PREPARE with an unknown EOF mode, EOF in the same read or later", () => {
  const prep = pkt(0, [0x16], "INSERT INTO t VALUES (?)");
  const prepOk = cat(pkt(1, [0], u32(5), u16(0), u16(1), [0], u16(0)), coldef(2, "?"));
  const s = new Sim();
  s.push(Req, prep, 1);
  s.push(Resp, cat(prepOk, eof(3)), 2);
  assert.equal(s.out[0]!.respBytes, prepOk.length + 9);
  assert.equal(s.state.deprecateEof, 0);
  const t = new Sim();
  t.push(Req, prep, 1);
  t.push(Resp, prepOk, 2);
  assert.equal(t.out.length, 1);
  t.push(Resp, eof(3), 3);
  t.push(Req, query("SELECT 1"), 4);
  t.push(Resp, ok(1), 5);
  assert.equal(t.invalid, 0);
  assert.equal(t.out.length, 2);
  assert.equal(t.state.deprecateEof, 0);
  assert.equal(t.state.stmts.get(5)?.params, 1);
});

Deno.test("a response without a waiting command is invalid and counted", () => {
  const s = new Sim();
  s.push(Resp, ok(1), 1);
  assert.equal(s.invalid, 1);
  assert.equal(s.state.orphanResponses, 1);
  // A response that starts before its request cannot be its response.
  const t = new Sim();
  t.push(Req, query("SELECT 1"), 10);
  t.push(Resp, ok(1), 5);
  assert.equal(t.invalid, 1);
  // Wrong sequence id.
  const u = new Sim();
  u.push(Req, query("SELECT 1"), 1);
  u.push(Resp, ok(2), 2);
  assert.equal(u.invalid, 1);
  assert.equal(u.out.length, 0);
});

Deno.test("greeting, handshake and compression make the connection opaque after the OK", () => {
  const greeting = pkt(
    0,
    [10],
    "8.0.36\0",
    u32(7),
    new Uint8Array(8),
    [0],
    u16(0xffff),
    [33],
    u16(2),
    u16(0xffff),
    [21],
    new Uint8Array(10),
    new Uint8Array(13),
    "caching_sha2_password\0",
  );
  const s = new Sim();
  s.push(Resp, greeting, 1);
  assert.equal(s.state.serverCaps, 0xffffffff);
  const caps = 0x0200 | 0x0020 | 0x8000;
  s.push(Req, pkt(1, u32(caps), u32(1 << 24), [33], new Uint8Array(23), "u\0", [0]), 2);
  s.push(Resp, cat(pkt(2, [1, 3]), ok(3)), 3);
  assert.equal(s.state.phase, Phase.Opaque);
  assert.equal(s.out.length, 0);
  assert.equal(s.invalid, 0);
});

Deno.test("COM_FIELD_LIST, COM_STATISTICS, COM_STMT_FETCH and COM_SET_OPTION", () => {
  assert.deepEqual(answer(cat(coldef(1, "a"), coldef(2, "b"), eof(3)), pkt(0, [4], "t\0")), {
    status: "ok",
    columns: 2,
    warnings: 0,
  });
  assert.deepEqual(answer(pkt(1, "Uptime: 5"), pkt(0, [9])), { status: "ok", info: "Uptime: 5" });
  assert.deepEqual(answer(cat(pkt(1, [0, 0, 1]), pkt(2, [0, 0, 2]), eof(3, 0x82)), pkt(0, [0x1c], u32(1), u32(2))), {
    status: "resultset",
    rows: 2,
    warnings: 0,
  });
  assert.deepEqual(answer(eof(1), pkt(0, [0x1b], [0, 0])), { status: "ok", warnings: 0 });
  assert.equal(answer(pkt(1, [0xfc], u16(300), [1]))?.status, undefined);
  assert.deepEqual(lenenc(300), [0xfc, 44, 1]);
});
