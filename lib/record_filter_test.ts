import assert from "node:assert/strict";
import { buildRecordFilter, KEEP_ALL } from "./record_filter.ts";
import type { L7Record } from "./record.ts";

const base: L7Record = {
  ts: "2026-01-01T00:00:00.000000Z",
  protocol: "http",
  side: "client",
  pid: 1,
  comm: "c",
  fd: 3,
  local_ip: "127.0.0.1",
  local_port: 1,
  remote_ip: "127.0.0.1",
  remote_port: 80,
  latency_ms: 5,
  req_bytes: 100,
  resp_bytes: 2000,
  tls: false,
  req: { method: "GET", path: "/a", host: "h" },
  resp: { status: 200 },
};

Deno.test("buildRecordFilter keeps everything without filters", () => {
  assert.equal(buildRecordFilter(KEEP_ALL), null);
});

Deno.test("buildRecordFilter applies latency and size minimums", () => {
  const keep = buildRecordFilter({ ...KEEP_ALL, minLatencyMs: 5, minReqBytes: 100, minRespBytes: 2000 })!;
  assert.equal(keep(base), true);
  assert.equal(keep({ ...base, latency_ms: 4.99 }), false);
  assert.equal(keep({ ...base, latency_ms: null }), false);
  assert.equal(keep({ ...base, req_bytes: 99 }), false);
  assert.equal(keep({ ...base, resp_bytes: 1999 }), false);
});

Deno.test("buildRecordFilter applies the protocol's own flags", () => {
  const keep = buildRecordFilter({ ...KEEP_ALL, protocol: "http", values: { method: ["POST"] } })!;
  assert.equal(keep(base), false);
  assert.equal(keep({ ...base, req: { method: "POST", path: "/a", host: "h" } }), true);
  assert.throws(() => buildRecordFilter({ ...KEEP_ALL, protocol: "http", values: { status: ["9xx"] } }), RangeError);
});

import { isoMicros, wallClock } from "./record.ts";

Deno.test("isoMicros formats microseconds exactly, across second boundaries", () => {
  assert.equal(isoMicros(1_700_000_000, 123_456_789), "2023-11-14T22:13:20.123456Z");
  assert.equal(isoMicros(1_700_000_000, 1_000_000_000), "2023-11-14T22:13:21.000000Z");
  assert.equal(isoMicros(1_700_000_000, 1_999), "2023-11-14T22:13:20.000001Z");
  assert.equal(isoMicros(1_700_000_000, 86_400_000_000_999), "2023-11-15T22:13:20.000000Z");
});

Deno.test("wallClock splits an offset exactly", () => {
  const c = wallClock(1_700_000_000_123_456_768);
  assert.deepEqual(c, { sec: 1_700_000_000, ns: 123_456_768 });
});
