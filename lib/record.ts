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
  side: "client" | "server";
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  tls: boolean;
}

/** One printed record (one NDJSON line). */
export interface L7Record {
  ts: string;
  protocol: string;
  side: "client" | "server";
  pid: number;
  comm: string;
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

/** ISO-8601 with microseconds, from nanoseconds since the epoch. */
export function isoMicros(epochNs: number): string {
  const ms = Math.floor(epochNs / 1e6);
  const micros = Math.floor((epochNs - ms * 1e6) / 1e3);
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, -1)}${String(micros).padStart(3, "0")}Z`;
}

/**
 * Builds the printed record. `realtimeOffsetNs` turns the kernel's
 * monotonic timestamps into wall-clock time.
 */
export function toRecord(
  protocol: string,
  conn: ConnectionInfo,
  ex: Exchange,
  realtimeOffsetNs: number,
): L7Record {
  const answered = ex.resp !== null && ex.respEndNs >= 0;
  const latencyNs = answered ? Math.max(0, ex.respEndNs - ex.reqStartNs) : 0;
  return {
    ts: isoMicros(ex.reqStartNs + realtimeOffsetNs),
    protocol,
    side: conn.side,
    pid: conn.pid,
    comm: conn.comm,
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
