/**
 * h2c by upgrade: an HTTP/1.1 request with `Upgrade: h2c` answered by 101
 * Switching Protocols. That request becomes stream 1, already half-closed by
 * the client, and its response arrives as HTTP/2 frames (RFC 7540 §3.2).
 *
 * @module
 */
import { appendBody, streamFor } from "./streams.ts";
import type { Http2State, UpgradeRequest } from "./types.ts";

/** HTTP/1.1 fields HTTP/2 forbids (RFC 9113 §8.2.2) or carries as `:authority`. */
const NOT_CARRIED = new Set([
  "connection",
  "host",
  "http2-settings",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);

const utf8 = new TextEncoder();

/** Implements Parser.adopt: stream 1 holds the request that upgraded the connection. */
export function adoptUpgrade(state: Http2State, up: UpgradeRequest): void {
  const s = streamFor(state, 1, true, true);
  if (!s) return;
  const { method, path, headers, body, body_truncated } = up.msg;
  const fields: [string, string][] = [
    [":method", method],
    [":scheme", "http"],
    [":authority", headers.host ?? ""],
    [":path", path],
  ];
  for (const [name, value] of Object.entries(headers)) if (!NOT_CARRIED.has(name)) fields.push([name, value]);
  s.req.fields = fields;
  if (body) appendBody(state, s.req, utf8.encode(body));
  if (body_truncated) s.req.truncated = true;
  s.req.ended = true;
  s.req.startNs = up.startNs;
  s.req.endNs = up.endNs;
  s.req.bytes = up.bytes;
}
