// Replays of traffic captured from a real redis-server 7.0.15 (see
// testdata/capture.py): redis-cli in RESP2 and RESP3, raw pub/sub clients,
// inline commands and a pipelined redis-benchmark run.
import assert from "node:assert/strict";
import { redisParser as p } from "./mod.ts";
import { brief, load, replay, rng, Sim } from "./testdata.ts";
import * as F from "./testdata/captured.ts";
import type { RedisRequest, RedisResponse } from "./types.ts";

function obj(o: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(Object.create(null), o);
}

Deno.test("redis-cli session (RESP2): every command paired with its reply", async () => {
  const s = await replay(F.RESP2_CLI[0]!);
  s.close(1e9);
  assert.equal(s.invalid, 0);
  const b = brief(s.out);
  assert.equal(b.length, 26);
  assert.deepEqual(b[0]!.slice(0, 2), ["COMMAND DOCS", "array"]);
  assert.equal((s.out[0]!.resp as RedisResponse).truncated, true);
  assert.equal(s.out[0]!.respBytes, 172298);
  assert.deepEqual(b.slice(1), [
    ["PING", "string", "PONG"],
    ["SET", "string", "OK"],
    ["GET", "bulk", "hello"],
    ["GET", "nil", null],
    ["INCR", "integer", 1],
    ["RPUSH", "integer", 3],
    ["LRANGE", "array", ["a", "b", "c"]],
    ["HSET", "integer", 2],
    ["HGETALL", "array", ["f1", "v1", "f2", "v2"]],
    ["SADD", "integer", 1],
    ["SMEMBERS", "array", ["x"]],
    ["ZADD", "integer", 1],
    ["ZSCORE", "bulk", "1.5"],
    ["CONFIG GET", "array", ["maxmemory", "0"]],
    ["OBJECT ENCODING", "bulk", "quicklist"],
    ["CLIENT SETNAME", "string", "OK"],
    [
      "NOSUCHCMD",
      "error",
      "ERR unknown command 'NOSUCHCMD', with args beginning with: 'x' ",
    ],
    ["MGET", "array", ["hello", null]],
    ["LRANGE", "array", []],
    ["DEL", "integer", 1],
    ["EXISTS", "integer", 0],
    ["MULTI", "string", "OK"],
    ["SET", "string", "QUEUED"],
    ["INCR", "string", "QUEUED"],
    ["EXEC", "array", ["OK", 2]],
  ]);
  assert.deepEqual(s.out[2]!.req, {
    command: "SET",
    args: ["user:1", "hello"],
  });
});

Deno.test("redis-cli -3 session (RESP3): maps, sets, doubles, booleans, verbatim", async () => {
  const s = await replay(F.RESP3_CLI[0]!);
  assert.equal(s.invalid, 0);
  const b = brief(s.out);
  assert.equal(b.length, 23);
  assert.deepEqual(b[0], [
    "HELLO",
    "map",
    obj({
      server: "redis",
      version: "7.0.15",
      proto: 3,
      id: (b[0]![2] as { id: number }).id,
      mode: "standalone",
      role: "master",
      modules: [],
    }),
  ]);
  assert.deepEqual(b.slice(4, 6), [["GET", "bulk", "hello"], [
    "GET",
    "nil",
    null,
  ]]);
  assert.deepEqual(b.slice(10), [
    ["HGETALL", "map", obj({ f1: "v1", f2: "v2" })],
    ["SADD", "integer", 0],
    ["SMEMBERS", "set", ["x"]],
    ["ZADD", "integer", 0],
    ["ZSCORE", "double", 1.5],
    ["CONFIG GET", "map", obj({ maxmemory: "0" })],
    ["DEBUG", "boolean", true],
    ["DEBUG", "boolean", false],
    ["DEBUG", "verbatim", "This is a verbatim\nstring"],
    ["DEBUG", "double", 3.141],
    ["DEBUG", "nil", null],
    ["DEBUG", "map", obj({ "0": false, "1": true, "2": false })],
    ["DEBUG", "set", [0, 1, 2]],
  ]);
});

