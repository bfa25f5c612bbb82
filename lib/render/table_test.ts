import assert from "node:assert/strict";
import type { L7Record } from "../record.ts";
import { formatLatency, tableHeader, tableRow } from "./table.ts";

const record: L7Record = {
  ts: "2026-11-22T01:02:03.123456Z",
  protocol: "http",
  side: "client",
  pid: 4242,
  comm: "curl",
  container_id: null,
  fd: 5,
  local_ip: "127.0.0.1",
  local_port: 40000,
  remote_ip: "::1",
  remote_port: 8080,
  latency_ms: 1.5,
  req_bytes: 80,
  resp_bytes: 190,
  tls: false,
  req: {
    method: "GET",
    path: "/a",
    version: "HTTP/1.1",
    host: "h",
    headers: {},
    body: "",
    body_truncated: false,
  },
  resp: {
    status: 200,
    reason: "OK",
    version: "HTTP/1.1",
    headers: {},
    body: "",
    body_truncated: false,
  },
};

Deno.test("tableRow aligns under tableHeader", () => {
  const header = tableHeader();
  const row = tableRow(record);
  assert.equal(row.indexOf(" GET /a"), header.indexOf(" SUMMARY"));
  assert.match(
    row,
    /^01:02:03\.123456 4242\s+curl\s+client http\s+\[::1\]:8080\s+1\.50ms\s+80\s+190 GET \/a -> 200 OK\n$/,
  );
});

Deno.test("tableRow shows an unanswered request", () => {
  const row = tableRow({
    ...record,
    resp: null,
    latency_ms: null,
    resp_bytes: 0,
  });
  assert.match(row, /\s-\s+80\s+0 GET \/a -> \(no response\)\n$/);
});

Deno.test("formatLatency picks a readable unit", () => {
  assert.equal(formatLatency(0.0421), "42µs");
  assert.equal(formatLatency(12.345), "12.35ms");
  assert.equal(formatLatency(2500), "2.50s");
  assert.equal(formatLatency(null), "-");
});
