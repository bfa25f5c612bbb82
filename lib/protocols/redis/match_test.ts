import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { redisParser as p } from "./mod.ts";
import { MAX_QUEUE } from "./pair.ts";
import { brief, cmd, Sim } from "./testdata.ts";

const Req = Stream.Request;
const Resp = Stream.Response;

/** A RESP2 (`*`) or RESP3 (`>`) pub/sub array of bulks and one integer. */
function ps(agg: string, kind: string, channel: string | null, n: number) {
  const ch = channel === null ? "$-1\r\n" : `$${channel.length}\r\n${channel}\r\n`;
  return `${agg}3\r\n$${kind.length}\r\n${kind}\r\n${ch}:${n}\r\n`;
}

function msg(agg: string, channel: string, data: string) {
  return `${agg}3\r\n$7\r\nmessage\r\n$${channel.length}\r\n${channel}\r\n` +
    `$${data.length}\r\n${data}\r\n`;
}

Deno.test("match pairs in order and times each exchange", () => {
  const s = new Sim();
  s.push(Req, cmd("SET", "k", "v"), 100);
  s.push(Req, cmd("GET", "k"), 110);
  assert.equal(s.out.length, 0);
  s.push(Resp, "+OK\r\n$1\r", 200);
  s.push(Resp, "\nv\r\n", 210);
  assert.deepEqual(s.out, [
    {
      req: { command: "SET", args: ["k", "v"] },
      resp: { type: "string", value: "OK" },
      reqStartNs: 100,
      reqEndNs: 100,
      respStartNs: 200,
      respEndNs: 200,
      reqBytes: 27,
      respBytes: 5,
    },
    {
      req: { command: "GET", args: ["k"] },
      resp: { type: "bulk", value: "v" },
      reqStartNs: 110,
      reqEndNs: 110,
      respStartNs: 200,
      respEndNs: 210,
      reqBytes: 20,
      respBytes: 7,
    },
  ]);
});

Deno.test("match drops replies with no command and closes with null responses", () => {
  const s = new Sim();
  s.push(Resp, "+OK\r\n:1\r\n", 1);
  assert.equal(s.state.orphanResponses, 2);
  s.push(Req, cmd("BLPOP", "q", "0") + cmd("PING"), 2);
  s.close(3);
  assert.deepEqual(
    s.out.map((x) => [x.resp, x.respStartNs, x.respEndNs, x.respBytes]),
    [
      [null, -1, -1, 0],
      [null, -1, -1, 0],
    ],
  );
  assert.equal(s.state.reqQueue.length, 0);
});

Deno.test("a reply older than its command makes the tracker resync", () => {
  const s = new Sim();
  s.push(Req, cmd("GET", "a"), 10);
  // The tracker would never deliver this order; a lost read can.
  const st = s.state;
  assert.equal(
    p.parseFrame(st, Resp, new TextEncoder().encode("+OK\r\n"), 5, 5),
    5,
  );
  assert.equal(st.lost, true);
  assert.equal(
    p.parseFrame(st, Req, new TextEncoder().encode(cmd("PING")), 11, 11),
    -1,
  );
  p.reset(st);
  assert.equal(st.lost, false);
  assert.equal(st.desyncs, 1);
});

Deno.test("a full queue makes the tracker resync instead of mis-pairing", () => {
  const s = new Sim();
  s.push(Req, cmd("PING").repeat(MAX_QUEUE), 1);
  assert.equal(s.invalid, 0);
  s.push(Req, cmd("PING"), 2);
  assert.equal(s.invalid, 1);
  assert.equal(s.desynced, true);
  s.push(Resp, "+PONG\r\n".repeat(10), 3);
  s.push(Req, cmd("GET", "k"), 4);
  s.push(Resp, "$1\r\nv\r\n", 5);
  assert.deepEqual(brief(s.out), [["GET", "bulk", "v"]]);
});