Deno.test("RESP2 pub/sub session: messages counted, confirmations paired", async () => {
  const s = await replay(F.PUBSUB2[0]!);
  assert.equal(s.invalid, 0);
  assert.deepEqual(brief(s.out), [
    ["SUBSCRIBE", "array", ["subscribe", "news", 1]],
    ["PSUBSCRIBE", "array", ["psubscribe", "n*", 3]],
    ["PING", "array", ["pong", ""]],
    [
      "GET",
      "error",
      "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
    ],
    ["UNSUBSCRIBE", "array", ["unsubscribe", "news", 2]],
    ["PUNSUBSCRIBE", "array", ["punsubscribe", "n*", 0]],
    ["UNSUBSCRIBE", "array", ["unsubscribe", null, 0]],
    ["PING", "string", "PONG"],
    ["GET", "nil", null],
  ]);
  const st = s.state;
  assert.deepEqual([st.pushes, st.swallowed, st.orphanResponses], [4, 2, 0]);
  // SUBSCRIBE's reply is its own confirmation only, bytes included.
  assert.equal(s.out[0]!.respBytes, 33);
});

Deno.test("RESP3 session: pushes, attributes, big numbers, tracking", async () => {
  const s = await replay(F.PUBSUB3[0]!);
  assert.equal(s.invalid, 0);
  assert.deepEqual(brief(s.out).slice(1), [
    ["SUBSCRIBE", "push", ["subscribe", "news", 1]],
    ["GET", "nil", null],
    ["UNSUBSCRIBE", "push", ["unsubscribe", "news", 0]],
    ["DEBUG", "bulk", "Some real reply following the attribute"],
    ["DEBUG", "bignum", "1234567999999999999999999999999999999"],
    ["DEBUG", "bulk", "Some real reply following the push reply"],
    ["CLIENT TRACKING", "string", "OK"],
    ["GET", "nil", null],
    ["PING", "string", "PONG"],
  ]);
  // The attribute's bytes belong to the reply it precedes.
  assert.equal(s.out[4]!.respBytes, 93);
  assert.deepEqual([s.state.pushes, s.state.orphanResponses], [3, 0]);
});

Deno.test("inline commands from a raw socket", async () => {
  const s = await replay(F.INLINE[0]!);
  assert.equal(s.invalid, 0);
  assert.deepEqual(s.out.map((x) => x.req as RedisRequest), [
    { command: "PING", args: [] },
    { command: "SET", args: ["k", "v"] },
    { command: "GET", args: ["k"] },
    { command: "ECHO", args: ["hello world", "x y"] },
  ]);
  assert.deepEqual(s.out.map((x) => x.reqBytes), [6, 9, 6, 26]);
});

Deno.test("redis-benchmark -P 10: pipelined batches pair one to one", async () => {
  for (
    const [conn, command] of [[F.BENCH[0]!, "SET"], [
      F.BENCH[1]!,
      "GET",
    ]] as const
  ) {
    const s = await replay(conn);
    assert.equal(s.invalid, 0);
    assert.equal(s.out.length, 50);
    for (const x of s.out) {
      assert.equal((x.req as RedisRequest).command, command);
      assert.equal((x.req as RedisRequest).args[0], "key:__rand_int__");
      assert.equal(x.respStartNs - x.reqStartNs, 10);
    }
    assert.deepEqual(
      s.out[0]!.resp,
      command === "SET" ? { type: "string", value: "OK" } : { type: "bulk", value: "VXK" },
    );
  }
});

Deno.test("every capture gives the same exchanges however its reads are split", async () => {
  const rand = rng(1234);
  for (const conns of Object.values(F)) {
    for (const conn of conns) {
      const reads = await load(conn);
      const whole = await replay(conn);
      for (let it = 0; it < 5; it++) {
        const s = new Sim();
        for (const [stream, b, ts] of reads) {
          for (let i = 0; i < b.length;) {
            const n = 1 + Math.floor(rand() * (it < 2 ? 8 : 700));
            s.push(stream, b.subarray(i, i + n), ts);
            i += n;
          }
        }
        assert.deepEqual(s.out, whole.out);
        assert.equal(s.invalid, 0);
        assert.ok(s.maxHeld <= 64 * 1024 + 700, `held ${s.maxHeld}`);
      }
    }
  }
});

Deno.test("pairing does not depend on maxBodyBytes", async () => {
  for (const conns of Object.values(F)) {
    for (const conn of conns) {
      const a = await replay(conn, 1024);
      const b = await replay(conn, 0);
      assert.deepEqual(
        b.out.map((
          x,
        ) => [(x.req as RedisRequest).command, (x.resp as RedisResponse).type]),
        a.out.map((
          x,
        ) => [(x.req as RedisRequest).command, (x.resp as RedisResponse).type]),
      );
      assert.equal(b.state.pushes, a.state.pushes);
      assert.equal(p.summarize(b.out[0]!.req, null).length > 0, true);
    }
  }
});
