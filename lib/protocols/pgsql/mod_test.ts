import assert from "node:assert/strict";
import { filters } from "./filter.ts";
import { pgsqlParser, summarize } from "./mod.ts";

Deno.test("summarize: SQL on one line and cut, command tag or error", () => {
  assert.equal(
    summarize({ type: "query", query: "SELECT *\n  FROM t" }, { status: "ok", command_tag: "SELECT 3", rows: 3 }),
    "SELECT * FROM t -> SELECT 3",
  );
  assert.equal(
    summarize({ type: "query", query: "SELECT * FROM x" }, {
      status: "error",
      rows: 0,
      error_code: "42P01",
      error_message: 'relation "x" does not exist',
      error_severity: "ERROR",
    }),
    'SELECT * FROM x -> ERROR 42P01 relation "x" does not exist',
  );
  const long = "SELECT " + "a, ".repeat(40) + "b FROM t";
  assert.equal(summarize({ type: "query", query: long }, null), `${long.slice(0, 59)}… -> (no response)`);
  assert.equal(
    summarize({ type: "parse", query: "SELECT 1", statement: "s" }, { status: "ok", rows: 0 }),
    "PARSE SELECT 1 -> OK",
  );
  assert.equal(summarize({ type: "execute", query: "", statement: "s" }, { status: "ok", rows: 0 }), "EXECUTE s -> OK");
  assert.equal(summarize({ type: "query", query: "" }, { status: "ok", rows: 0 }), "(empty) -> OK");
  assert.equal(summarize({ type: "cancel", query: "", cancel_pid: 42 }, null), "CANCEL pid 42");
  assert.equal(
    summarize({ type: "function", query: "", function_oid: 1598 }, { status: "ok", rows: 0 }),
    "FUNCTION 1598 -> OK",
  );
  assert.equal(pgsqlParser.summarize(null, null), "? -> (no response)");
});

Deno.test("filters: --query-regex keeps matching SQL, any of several, and rejects bad regexes", () => {
  assert.deepEqual(Object.keys(filters.flags), ["query-regex"]);
  assert.equal(filters.build({}), null);
  const keep = filters.build({ "query-regex": ["^select\\b", "pgbench_(accounts|tellers)"] })!;
  assert.equal(keep({ type: "query", query: "select 1" }, null), true);
  assert.equal(keep({ type: "execute", query: "UPDATE pgbench_tellers SET x = 1" }, null), true);
  assert.equal(keep({ type: "query", query: "SELECT 1" }, null), false);
  assert.equal(keep({ type: "cancel", query: "" }, null), false);
  assert.equal(keep(null, null), false);
  // A comma belongs to the expression, not a list separator.
  const comma = filters.build({ "query-regex": ["a{1,2}"] })!;
  assert.equal(comma({ type: "query", query: "aa" }, null), true);
  assert.throws(() => filters.build({ "query-regex": ["(unclosed"] }), (e: unknown) => {
    assert.ok(e instanceof RangeError);
    assert.match(e.message, /--query-regex/);
    assert.match(e.message, /\(unclosed/);
    return true;
  });
});