Deno.test("SUBSCRIBE pairs with its first confirmation and swallows the rest (RESP2)", () => {
  const s = new Sim();
  s.push(Req, cmd("SUBSCRIBE", "a", "b", "c") + cmd("PING"), 1);
  s.push(Resp, ps("*", "subscribe", "a", 1) + ps("*", "subscribe", "b", 2), 2);
  s.push(Resp, msg("*", "a", "early") + ps("*", "subscribe", "c", 3), 3);
  s.push(Resp, msg("*", "b", "x") + "*2\r\n$4\r\npong\r\n$0\r\n\r\n", 4);
  s.push(Resp, msg("*", "c", "y"), 5);
  assert.deepEqual(brief(s.out), [
    ["SUBSCRIBE", "array", ["subscribe", "a", 1]],
    ["PING", "array", ["pong", ""]],
  ]);
  assert.deepEqual([s.state.pushes, s.state.swallowed, s.state.subCount], [
    3,
    2,
    3,
  ]);
  // While subscribed, a message before an error reply is still a message.
  s.push(Req, cmd("GET", "k"), 6);
  s.push(Resp, msg("*", "a", "z") + "-ERR Can't execute 'get'\r\n", 7);
  assert.deepEqual(brief(s.out).at(-1), [
    "GET",
    "error",
    "ERR Can't execute 'get'",
  ]);
  assert.equal(s.state.pushes, 4);
});

Deno.test("a no-argument UNSUBSCRIBE swallows one confirmation per channel", () => {
  const s = new Sim();
  s.push(
    Req,
    cmd("UNSUBSCRIBE") + cmd("UNSUBSCRIBE", "a") + cmd("UNSUBSCRIBE"),
    1,
  );
  s.push(
    Resp,
    ps("*", "unsubscribe", "a", 3) + ps("*", "unsubscribe", "b", 2) +
      ps("*", "unsubscribe", "c", 1) + ps("*", "unsubscribe", "a", 1) +
      ps("*", "unsubscribe", null, 1),
    2,
  );
  assert.deepEqual(brief(s.out), [
    ["UNSUBSCRIBE", "array", ["unsubscribe", "a", 3]],
    ["UNSUBSCRIBE", "array", ["unsubscribe", "a", 1]],
    ["UNSUBSCRIBE", "array", ["unsubscribe", null, 1]],
  ]);
  assert.equal(s.state.swallowed, 2);
  // The pattern subscription left: still subscribed, messages are not replies.
  s.push(Req, cmd("PING"), 3);
  s.push(Resp, "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$1\r\nn\r\n$1\r\nx\r\n", 4);
  s.push(Resp, "*2\r\n$4\r\npong\r\n$0\r\n\r\n", 5);
  assert.deepEqual(brief(s.out).at(-1), ["PING", "array", ["pong", ""]]);
});

