/**
 * Record builders for the stat tests and benchmarks: one L7Record per
 * protocol, with overridable fields.
 *
 * @module
 */
import type { L7Record } from "../record.ts";

const BASE: L7Record = {
  ts: "2026-01-02T03:04:05.000000Z",
  protocol: "http",
  side: "client",
  pid: 100,
  comm: "app",
  container_id: null,
  fd: 7,
  local_ip: "10.0.0.1",
  local_port: 40000,
  remote_ip: "10.0.0.2",
  remote_port: 80,
  latency_ms: 1,
  req_bytes: 100,
  resp_bytes: 200,
  tls: false,
  req: null,
  resp: null,
};

/** A record of any protocol with `req`/`resp` given as-is. */
export function rec(over: Partial<L7Record>): L7Record {
  return { ...BASE, ...over };
}

/** An HTTP exchange; `status` null means no response. */
export function http(
  method: string,
  path: string,
  status: number | null,
  over: Partial<L7Record> = {},
): L7Record {
  return rec({
    protocol: "http",
    req: {
      method,
      path,
      version: "HTTP/1.1",
      host: "api.example.com",
      headers: {},
      body: "",
      body_truncated: false,
    },
    resp: status === null ? null : {
      status,
      reason: "",
      version: "HTTP/1.1",
      headers: {},
      body: "",
      body_truncated: false,
    },
    latency_ms: status === null ? null : 1,
    ...over,
  });
}

/** A Redis command; `type` "error" makes an error reply. */
export function redis(
  command: string,
  type: string | null = "string",
  over: Partial<L7Record> = {},
): L7Record {
  return rec({
    protocol: "redis",
    remote_port: 6379,
    req: { command, args: ["k"] },
    resp: type === null ? null : { type, value: type === "error" ? "ERR x" : "OK" },
    latency_ms: type === null ? null : 0.2,
    ...over,
  });
}

/** A MySQL command with its status. */
export function mysql(
  query: string | null,
  status: "ok" | "error" | "resultset" | null = "ok",
  command = "COM_QUERY",
  over: Partial<L7Record> = {},
): L7Record {
  return rec({
    protocol: "mysql",
    remote_port: 3306,
    req: { command, query },
    resp: status === null ? null : { status },
    latency_ms: status === null ? null : 2,
    ...over,
  });
}

/** A PostgreSQL request with its status. */
export function pgsql(
  query: string,
  status: "ok" | "error" | null = "ok",
  over: Partial<L7Record> = {},
): L7Record {
  return rec({
    protocol: "pgsql",
    remote_port: 5432,
    req: { type: "query", query },
    resp: status === null ? null : { status, rows: 0 },
    latency_ms: status === null ? null : 3,
    ...over,
  });
}

/** A DNS query for `name`, answered with `rcode` (null: no answer). */
export function dns(
  name: string,
  rcode: string | null = "NOERROR",
  over: Partial<L7Record> = {},
): L7Record {
  return rec({
    protocol: "dns",
    remote_port: 53,
    req: {
      id: 1,
      opcode: "QUERY",
      rd: true,
      questions: [{ name, type: "A", class: "IN" }],
    },
    resp: rcode === null ? null : { id: 1, rcode, answers: [] },
    latency_ms: rcode === null ? null : 0.5,
    ...over,
  });
}
