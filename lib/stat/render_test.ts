import assert from "node:assert/strict";
import { StatAggregator } from "./aggregator.ts";
import { parseGroupBy } from "./group_key.ts";
import {
  checkSort,
  formatSignificant,
  formatTable,
  rateSeconds,
  renderStat,
  statDocument,
  statRows,
  VALUE_COLUMNS,
} from "./render.ts";
import { http } from "./testdata.ts";

const SPEC = parseGroupBy("remote-port,http-path");
const COLS = SPEC.columns;

/** Three groups whose every column orders them differently. */
function aggregate(): StatAggregator {
  const agg = new StatAggregator(SPEC.key);
  const add = (port: number, path: string, ms: number | null, status = 200, n = 1) => {
    for (let i = 0; i < n; i++) {
      agg.add(http("GET", path, ms === null ? null : status, {
        remote_port: port,
        latency_ms: ms,
        req_bytes: port,
        resp_bytes: ms === null ? 0 : 10000 - port,
        ts: `2026-01-02T03:04:0${i % 5}.000000Z`,
      }));
    }
  };
  add(8080, "/a/1", 1, 200, 5); // busiest, fast
  add(80, "/b", 50, 500, 2); // slow, errors
  add(443, "/c", 10, 200, 3);
  add(443, "/c", null, 200, 1);
  add(9000, "/d", null); // never answered
  return agg;
}

const order = (sort: string) => statRows(aggregate().groups(), COLS, { sort }).map((r) => r.key.join(" "));

Deno.test("sorting: values descending, keys ascending, nulls last", () => {
  const A = "8080 /a/{id}", B = "80 /b", C = "443 /c", D = "9000 /d";
  const want: Record<string, string[]> = {
    count: [A, C, B, D],
    errors: [B, A, C, D],
    no_resp: [C, D, A, B],
    rate: [A, C, B, D],
    min: [B, C, A, D],
    avg: [B, C, A, D],
    p50: [B, C, A, D],
    p90: [B, C, A, D],
    p99: [B, C, A, D],
    max: [B, C, A, D],
    req_bytes: [A, D, C, B],
    resp_bytes: [C, B, A, D],
    remote_port: [B, C, A, D],
    http_path: [A, B, C, D],
  };
  for (const col of [...VALUE_COLUMNS, ...COLS]) {
    assert.deepEqual(order(col), want[col], col);
  }
  assert.deepEqual(order("count"), statRows(aggregate().groups(), COLS).map((r) => r.key.join(" ")));
  assert.deepEqual(order("NO-RESPONSE"), want.no_resp);
});

Deno.test("--top keeps the first N rows after sorting", () => {
  const rows = statRows(aggregate().groups(), COLS, { sort: "max", top: 2 });
  assert.deepEqual(rows.map((r) => r.key[1]), ["/b", "/c"]);
  assert.equal(statRows(aggregate().groups(), COLS, { top: 0 }).length, 0);
  assert.equal(statRows(aggregate().groups(), COLS, { top: 99 }).length, 4);
});

