import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { filters } from "./filter.ts";
import { mysqlParser as p, summarize } from "./mod.ts";
import { cat, coldef, eof, err, ok, pkt, query, resultSet, Sim, u16, u32 } from "./testdata.ts";
import type { MysqlRequest, MysqlResponse } from "./types.ts";

const Req = Stream.Request;
const Resp = Stream.Response;

function prepareOk(id: number, params: number, seq = 1): Uint8Array {
  const defs = Array.from({ length: params }, (_, k) => coldef(seq + 1 + k, "?"));
  return cat(
    pkt(seq, [0], u32(id), u16(0), u16(params), [0], u16(0)),
    ...defs,
    params > 0 ? eof(seq + 1 + params) : [],
  );
}

function execute(id: number, value: number): Uint8Array {
  return pkt(0, [0x17], u32(id), [0], u32(1), [0, 1, 3, 0], u32(value));
}

Deno.test("match pairs in order and reports timing and sizes", () => {
  const s = new Sim();
  const q = query("SELECT 1");
  const r = resultSet(["1"], [["1"]]);
  s.push(Req, q, 100);
  s.push(Resp, r.subarray(0, 10), 200);
  assert.equal(s.out.length, 0);
  s.push(Resp, r.subarray(10), 210);
  assert.deepEqual(s.out, [{
    req: { command: "COM_QUERY", query: "SELECT 1" },
    resp: { status: "resultset", columns: 1, rows: 1, warnings: 0 },
    reqStartNs: 100,
    reqEndNs: 100,
    respStartNs: 200,
    respEndNs: 210,
    reqBytes: q.length,
    respBytes: r.length,
  }]);
});

Deno.test("pipelined PREPARE + EXECUTE resolve the statement when emitted", () => {
  const s = new Sim();
  // MariaDB Connector/J style: execute statement -1, "the one just prepared".
  s.push(Req, cat(pkt(0, [0x16], "SELECT ?"), execute(0xffffffff, 42)), 1);
  s.push(Resp, cat(prepareOk(9, 1), ok(1)), 2);
  assert.equal(s.invalid, 0);
  assert.deepEqual(s.out.map((x) => x.req), [
    { command: "COM_STMT_PREPARE", query: "SELECT ?" },
    { command: "COM_STMT_EXECUTE", query: "SELECT ?", statement_id: 9, params: [42] },
  ]);
  // Closing forgets it; a later execute of the id knows no SQL.
  s.push(Req, pkt(0, [0x19], u32(9)), 3);
  s.push(Req, execute(9, 1), 4);
  s.push(Resp, err(1, 1243, "HY000", "Unknown prepared statement handler"), 5);
  assert.equal((s.out.at(-1)!.req as MysqlRequest).query, null);
  assert.deepEqual((s.out.at(-1)!.req as MysqlRequest).params, [1]);
});

Deno.test("closing emits waiting commands, and one whose response was cut, without response", () => {
  const s = new Sim();
  s.push(Req, query("SELECT 1"), 1);
  s.push(Resp, cat(pkt(1, [1]), coldef(2, "a")), 2);
  s.push(Req, query("SELECT 2"), 3);
  s.close(4);
  assert.deepEqual(s.out.map((x) => [(x.req as MysqlRequest).query, x.resp, x.respStartNs, x.respEndNs, x.respBytes]), [
    ["SELECT 1", null, -1, -1, 0],
    ["SELECT 2", null, -1, -1, 0],
  ]);
  assert.equal(s.state.queue.length, 0);
  assert.equal(s.state.resp.entry, null);
});

Deno.test("reset drops queues but keeps statements and capabilities", () => {
  const s = new Sim();
  s.state.deprecateEof = 1;
  s.push(Req, pkt(0, [0x16], "SELECT ?"), 1);
  s.push(Resp, prepareOk(3, 1).subarray(0, 16 + 27), 2);
  s.push(Req, query("SELECT 2"), 3);
  p.reset(s.state);
  assert.equal(s.state.queue.length, 0);
  assert.equal(s.state.deprecateEof, 1);
  s.push(Req, query("SELECT 3"), 4);
  s.push(Resp, ok(1), 5);
  assert.deepEqual(s.out.map((x) => (x.req as MysqlRequest).query), ["SELECT 3"]);
});

