import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { redisParser as p } from "./mod.ts";
import { brief, bytes, cmd, Sim } from "./testdata.ts";
import type { RedisResponse } from "./types.ts";

const Req = Stream.Request;
const Resp = Stream.Response;

/** The reply each of `replies` decodes to, each answering a PING. */
function replies(wire: string[], maxBodyBytes = 1024): RedisResponse[] {
  const s = new Sim(maxBodyBytes);
  s.push(Req, cmd("PING").repeat(wire.length), 1);
  s.push(Resp, wire.join(""), 2);
  assert.equal(s.invalid, 0);
  assert.equal(s.out.length, wire.length);
  return s.out.map((x) => x.resp as RedisResponse);
}

function obj(o: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(Object.create(null), o);
}

Deno.test("parseFrame decodes every RESP2 reply type", () => {
  assert.deepEqual(
    replies([
      "+OK\r\n",
      "-ERR unknown command 'FOO'\r\n",
      ":42\r\n",
      ":-9007199254740993\r\n",
      "$5\r\nhello\r\n",
      "$0\r\n\r\n",
      "$-1\r\n",
      "*-1\r\n",
      "*0\r\n",
      "*3\r\n$1\r\na\r\n$-1\r\n*2\r\n:1\r\n+x\r\n",
    ]),
    [
      { type: "string", value: "OK" },
      { type: "error", value: "ERR unknown command 'FOO'" },
      { type: "integer", value: 42 },
      { type: "integer", value: "-9007199254740993" },
      { type: "bulk", value: "hello" },
      { type: "bulk", value: "" },
      { type: "nil", value: null },
      { type: "nil", value: null },
      { type: "array", value: [] },
      { type: "array", value: ["a", null, [1, "x"]] },
    ],
  );
});

Deno.test("parseFrame decodes every RESP3 reply type", () => {
  assert.deepEqual(
    replies([
      "_\r\n",
      "#t\r\n",
      "#f\r\n",
      ",3.141\r\n",
      ",inf\r\n",
      ",-inf\r\n",
      ",nan\r\n",
      ",1e3\r\n",
      "(1234567999999999999999999999999999999\r\n",
      "!21\r\nSYNTAX invalid syntax\r\n",
      "=15\r\ntxt:Some string\r\n",
      "%2\r\n+a\r\n:1\r\n:2\r\n*1\r\n_\r\n",
      "~2\r\n+x\r\n+y\r\n",
      "%0\r\n",
      "|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n$2\r\nok\r\n",
      "*2\r\n|1\r\n+ttl\r\n:3\r\n:10\r\n:20\r\n",
    ]),
    [
      { type: "nil", value: null },
      { type: "boolean", value: true },
      { type: "boolean", value: false },
      { type: "double", value: 3.141 },
      { type: "double", value: "inf" },
      { type: "double", value: "-inf" },
      { type: "double", value: "nan" },
      { type: "double", value: 1000 },
      { type: "bignum", value: "1234567999999999999999999999999999999" },
      { type: "error", value: "SYNTAX invalid syntax" },
      { type: "verbatim", value: "Some string" },
      { type: "map", value: obj({ a: 1, "2": [null] }) },
      { type: "set", value: ["x", "y"] },
      { type: "map", value: obj({}) },
      { type: "bulk", value: "ok" },
      { type: "array", value: [10, 20] },
    ],
  );
});

Deno.test("parseFrame keeps hostile map keys as plain keys", () => {
  const [r] = replies(["%2\r\n+__proto__\r\n:1\r\n+constructor\r\n:2\r\n"]);
  assert.equal(JSON.stringify(r!.value), '{"__proto__":1,"constructor":2}');
});

Deno.test("parseFrame cuts strings and aggregates and flags the reply", () => {
  const long = "y".repeat(100);
  const many = "*100\r\n" + ":7\r\n".repeat(100);
  const map = "%70\r\n" +
    Array.from({ length: 70 }, (_, i) => `+k${i}\r\n:${i}\r\n`).join("");
  const nested = "*1\r\n*1\r\n" + many;
  const [a, b, c, d, e, f] = replies([
    `$100\r\n${long}\r\n`,
    `+${long}\r\n`,
    many,
    map,
    nested,
    "*2\r\n+ok\r\n+x\r\n",
  ], 10);
  assert.deepEqual(a, { type: "bulk", value: "yyyyyyyyyy", truncated: true });
  assert.deepEqual(b, { type: "string", value: "yyyyyyyyyy", truncated: true });
  assert.equal((c!.value as number[]).length, 64);
  assert.equal(c!.truncated, true);
  assert.equal(Object.keys(d!.value as object).length, 64);
  assert.equal((d!.value as Record<string, number>)["k63"], 63);
  assert.deepEqual(e!.truncated, true);
  assert.equal(((e!.value as number[][][])[0]![0]!).length, 64);
  assert.deepEqual(f, { type: "array", value: ["ok", "x"] });
});

Deno.test("parseFrame keeps at most 1024 values of one reply", () => {
  const inner = "*64\r\n" + ":1\r\n".repeat(64);
  const [r] = replies(["*64\r\n" + inner.repeat(64)]);
  const v = r!.value as number[][];
  const kept = v.reduce((n, a) => n + 1 + a.length, 0);
  assert.equal(kept, 1024);
  assert.equal(r!.truncated, true);
  assert.equal(v.length, 16); // 15 arrays of 64, then 48 of the 16th
  assert.equal(v[15]!.length, 48);
});

