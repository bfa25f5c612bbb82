/**
 * The record l7trace prints for each request/response pair, and how an
 * {@linkcode Exchange} from a parser becomes one. The field order here is
 * the NDJSON field order documented in the README.
 *
 * @module
 */
import type { Exchange } from "./protocols/common/parser.ts";
import { ascii, putAscii, putBytes, putText, putUint, RenderedJson } from "./protocols/common/json_bytes.ts";

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
  /** writeRecord's, as bytes, from the connection's second record on. */
  jsonBytes?: Uint8Array;
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
const cachedPrefixBytes = new Uint8Array(20);

function cachePrefix(second: number): void {
  cachedSecond = second;
  cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  for (let i = 0; i < 20; i++) cachedPrefixBytes[i] = cachedPrefix.charCodeAt(i);
}

/**
 * ISO-8601 with microseconds of `sec` seconds plus `ns` nanoseconds since
 * the epoch. The "YYYY-MM-DDTHH:MM:SS." part is formatted once per second:
 * records come in bursts within a second, and Date formatting is costly.
 */
export function isoMicros(sec: number, ns: number): string {
  const second = sec + Math.floor(ns / 1e9);
  if (second !== cachedSecond) cachePrefix(second);
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

function connectionJson(protocol: string, conn: ConnectionInfo): string {
  // Joined, not a template: a template leaves a tree of cons strings (about
  // 750 bytes instead of 210) for as long as the connection lives.
  return conn.json ??= [
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
}

/**
 * The record's NDJSON text, exactly `JSON.stringify(toRecord(...))`, built
 * faster: the connection's fields are serialised once per connection and
 * only the timestamp, numbers, req and resp per record.
 */
export function recordJson(protocol: string, conn: ConnectionInfo, ex: Exchange, clock: WallClock): string {
  const connJson = connectionJson(protocol, conn);
  const answered = ex.resp !== null && ex.respEndNs >= 0;
  const latency = answered ? String(Math.max(0, ex.respEndNs - ex.reqStartNs) / 1e6) : "null";
  return `{"ts":"${
    isoMicros(clock.sec, clock.ns + ex.reqStartNs)
  }"${connJson}"latency_ms":${latency},"req_bytes":${ex.reqBytes},"resp_bytes":${ex.respBytes},"tls":${conn.tls},"req":${
    JSON.stringify(ex.req)
  },"resp":${answered ? JSON.stringify(ex.resp) : "null"}}`;
}

/** Where writeRecord puts lines: a LineBuffer. */
export interface LineSink {
  /** Room for a line of `n` bytes at `used` in the returned buffer. */
  reserve(n: number): Uint8Array;
  readonly used: number;
  /** The line written ends at `end`. */
  commit(end: number): void;
  /** Adds a line of text (ending with "\n"). */
  push(line: string): void;
}

const encoder = new TextEncoder();
// Fixed parts of the JSON.
const TS = ascii('{"ts":"');
const REQ_BYTES = ascii(',"req_bytes":');
const RESP_BYTES = ascii(',"resp_bytes":');
const TLS_REQ = ascii(',"tls":true,"req":');
const PLAIN_REQ = ascii(',"tls":false,"req":');
const RESP = ascii(',"resp":');
const NULL = ascii("null");
const LATENCY = ascii('"latency_ms":');

/**
 * Writes `String(ns / 1e6)` for a whole number of nanoseconds `ns >= 0`.
 * Below 1e15 ns (11 days) doubles are closer together than 1e-7 ms, so the
 * shortest decimal that reads back as ns / 1e6, which String gives, is ns
 * with the point six digits from the right and no trailing zeros.
 */
export function putMillis(d: Uint8Array, o: number, ns: number): number {
  if (!(ns < 1e15)) return putAscii(d, o, String(ns / 1e6));
  const whole = Math.floor(ns / 1e6);
  // Below 1e6: int32 arithmetic from here, where % is not a call to fmod.
  let frac = (ns - whole * 1e6) | 0;
  o = putUint(d, o, whole);
  if (frac === 0) return o;
  d[o++] = 46; // .
  let digits = 6;
  while (frac % 10 === 0) (frac = (frac / 10) | 0), digits--;
  for (let i = o + digits - 1; i >= o; i--) (d[i] = 48 + (frac % 10)), (frac = (frac / 10) | 0);
  return o + digits;
}

function putRendered(d: Uint8Array, o: number, v: RenderedJson): number {
  o = putBytes(d, o, v.head);
  return v.tail === null ? o : putBytes(d, o, v.tail);
}

/**
 * Adds the record's NDJSON line to `out`: `recordJson(...) + "\n"`, written
 * as bytes when its req and resp are RenderedJson.
 */
export function writeRecord(
  out: LineSink,
  protocol: string,
  conn: ConnectionInfo,
  ex: Exchange,
  clock: WallClock,
): void {
  const req = ex.req;
  const answered = ex.resp !== null && ex.respEndNs >= 0;
  const resp = answered ? ex.resp : null;
  if (!(req instanceof RenderedJson) || (resp !== null && !(resp instanceof RenderedJson))) {
    out.push(recordJson(protocol, conn, ex, clock) + "\n");
    return;
  }
  // Bytes of its own from a connection's second record on: an ArrayBuffer
  // for each short connection kept ~20 MiB of malloc'd memory after a storm
  // of them, until V8's next full collection.
  const connText = conn.jsonBytes === undefined && conn.json === undefined ? connectionJson(protocol, conn) : null;
  const connBytes = connText === null ? conn.jsonBytes ??= encoder.encode(conn.json + '"latency_ms":') : null;
  // ts, latency, byte counts, tls and the punctuation take under 200 bytes.
  const connLength = connBytes === null ? 3 * connText!.length : connBytes.length;
  const d = out.reserve(200 + connLength + req.length + (resp === null ? 0 : resp.length));
  let o = putBytes(d, out.used, TS);
  const ns = clock.ns + ex.reqStartNs;
  // Not ns % 1e9: a double's % is a call to fmod. Below 2^53 the quotient,
  // correctly rounded, never reaches the next whole number.
  const whole = Math.floor(ns / 1e9);
  const second = clock.sec + whole;
  if (second !== cachedSecond) cachePrefix(second);
  o = putBytes(d, o, cachedPrefixBytes);
  let micros = ((ns - whole * 1e9) / 1e3) | 0;
  for (let i = o + 5; i >= o; i--) (d[i] = 48 + (micros % 10)), (micros = (micros / 10) | 0);
  o += 6;
  d[o++] = 90; // Z
  d[o++] = 34;
  if (connBytes !== null) o = putBytes(d, o, connBytes);
  else (o = putText(d, o, connText!)), (o = putBytes(d, o, LATENCY));
  o = answered ? putMillis(d, o, Math.max(0, ex.respEndNs - ex.reqStartNs)) : putBytes(d, o, NULL);
  o = putBytes(d, o, REQ_BYTES);
  o = putUint(d, o, ex.reqBytes);
  o = putBytes(d, o, RESP_BYTES);
  o = putUint(d, o, ex.respBytes);
  o = putBytes(d, o, conn.tls ? TLS_REQ : PLAIN_REQ);
  o = putRendered(d, o, req);
  o = putBytes(d, o, RESP);
  o = resp === null ? putBytes(d, o, NULL) : putRendered(d, o, resp as RenderedJson);
  d[o++] = 125; // }
  d[o++] = 10;
  out.commit(o);
}