Deno.test("prepared statements are capped per connection", () => {
  const s = new Sim();
  s.state.deprecateEof = 1;
  for (let i = 1; i <= 5000; i++) {
    s.push(Req, pkt(0, [0x16], "DO 1"), 2 * i);
    s.push(Resp, prepareOk(i, 0), 2 * i + 1);
  }
  assert.equal(s.out.length, 5000);
  assert.equal(s.state.stmts.size, 4096);
  assert.equal(s.state.stmts.has(5000), true);
  assert.equal(s.state.stmts.has(1), false);
});

Deno.test("summarize renders one line per exchange", () => {
  const q = (query: string | null, command = "COM_QUERY", extra = {}) => ({ command, query, ...extra });
  assert.equal(summarize(q("SELECT *\n  FROM t"), { status: "resultset", rows: 3 }), "SELECT * FROM t -> 3 rows");
  assert.equal(summarize(q("x".repeat(200)), { status: "resultset", rows: 1 }), "x".repeat(99) + "\u2026 -> 1 row");
  assert.equal(
    summarize(q("SELECT * FROM x"), { status: "error", error_code: 1146, error_message: "Table 'x' doesn't exist" }),
    "SELECT * FROM x -> ERR 1146 Table 'x' doesn't exist",
  );
  assert.equal(summarize(q("DELETE FROM t"), { status: "ok", affected_rows: 1 }), "DELETE FROM t -> OK 1 row affected");
  assert.equal(summarize(q(null, "COM_PING"), { status: "ok", affected_rows: 0 }), "PING -> OK");
  assert.equal(summarize(q("shop", "COM_INIT_DB"), { status: "ok" }), "INIT_DB shop -> OK");
  assert.equal(
    summarize(q(null, "COM_STMT_EXECUTE", { statement_id: 4 }), { status: "ok", affected_rows: 2 }),
    "EXECUTE #4 -> OK 2 rows affected",
  );
  assert.equal(
    summarize(q("SELECT ?", "COM_STMT_PREPARE"), { status: "ok", statement_id: 4, param_count: 1 }),
    "PREPARE SELECT ? -> OK stmt 4, 1 param",
  );
  assert.equal(summarize(q("SELECT 1"), null), "SELECT 1 -> (no response)");
  assert.equal(summarize(q(null, "COM_STMT_CLOSE", { statement_id: 4 }), null), "CLOSE #4");
  assert.equal(summarize(null, null), "? -> (no response)");
});

Deno.test("filters: --query-regex and --command", () => {
  assert.equal(filters.build({}), null);
  const sel = { command: "COM_QUERY", query: "SELECT * FROM users" };
  const ping = { command: "COM_PING", query: null };
  const exec = { command: "COM_STMT_EXECUTE", query: "UPDATE users SET a = ?" };
  const r: MysqlResponse = { status: "ok" };
  const byRegex = filters.build({ "query-regex": ["^SELECT", "^INSERT"] })!;
  assert.deepEqual([byRegex(sel, r), byRegex(ping, r), byRegex(exec, r)], [true, false, false]);
  const byCommand = filters.build({ command: ["query, PING", "com_stmt_execute"] })!;
  assert.deepEqual([byCommand(sel, r), byCommand(ping, r), byCommand(exec, r)], [true, true, true]);
  const both = filters.build({ command: ["stmt_execute"], "query-regex": ["users"] })!;
  assert.deepEqual([both(sel, r), both(ping, r), both(exec, null)], [false, false, true]);
  assert.throws(
    () => filters.build({ "query-regex": ["("] }),
    (e) => e instanceof RangeError && /--query-regex/.test(e.message),
  );
  assert.throws(
    () => filters.build({ command: ["select"] }),
    (e) => e instanceof RangeError && /--command: 'select'/.test(e.message),
  );
  assert.deepEqual(Object.keys(filters.flags), ["query-regex", "command"]);
});
