import assert from "node:assert/strict";
import { buildRecordFilter, KEEP_ALL } from "./record_filter.ts";
import type { L7Record } from "./record.ts";

const base: L7Record = {
  ts: "2026-01-01T00:00:00.000000Z",
  protocol: "http",
  side: "client",
  pid: 1,
  comm: "c",
  container_id: null,
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

import { type ConnectionInfo, isoMicros, recordJson, toRecord, wallClock } from "./record.ts";

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

Deno.test("recordJson is byte for byte JSON.stringify(toRecord(...))", () => {
  const clock = wallClock(1_763_000_000_123_456_768);
  const conn: ConnectionInfo = {
    connId: 9,
    pid: 42,
    fd: 7,
    comm: 'we"ird\\name\u2028',
    containerId: "ab".repeat(32),
    side: "server",
    localIp: "::1",
    localPort: 8080,
    remoteIp: "10.0.0.1",
    remotePort: 5555,
    tls: true,
  };
  const exchanges = [
    {
      req: { method: "GET", path: "/\u2028x", headers: { a: "b" } },
      resp: { status: 200, body: "ok" },
      reqStartNs: 123_456_789_012,
      reqEndNs: 123_456_789_999,
      respStartNs: 123_456_800_000,
      respEndNs: 123_457_000_001,
      reqBytes: 80,
      respBytes: 190,
    },
    {
      req: { command: "GET", args: ["k"] },
      resp: null,
      reqStartNs: 5,
      reqEndNs: 6,
      respStartNs: -1,
      respEndNs: -1,
      reqBytes: 9,
      respBytes: 0,
    },
  ];
  for (const ex of exchanges) {
    for (const protocol of ["http", "redis"]) {
      for (const containerId of [null, "ab".repeat(32)]) {
        const c = { ...conn, containerId };
        assert.equal(recordJson(protocol, { ...c }, ex, clock), JSON.stringify(toRecord(protocol, c, ex, clock)));
      }
    }
  }
});
