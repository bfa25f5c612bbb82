import assert from "node:assert/strict";
import { type GroupStats, isErrorRecord, OTHER_KEY, StatAggregator } from "./aggregator.ts";
import { parseGroupBy } from "./group_key.ts";
import { dns, http, mysql, pgsql, rec, redis } from "./testdata.ts";
import type { L7Record } from "../record.ts";

function byKey(agg: StatAggregator): Map<string, GroupStats> {
  return new Map([...agg.groups()].map((g) => [g.key, g]));
}

Deno.test("errors per protocol", () => {
  const cases: [L7Record, boolean][] = [
    [http("GET", "/", 200), false],
    [http("GET", "/", 404), false],
    [http("GET", "/", 500), true],
    [http("GET", "/", 503), true],
    [redis("GET", "string"), false],
    [redis("GET", "error"), true],
    [rec({ protocol: "memcached", resp: { status: "STORED" } }), false],
    [rec({ protocol: "memcached", resp: { status: "NOT_FOUND" } }), false],
    [rec({ protocol: "memcached", resp: { status: "CLIENT_ERROR", error: "bad command line format" } }), true],
    [rec({ protocol: "memcached", resp: { status: "ERROR" } }), true],
    [rec({ protocol: "memcached", resp: { status: "UNKNOWN_COMMAND", opcode: "opcode_0x30" } }), true],
    [mysql("SELECT 1", "resultset"), false],
    [mysql("SELECT 1", "error"), true],
    [pgsql("SELECT 1", "ok"), false],
    [pgsql("SELECT 1", "error"), true],
    [rec({ protocol: "postgresql", resp: { status: "error" } }), true],
    [dns("a.example", "NOERROR"), false],
    [dns("a.example", "NXDOMAIN"), true],
    [dns("a.example", "SERVFAIL"), true],
    [rec({ protocol: "mqtt", resp: { type: "PUBACK", reason_code: 0 } }), false],
    [rec({ protocol: "mqtt", resp: { type: "PUBACK", reason_code: 0x10 } }), false],
    [rec({ protocol: "mqtt", resp: { type: "PUBACK", reason_code: 0x87 } }), true],
    [rec({ protocol: "mqtt", resp: { type: "SUBACK", reason_code: 0x80 } }), true],
    [rec({ protocol: "mqtt", resp: { type: "CONNACK", reason_code: 5 } }), true],
    [rec({ protocol: "mqtt", resp: { type: "PINGRESP" } }), false],
    [rec({ protocol: "nats", resp: { op: "-ERR", error: "Invalid Subject" } }), true],
    [rec({ protocol: "nats", resp: { op: "+OK" } }), false],
    [rec({ protocol: "nats", resp: { op: "PONG" } }), false],
    [rec({ protocol: "amqp", req: { method: "Queue.Declare" }, resp: { method: "Queue.Declare-Ok" } }), false],
    [
      rec({ protocol: "amqp", req: { method: "Queue.Declare" }, resp: { method: "Channel.Close", reply_code: 404 } }),
      true,
    ],
    [
      rec({
        protocol: "amqp",
        req: { method: "Channel.Close", sender: "server", reply_code: 404 },
        resp: { method: "Channel.Close-Ok" },
      }),
      true,
    ],
    [
      rec({
        protocol: "amqp",
        req: { method: "Connection.Close", sender: "client", reply_code: 200 },
        resp: { method: "Connection.Close-Ok" },
      }),
      false,
    ],
    [rec({ protocol: "amqp", req: { method: "Basic.Publish" }, resp: { method: "Basic.Nack" } }), false],
    [rec({ protocol: "kafka", resp: { status: "error" } }), false],
    [rec({ protocol: "http", resp: { status: "500" } }), false],
    [rec({ protocol: "dns", resp: "x" }), false],
    [http("GET", "/", null), false],
  ];
  for (const [r, want] of cases) {
    assert.equal(isErrorRecord(r), want, JSON.stringify(r.resp));
  }
});

Deno.test("counts, errors, no_response, bytes, latency and ts per group", () => {
  const agg = new StatAggregator(parseGroupBy("protocol").key);
  agg.add(
    http("GET", "/", 200, { latency_ms: 2, ts: "2026-01-02T03:04:06.000000Z" }),
  );
  agg.add(http("GET", "/", 502, { latency_ms: 4, req_bytes: 50 }));
  agg.add(
    http("GET", "/", null, { resp_bytes: 0, ts: "2026-01-02T03:04:04.5Z" }),
  );
  agg.add(redis("GET", "error"));
  agg.add(redis("GET", null));
  const groups = byKey(agg);
  const h = groups.get("http")!;
  assert.equal(h.count, 3);
  assert.equal(h.errors, 1);
  assert.equal(h.no_response, 1);
  assert.equal(h.req_bytes, 250);
  assert.equal(h.resp_bytes, 400);
  assert.equal(h.latency.count, 2);
  assert.equal(h.latency.mean, 3);
  assert.equal(h.first_ts, "2026-01-02T03:04:04.5Z");
  assert.equal(h.last_ts, "2026-01-02T03:04:06.000000Z");
  const r = groups.get("redis")!;
  assert.deepEqual([r.count, r.errors, r.no_response, r.latency.count], [
    2,
    1,
    1,
    1,
  ]);
  assert.equal(agg.size, 2);
});