Deno.test("parseFrame rejects malformed replies with -1 and waits on short ones", () => {
  const bad = [
    "?x\r\n",
    "+OK\n",
    ":12a\r\n",
    ":\r\n",
    "$5\r\nhelloXX",
    "$-2\r\n",
    "$536870913\r\n",
    "*2147483648\r\n",
    "%-1\r\n",
    "_x\r\n",
    "#x\r\n",
    ",1.2.3\r\n",
    "(12a\r\n",
    "\r\n",
    "*1\r\n".repeat(65) + ":1\r\n",
  ];
  for (const m of bad) {
    const st = p.createState({ maxBodyBytes: 64, datagram: false });
    assert.equal(p.parseFrame(st, Resp, bytes(m), 1, 1), -1, JSON.stringify(m));
  }
  const st = p.createState({ maxBodyBytes: 64, datagram: false });
  for (const m of ["+OK", "+OK\r", "$5\r", ":1"]) {
    assert.equal(p.parseFrame(st, Resp, bytes(m), 1, 1), 0, m);
  }
  // A declared 2^31-1 element array costs nothing until elements come.
  assert.equal(
    p.parseFrame(st, Resp, bytes("*2147483647\r\n:1\r\n"), 1, 1),
    17,
  );
  assert.equal(st.resp.stack[0]!.left, 2147483646);
});

Deno.test("parseFrame gives identical exchanges at every split point", () => {
  const req = cmd("GET", "a") + cmd("HGETALL", "h") + "PING\r\n" +
    cmd("GET", "b");
  const resp = "$5\r\nhello\r\n" +
    "%2\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n*2\r\n:1\r\n_\r\n" +
    "|1\r\n+a\r\n+b\r\n+PONG\r\n" + "$-1\r\n";
  const whole = new Sim();
  whole.push(Req, req, 1);
  whole.push(Resp, resp, 2);
  assert.equal(whole.out.length, 4);
  for (let cut = 0; cut <= Math.max(req.length, resp.length); cut++) {
    const s = new Sim();
    s.push(Req, req.slice(0, cut), 1);
    s.push(Req, req.slice(cut), 1);
    s.push(Resp, resp.slice(0, cut), 2);
    s.push(Resp, resp.slice(cut), 2);
    assert.deepEqual(s.out, whole.out, `cut at ${cut}`);
  }
  const bb = new Sim();
  for (const c of req) bb.push(Req, c, 1);
  for (const c of resp) bb.push(Resp, c, 2);
  assert.deepEqual(bb.out, whole.out);
  assert.equal(bb.invalid, 0);
});

Deno.test("parseFrame consumes a 1 MiB bulk string piece by piece", () => {
  const s = new Sim(16);
  const size = 1 << 20;
  s.push(Req, cmd("GET", "big"), 1);
  s.push(Resp, `$${size}\r\n`, 2);
  const piece = new Uint8Array(65536).fill(97);
  for (let i = 0; i < size / piece.length; i++) s.push(Resp, piece, 3 + i);
  assert.equal(s.out.length, 0);
  s.push(Resp, "\r\n+OK\r\n", 20);
  assert.equal(s.out.length, 1);
  assert.equal(s.maxHeld, 65536);
  const x = s.out[0]!;
  assert.deepEqual(x.resp, {
    type: "bulk",
    value: "a".repeat(16),
    truncated: true,
  });
  assert.deepEqual([x.respStartNs, x.respEndNs, x.respBytes], [
    2,
    20,
    size + 12,
  ]);
  assert.equal(s.state.orphanResponses, 1);
});

Deno.test("skip absorbs bytes inside a bulk string and keeps sync", () => {
  const s = new Sim();
  const value = 1000;
  s.push(Req, `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${value}\r\nabc`, 1);
  assert.equal(s.skip(Req, 900, 2), true);
  assert.equal(s.skip(Req, 97, 3), true); // ends just before the CRLF
  s.push(Req, "\r\n" + cmd("GET", "k"), 4);
  assert.equal(s.state.reqQueue.length, 2);
  const q = s.state.reqQueue[0]!;
  assert.deepEqual(q.msg, {
    command: "SET",
    args: ["k", "abc"],
    args_truncated: true,
  });
  assert.deepEqual([q.startNs, q.endNs, q.bytes], [1, 4, 29 + value]);
  // A skip that also covers the CRLF completes the command.
  const t = new Sim();
  t.push(Req, cmd("GET", "k"), 1);
  t.push(Resp, `$${value}\r\nab`, 2);
  assert.equal(t.skip(Resp, value, 3), true);
  assert.equal(t.out.length, 1);
  assert.deepEqual([t.out[0]!.respEndNs, t.out[0]!.respBytes], [3, value + 9]);
  // Past the bulk string, or outside one, sync is lost.
  const u = new Sim();
  u.push(Resp, `$${value}\r\nab`, 2);
  assert.equal(p.skip(u.state, Resp, value + 1, 3), false);
  assert.equal(p.skip(u.state, Resp, 1, 3), false);
  assert.equal(
    p.skip(p.createState({ maxBodyBytes: 1, datagram: false }), Req, 1, 1),
    false,
  );
  assert.equal(p.skip(u.state, Req, 0, 1), true);
});

Deno.test("parseFrame pairs a pipelined batch reply by reply", () => {
  const s = new Sim();
  const n = 100;
  s.push(
    Req,
    Array.from({ length: n }, (_, i) => cmd("INCR", `c${i}`)).join(""),
    1,
  );
  s.push(Resp, Array.from({ length: n }, (_, i) => `:${i}\r\n`).join(""), 2);
  assert.deepEqual(
    brief(s.out),
    Array.from({ length: n }, (_, i) => ["INCR", "integer", i]),
  );
  assert.deepEqual(
    s.out.map((x) => (x.req as { args: string[] }).args[0]),
    Array.from({ length: n }, (_, i) => `c${i}`),
  );
});
