/**
 * Benchmarks of the `stat` hot paths: `deno bench lib/stat/stat_bench.ts`.
 * Each iteration handles a batch so per-call overhead of Deno.bench does
 * not swamp a ~20 ns operation; divide by the batch size for per-record
 * figures.
 *
 * @module
 */
import { StatAggregator } from "./aggregator.ts";
import { parseGroupBy } from "./group_key.ts";
import { Histogram } from "./histogram.ts";
import { normalizeSql } from "./sql_normalize.ts";
import { templatePath } from "./path_template.ts";
import { http } from "./testdata.ts";

/** Records per bench iteration. */
const BATCH = 1024;

let seed = 42;
function random(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296;
}
const latencies = Float64Array.from(
  { length: BATCH },
  () => -5 * Math.log(1 - random()),
);

const histogram = new Histogram();
Deno.bench(`histogram record ×${BATCH}`, { group: "record" }, () => {
  for (let i = 0; i < BATCH; i++) histogram.record(latencies[i]!);
});

const paths = ["/api/v1/users/{n}", "/api/v1/orders/{n}/items", "/health"];
const records = Array.from({ length: BATCH }, (_, i) =>
  http(
    "GET",
    paths[i % 3]!.replace("{n}", String(i * 7919 % 500)) + "?page=2",
    i % 50 ? 200 : 503,
    { latency_ms: latencies[i]! },
  ));
const aggregator = new StatAggregator(parseGroupBy("http-path").key);
Deno.bench(`aggregator add, http-path ×${BATCH}`, { group: "add" }, () => {
  for (let i = 0; i < BATCH; i++) aggregator.add(records[i]!);
});

const uncached = records.map((r) => (r.req as { path: string }).path);
Deno.bench(`templatePath uncached ×${BATCH}`, { group: "add" }, () => {
  for (let i = 0; i < BATCH; i++) templatePath(uncached[i]!);
});

const sql = "SELECT u.id, u.name FROM users u JOIN orgs o ON o.id = u.org_id " +
  "WHERE u.id IN (1, 2, 3, 4, 5) AND o.name = 'acme' AND u.score > -1.5 " +
  "ORDER BY u.created_at DESC LIMIT 50";
Deno.bench(`normalizeSql ${sql.length}-char query`, { group: "sql" }, () => {
  normalizeSql(sql);
});

const big = new StatAggregator(parseGroupBy("http-path").key);
for (const r of records) big.add(r);
Deno.bench("aggregator snapshot + JSON.stringify", { group: "snapshot" }, () => {
  JSON.stringify(big.snapshot());
});