/** A mixed stream of records across protocols and paths. */
function stream(n: number): L7Record[] {
  const out: L7Record[] = [];
  for (let i = 0; i < n; i++) {
    const ts = `2026-01-02T03:04:${String(i % 60).padStart(2, "0")}.000000Z`;
    const latency_ms = 0.1 + (i * 7919) % 1000 / 10;
    const over = { ts, latency_ms, req_bytes: i % 300 };
    const r = [
      http("GET", `/items/${i}`, i % 13 === 0 ? 500 : 200, over),
      redis(i % 2 ? "GET" : "SET", i % 17 === 0 ? "error" : "string", over),
      dns(`h${i % 5}.example`, i % 3 ? "NOERROR" : "NXDOMAIN", over),
      http("POST", "/login", null, { ...over, latency_ms: null }),
    ][i % 4]!;
    out.push(r);
  }
  return out;
}

Deno.test("merge of two aggregators equals one aggregator of everything", () => {
  const key = parseGroupBy("protocol,http-path").key;
  const records = stream(5000);
  const one = new StatAggregator(key);
  const a = new StatAggregator(key);
  const b = new StatAggregator(key);
  records.forEach((r, i) => {
    one.add(r);
    (i % 3 === 0 ? a : b).add(r);
  });
  const main = new StatAggregator();
  // Through JSON, as a structured clone would carry it.
  main.merge(JSON.parse(JSON.stringify(a.snapshot())));
  main.merge(structuredClone(b.snapshot()));
  const want = byKey(one);
  const got = byKey(main);
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, w] of want) {
    const g = got.get(k)!;
    const { latency: gl, ...gs } = g;
    const { latency: wl, ...ws } = w;
    assert.deepEqual(gs, ws);
    assert.deepEqual(gl.toJSON().buckets, wl.toJSON().buckets);
    assert.deepEqual(gl.percentiles([50, 99]), wl.percentiles([50, 99]));
    assert.ok(Math.abs(gl.sum - wl.sum) <= 1e-9 * wl.sum);
  }
});

Deno.test("groups beyond the cap go to (other)", () => {
  const agg = new StatAggregator(parseGroupBy("pid").key, { maxGroups: 3 });
  for (let pid = 1; pid <= 10; pid++) agg.add(rec({ pid, latency_ms: pid, resp: {} }));
  agg.add(rec({ pid: 2 }));
  const groups = byKey(agg);
  assert.deepEqual([...groups.keys()], ["1", "2", "3", OTHER_KEY]);
  assert.equal(groups.get("2")!.count, 2);
  assert.equal(groups.get(OTHER_KEY)!.count, 7);
  assert.equal(groups.get(OTHER_KEY)!.latency.min, 4);
  // Merging keeps the cap: new keys and the other group fold together.
  const main = new StatAggregator(undefined, { maxGroups: 3 });
  main.merge(agg.snapshot());
  main.merge({ groups: [{ ...agg.snapshot().groups[0]!, key: "99" }] });
  assert.equal(main.size, 4);
  assert.equal(byKey(main).get(OTHER_KEY)!.count, 8);
});

Deno.test("reset forgets every group; snapshot is plain data", () => {
  const agg = new StatAggregator(parseGroupBy("http-status").key);
  agg.add(http("GET", "/", 200));
  const snap = agg.snapshot();
  assert.deepEqual(structuredClone(snap), snap);
  assert.deepEqual(Object.keys(snap.groups[0]!).sort(), [
    "count",
    "errors",
    "first_ts",
    "key",
    "last_ts",
    "latency",
    "no_response",
    "req_bytes",
    "resp_bytes",
  ]);
  agg.reset();
  assert.equal(agg.size, 0);
  assert.equal(snap.groups.length, 1);
  agg.add(http("GET", "/", 200));
  assert.equal(agg.drain().groups.length, 1);
  assert.equal(agg.size, 0);
});

Deno.test("malformed records never throw", () => {
  const agg = new StatAggregator(parseGroupBy("sql,http-path").key);
  for (const req of [null, 5, "x", [], { query: 5 }, { path: null }]) {
    for (const protocol of ["http", "mysql", "pgsql", "dns", "redis", "x"]) {
      agg.add(rec({ protocol, req, resp: req }));
    }
  }
  assert.ok(agg.size > 0);
});