Deno.test("invalid --sort names the flag and the valid columns", () => {
  assert.throws(
    () => statRows(aggregate().groups(), COLS, { sort: "latency" }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        "Invalid value for --sort: 'latency' (use one of remote_port, http_path, " +
          "count, errors, no_resp, rate, min, avg, p50, p90, p99, max, req_bytes, resp_bytes)",
  );
  assert.equal(checkSort("P99", COLS), "p99");
  assert.equal(checkSort("http-path", COLS), "http_path");
});

Deno.test("rate: interval, duration, else the records' time span", () => {
  const groups = [...aggregate().groups()];
  assert.equal(rateSeconds(groups, { intervalSeconds: 2 }), 2);
  assert.equal(rateSeconds(groups, { durationSeconds: 10 }), 10);
  assert.equal(rateSeconds(groups, {}), 4);
  const rows = statRows(groups, COLS, { intervalSeconds: 2 });
  assert.equal(rows[0]!.rate, 2.5);
  const one = new StatAggregator(SPEC.key);
  one.add(http("GET", "/", 200));
  assert.equal(statRows(one.groups(), COLS)[0]!.rate, null);
});

Deno.test("table: aligned columns, 3 significant digits, '-' when unanswered", () => {
  const rows = statRows(aggregate().groups(), COLS, { intervalSeconds: 3 });
  const text = formatTable(rows, COLS);
  const lines = text.trimEnd().split("\n");
  assert.equal(lines.length, 5);
  assert.match(
    lines[0]!,
    /^REMOTE_PORT {2}HTTP_PATH {2}COUNT {2}ERRORS {2}NO_RESP +RATE +MIN +AVG +P50 +P90 +P99 +MAX {2}REQ_BYTES {2}RESP_BYTES$/,
  );
  assert.match(lines[1]!, /^8080 +\/a\/\{id\} +5 +0 +0 +1\.67 +1\.00 +1\.00 +1\.00 +1\.00 +1\.00 +1\.00 +40400 +9600$/);
  assert.match(lines[4]!, /^9000 +\/d +1 +0 +1 +0\.333( +-){6} +9000 +0$/);
  // Every numeric column ends at the same offset on every line.
  const ends = (line: string) => [...line.matchAll(/\S+/g)].map((m) => m.index! + m[0].length);
  const header = ends(lines[0]!).slice(2);
  for (const line of lines.slice(1)) assert.deepEqual(ends(line).slice(2), header);
  assert.ok(text.endsWith("\n"));
});

Deno.test("table cuts long keys and works without key columns", () => {
  const spec = parseGroupBy("http-path");
  const agg = new StatAggregator(spec.key);
  agg.add(http("GET", "/" + "x".repeat(100), 200));
  const line = formatTable(statRows(agg.groups(), spec.columns), spec.columns, 20).split("\n")[1]!;
  assert.ok(line.startsWith("/" + "x".repeat(18) + "… "));
  const none = new StatAggregator(parseGroupBy("none").key);
  none.add(http("GET", "/", 200));
  assert.match(formatTable(statRows(none.groups(), []), []), /^COUNT {2}ERRORS .*\n +1 +0 +0 /);
});

Deno.test("formatSignificant", () => {
  const cases: [number | null, string][] = [
    [null, "-"],
    [NaN, "-"],
    [0, "0"],
    [0.000123456, "0.000123"],
    [0.0123456, "0.0123"],
    [1.23456, "1.23"],
    [9.996, "10.0"],
    [12.3456, "12.3"],
    [123.456, "123"],
    [999.6, "1000"],
    [123456.7, "123457"],
  ];
  for (const [v, want] of cases) assert.equal(formatSignificant(v), want, String(v));
});

Deno.test("JSON document shape", () => {
  const rows = statRows(aggregate().groups(), COLS, { sort: "remote_port", intervalSeconds: 5 });
  const doc = JSON.parse(JSON.stringify(statDocument(rows, COLS, 5)));
  assert.equal(doc.interval_s, 5);
  assert.equal(doc.groups.length, 4);
  assert.deepEqual(doc.groups[0], {
    key: { remote_port: 80, http_path: "/b" },
    count: 2,
    errors: 2,
    no_response: 0,
    rate: 0.4,
    latency_ms: { min: 50, avg: 50, p50: 50, p90: 50, p99: 50, max: 50 },
    req_bytes: 160,
    resp_bytes: 19840,
  });
  assert.deepEqual(doc.groups[3].latency_ms, {
    min: null,
    avg: null,
    p50: null,
    p90: null,
    p99: null,
    max: null,
  });
  const none = statDocument(statRows(aggregate().groups(), []), [], null);
  assert.deepEqual(none.groups[0]!.key, {});
  assert.equal(none.interval_s, null);
});

Deno.test("renderStat: table or one JSON line, rounded", () => {
  const groups = [...aggregate().groups()];
  const options = { sort: "p50", top: 1, intervalSeconds: 3 };
  const table = renderStat(groups, COLS, { ...options, format: "table" });
  assert.equal(table.split("\n").length, 3);
  assert.match(table, /^80 +\/b /m);
  const json = renderStat(groups, COLS, { ...options, format: "json" });
  assert.ok(json.endsWith("}\n") && !json.slice(0, -1).includes("\n"));
  const doc = JSON.parse(json);
  assert.equal(doc.interval_s, 3);
  assert.equal(doc.groups.length, 1);
  assert.equal(doc.groups[0].rate, 0.667);
});
