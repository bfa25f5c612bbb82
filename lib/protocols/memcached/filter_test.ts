import assert from "node:assert/strict";
import { filters } from "./filter.ts";

const get = { command: "get", keys: ["user:1", "session:9"] };
const set = { command: "set", keys: ["cfg"], value_size: 3 };
const mn = { command: "mn", keys: [] };

Deno.test("no memcached filter flag: no predicate", () => {
  assert.equal(filters.build({}), null);
});

Deno.test("--command: any case, comma lists", () => {
  const f = filters.build({ command: ["GET,mn"] })!;
  assert.deepEqual([f(get, null), f(set, null), f(mn, null)], [true, false, true]);
});

Deno.test("--keys and --key-prefix match any key of a request, and combine with AND", () => {
  const k = filters.build({ keys: ["session:9"] })!;
  assert.deepEqual([k(get, null), k(set, null), k(mn, null)], [true, false, false]);
  const pre = filters.build({ "key-prefix": ["user:", "cf"] })!;
  assert.deepEqual([pre(get, null), pre(set, null), pre(mn, null)], [true, true, false]);
  const both = filters.build({ command: ["set"], "key-prefix": ["user:"] })!;
  assert.deepEqual([both(get, null), both(set, null)], [false, false]);
});

Deno.test("an empty list is a usage error naming the flag", () => {
  assert.throws(() => filters.build({ keys: [","] }), /--keys: ',' names nothing/);
});

Deno.test("records of another shape never match", () => {
  const f = filters.build({ command: ["get"] })!;
  assert.equal(f(null, null), false);
  assert.equal(f({ command: "GET", args: ["a"] }, null), false);
});
