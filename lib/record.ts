/**
 * The record l7trace prints for each request/response pair, and how an
 * {@linkcode Exchange} from a parser becomes one. The field order here is
 * the NDJSON field order documented in the README.
 *
 * @module
 */
import type { Exchange } from "./protocols/common/parser.ts";

/** What the tracker knows about a connection, from its OPEN event. */
export interface ConnectionInfo {
  connId: number;
  pid: number;
  fd: number;
  comm: string;
  /** The container the process runs in (64-hex id), or null. */
  containerId: string | null;
  side: "client" | "server";
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  tls: boolean;
  /** recordJson's cache of this connection's fields as JSON. */
  json?: string;
}

/** One printed record (one NDJSON line). */
export interface L7Record {
  ts: string;
  protocol: string;
  side: "client" | "server";
  pid: number;
  comm: string;
  container_id: string | null;
  fd: number;
  local_ip: string;
  local_port: number;
  remote_ip: string;
  remote_port: number;
  latency_ms: number | null;
  req_bytes: number;
  resp_bytes: number;
  tls: boolean;
  req: unknown;
  resp: unknown;
}

/**
 * The wall-clock time of the kernel's monotonic zero, as whole seconds and
 * nanoseconds. Epoch nanoseconds (~1.8e18) are beyond 2^53, where doubles
 * lose nanoseconds; kept apart, every sum below stays exact.
 */
export interface WallClock {
  sec: number;
  ns: number;
}

/** Splits a realtime offset in nanoseconds into a WallClock. */
export function wallClock(offsetNs: number): WallClock {
  const sec = Math.floor(offsetNs / 1e9);
  // Exact: sec * 1e9 is a multiple of 512, and the difference is below 1e9.
  return { sec, ns: offsetNs - sec * 1e9 };
}

let cachedSecond = Number.NaN;
let cachedPrefix = "";

/**
 * ISO-8601 with microseconds of `sec` seconds plus `ns` nanoseconds since
 * the epoch. The "YYYY-MM-DDTHH:MM:SS." part is formatted once per second:
 * records come in bursts within a second, and Date formatting is costly.
 */
export function isoMicros(sec: number, ns: number): string {
  const second = sec + Math.floor(ns / 1e9);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const micros = Math.floor((ns % 1e9) / 1e3);
  return `${cachedPrefix}${String(micros).padStart(6, "0")}Z`;
}

/**
 * Builds the printed record. `clock` turns the kernel's monotonic
 * timestamps into wall-clock time.
 */
export function toRecord(
  protocol: string,
  conn: ConnectionInfo,
  ex: Exchange,
  clock: WallClock,
): L7Record {
  const answered = ex.resp !== null && ex.respEndNs >= 0;
  const latencyNs = answered ? Math.max(0, ex.respEndNs - ex.reqStartNs) : 0;
  return {
    ts: isoMicros(clock.sec, clock.ns + ex.reqStartNs),
    protocol,
    side: conn.side,
    pid: conn.pid,
    comm: conn.comm,
    container_id: conn.containerId,
    fd: conn.fd,
    local_ip: conn.localIp,
    local_port: conn.localPort,
    remote_ip: conn.remoteIp,
    remote_port: conn.remotePort,
    latency_ms: answered ? latencyNs / 1e6 : null,
    req_bytes: ex.reqBytes,
    resp_bytes: ex.respBytes,
    tls: conn.tls,
    req: ex.req,
    resp: answered ? ex.resp : null,
  };
}

/**
 * The record's NDJSON text, exactly `JSON.stringify(toRecord(...))`, built
 * faster: the connection's fields are serialised once per connection and
 * only the timestamp, numbers, req and resp per record.
 */
export function recordJson(protocol: string, conn: ConnectionInfo, ex: Exchange, clock: WallClock): string {
  // Joined, not a template: a template leaves a tree of cons strings (about
  // 750 bytes instead of 210) for as long as the connection lives.
  conn.json ??= [
    ',"protocol":',
    JSON.stringify(protocol),
    ',"side":"',
    conn.side,
    '","pid":',
    conn.pid,
    ',"comm":',
    JSON.stringify(conn.comm),
    ',"container_id":',
    JSON.stringify(conn.containerId),
    ',"fd":',
    conn.fd,
    ',"local_ip":',
    JSON.stringify(conn.localIp),
    ',"local_port":',
    conn.localPort,
    ',"remote_ip":',
    JSON.stringify(conn.remoteIp),
    ',"remote_port":',
    conn.remotePort,
    ",",
  ].join("");
  const answered = ex.resp !== null && ex.respEndNs >= 0;
  const latency = answered ? String(Math.max(0, ex.respEndNs - ex.reqStartNs) / 1e6) : "null";
  return `{"ts":"${
    isoMicros(clock.sec, clock.ns + ex.reqStartNs)
  }"${conn.json}"latency_ms":${latency},"req_bytes":${ex.reqBytes},"resp_bytes":${ex.respBytes},"tls":${conn.tls},"req":${
    JSON.stringify(ex.req)
  },"resp":${answered ? JSON.stringify(ex.resp) : "null"}}`;
}