Deno.test("RESP3 pushes are never replies, confirmations answer (un)subscribe", () => {
  const s = new Sim();
  s.push(Req, cmd("SUBSCRIBE", "a", "b") + cmd("GET", "k"), 1);
  s.push(Resp, ps(">", "subscribe", "a", 1) + msg(">", "a", "m1"), 2);
  s.push(Resp, ps(">", "subscribe", "b", 2) + msg(">", "b", "m2"), 3);
  s.push(Resp, ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n$1\r\nv\r\n", 4);
  s.push(Req, cmd("LRANGE", "l", "0", "-1"), 5);
  // In RESP3 a message-shaped array is an ordinary reply.
  s.push(Resp, msg("*", "x", "y"), 6);
  assert.deepEqual(brief(s.out), [
    ["SUBSCRIBE", "push", ["subscribe", "a", 1]],
    ["GET", "bulk", "v"],
    ["LRANGE", "array", ["message", "x", "y"]],
  ]);
  assert.deepEqual([s.state.pushes, s.state.swallowed, s.state.subCount], [
    3,
    1,
    0,
  ]);
  // An unsolicited confirmation (slot migration) is a push too.
  s.push(Req, cmd("PING"), 7);
  s.push(Resp, ps(">", "sunsubscribe", "s", 0) + "+PONG\r\n", 8);
  assert.deepEqual(brief(s.out).at(-1), ["PING", "string", "PONG"]);
});

Deno.test("a message-shaped reply pairs when the client is not subscribed", () => {
  const s = new Sim();
  s.push(Req, cmd("LRANGE", "l", "0", "-1"), 1);
  s.push(Resp, msg("*", "x", "y"), 2);
  assert.deepEqual(brief(s.out), [["LRANGE", "array", ["message", "x", "y"]]]);
  s.push(Req, cmd("PING"), 3);
  s.push(Resp, msg("*", "x", "y") + "+PONG\r\n", 4);
  assert.deepEqual(brief(s.out).at(-1), ["PING", "string", "PONG"]);
  assert.equal(s.state.pushes, 1);
});

Deno.test("a SUBSCRIBE answered by an error or QUEUED takes one reply", () => {
  const s = new Sim();
  s.push(Req, cmd("MULTI") + cmd("SUBSCRIBE", "a", "b") + cmd("EXEC"), 1);
  s.push(
    Resp,
    "+OK\r\n+QUEUED\r\n*2\r\n" + ps("*", "subscribe", "a", 1) +
      ps("*", "subscribe", "b", 2),
    2,
  );
  assert.deepEqual(brief(s.out).map((x) => x[1]), [
    "string",
    "string",
    "array",
  ]);
  assert.equal(s.state.swallowed, 0);
});

Deno.test("RESET ends RESP2 subscribed mode", () => {
  const s = new Sim();
  s.push(Req, cmd("SUBSCRIBE", "a") + cmd("RESET"), 1);
  s.push(Resp, ps("*", "subscribe", "a", 1) + "+RESET\r\n", 2);
  s.push(Req, cmd("LRANGE", "l", "0", "-1"), 3);
  s.push(Resp, msg("*", "a", "b"), 4);
  assert.deepEqual(brief(s.out).map((x) => x[0]), [
    "SUBSCRIBE",
    "RESET",
    "LRANGE",
  ]);
});

Deno.test("CLIENT REPLY OFF and SKIP leave commands unanswered", () => {
  const s = new Sim();
  s.push(Req, cmd("CLIENT", "REPLY", "OFF") + cmd("SET", "a", "1"), 1);
  s.push(Req, cmd("client", "reply", "on") + cmd("CLIENT", "REPLY", "SKIP"), 2);
  s.push(Req, cmd("SET", "b", "2") + cmd("GET", "b"), 3);
  s.push(Resp, "+OK\r\n$1\r\n2\r\n", 4);
  assert.deepEqual(brief(s.out), [
    ["CLIENT REPLY", null, null],
    ["SET", null, null],
    ["CLIENT REPLY", "string", "OK"],
    ["CLIENT REPLY", null, null],
    ["SET", null, null],
    ["GET", "bulk", "2"],
  ]);
});

Deno.test("CLIENT REPLY is understood whatever maxBodyBytes", () => {
  const s = new Sim(0);
  s.push(Req, cmd("CLIENT", "REPLY", "OFF") + cmd("SET", "a", "1"), 1);
  s.push(Req, cmd("CLIENT", "REPLY", "ON"), 2);
  s.push(Resp, "+OK\r\n", 3);
  assert.deepEqual(brief(s.out).map((x) => x[1]), [null, null, "string"]);
});

Deno.test("reset drops queued commands but keeps exchanges already paired", () => {
  const s = new Sim();
  s.push(Req, cmd("GET", "a") + cmd("GET", "b"), 1);
  p.parseFrame(s.state, Resp, new TextEncoder().encode("$1\r\nx\r\n"), 2, 2);
  p.reset(s.state);
  s.push(Resp, "$1\r\ny\r\n", 3);
  s.close(4);
  assert.deepEqual(brief(s.out), [["GET", "bulk", "x"]]);
  assert.equal(s.state.orphanResponses, 1);
});

Deno.test("a connection seen mid-stream resumes at a command start", () => {
  const s = new Sim();
  s.desynced = true;
  s.push(Resp, "lo\r\n:1\r\n", 1); // the end of replies we never saw asked
  s.push(Req, "$1\r\nk\r\n", 2); // the end of a command
  s.push(Resp, "+OK\r\n", 3);
  s.push(Req, cmd("GET", "k"), 4);
  s.push(Resp, "$1\r\nv\r\n", 5);
  assert.deepEqual(brief(s.out), [["GET", "bulk", "v"]]);
  assert.equal(s.invalid, 0);
});

Deno.test("a 1 MiB command is consumed piece by piece", () => {
  const s = new Sim(8);
  const size = 1 << 20;
  s.push(Req, `*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${size}\r\n`, 1);
  const piece = new Uint8Array(32768).fill(98);
  for (let i = 0; i < size / piece.length; i++) s.push(Req, piece, 2);
  s.push(Req, "\r\n", 3);
  s.push(Resp, "+OK\r\n", 4);
  assert.ok(s.maxHeld <= 32768);
  assert.deepEqual(s.out[0]!.req, {
    command: "SET",
    args: ["big", "bbbbbbbb"],
    args_truncated: true,
  });
  assert.deepEqual([s.out[0]!.reqBytes, s.out[0]!.reqEndNs], [size + 34, 3]);
});
