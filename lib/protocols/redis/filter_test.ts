import assert from "node:assert/strict";
import { filters } from "./filter.ts";
import type { RedisRequest } from "./types.ts";

const q = (command: string, ...args: string[]): RedisRequest => ({
  command,
  args,
});

Deno.test("filters declare --command, --keys and --key-prefix", () => {
  assert.deepEqual(Object.keys(filters.flags), [
    "command",
    "keys",
    "key-prefix",
  ]);
  assert.equal(filters.build({}), null);
});

Deno.test("--command matches whole commands, any case, two-word ones too", () => {
  const f = filters.build({ command: ["get, config  get", "Client List"] })!;
  assert.equal(f(q("GET", "k"), null), true);
  assert.equal(f(q("CONFIG GET", "maxmemory"), null), true);
  assert.equal(f(q("CLIENT LIST"), null), true);
  assert.equal(f(q("CONFIG SET", "a", "b"), null), false);
  assert.equal(f(q("GETSET", "k", "v"), null), false);
  assert.equal(f(null, null), false);
  assert.equal(f({ nonsense: 1 }, null), false);
});

Deno.test("--keys and --key-prefix test the first argument; flags combine with AND", () => {
  const keys = filters.build({ keys: ["user:1,user:2"] })!;
  assert.equal(keys(q("GET", "user:1"), null), true);
  assert.equal(keys(q("SET", "user:2", "x"), null), true);
  assert.equal(keys(q("GET", "user:10"), null), false);
  assert.equal(keys(q("PING"), null), false);
  assert.equal(keys(q("MGET", "a", "user:1"), null), false);
  const pre = filters.build({ "key-prefix": ["session:", "cache:"] })!;
  assert.equal(pre(q("GET", "session:42"), null), true);
  assert.equal(pre(q("OBJECT ENCODING", "cache:x"), null), true);
  assert.equal(pre(q("GET", "user:1"), null), false);
  const both = filters.build({ command: ["set"], "key-prefix": ["user:"] })!;
  assert.equal(both(q("SET", "user:1", "v"), null), true);
  assert.equal(both(q("GET", "user:1"), null), false);
  assert.equal(both(q("SET", "other", "v"), null), false);
});

Deno.test("an empty filter value is a usage error naming the flag", () => {
  assert.throws(() => filters.build({ command: [" , "] }), {
    name: "RangeError",
    message: "Invalid value for --command: ' , ' names nothing",
  });
  assert.throws(() => filters.build({ keys: [""] }), /--keys/);
});
