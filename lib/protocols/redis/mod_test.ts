import assert from "node:assert/strict";
import { describe, redisParser, summarize } from "./mod.ts";
import type { RedisResponse } from "./types.ts";

Deno.test("redisParser names its protocol", () => {
  assert.equal(redisParser.protocol, "redis");
});

Deno.test("summarize prints the command, its key and the reply, redis-cli style", () => {
  const set = { command: "SET", args: ["user:1", "Ada"] };
  const get = { command: "GET", args: ["k"] };
  assert.equal(
    summarize(set, { type: "string", value: "OK" }),
    "SET user:1 … -> OK",
  );
  assert.equal(
    summarize(get, { type: "bulk", value: "value" }),
    'GET k -> "value"',
  );
  assert.equal(
    summarize({ command: "FOO", args: [] }, {
      type: "error",
      value: "ERR unknown command",
    }),
    "FOO -> (error) ERR unknown command",
  );
  assert.equal(summarize(get, null), "GET k -> (no response)");
  assert.equal(summarize(null, null), "? -> (no response)");
  assert.equal(
    summarize({ command: "GET", args: ["a\nb" + "x".repeat(50)] }, {
      type: "nil",
      value: null,
    }),
    `GET a\\nb${"x".repeat(37)}… -> (nil)`,
  );
});

Deno.test("describe gives each reply type a short form", () => {
  const cases: [RedisResponse, string][] = [
    [{ type: "integer", value: 42 }, "(integer) 42"],
    [{ type: "double", value: "inf" }, "(double) inf"],
    [{ type: "boolean", value: true }, "(boolean) true"],
    [{ type: "bignum", value: "123" }, "(bignum) 123"],
    [{ type: "verbatim", value: "txt" }, '"txt"'],
    [{ type: "array", value: [1, 2, 3] }, "(array 3)"],
    [{ type: "set", value: [] }, "(set 0)"],
    [{ type: "map", value: { a: 1 } }, "(map 1)"],
    [{ type: "push", value: ["a"] }, "(push 1)"],
    [{ type: "array", value: [1], truncated: true }, "(array 1…)"],
    [
      { type: "bulk", value: "x".repeat(50), truncated: true },
      `"${"x".repeat(40)}…"`,
    ],
  ];
  for (const [r, s] of cases) assert.equal(describe(r), s);
});
