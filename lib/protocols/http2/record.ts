/**
 * Turns completed HTTP/2 streams into exchanges: request and response
 * records, gRPC details, and the unknown marker wherever a value needed
 * HPACK state we never saw.
 *
 * @module
 */
import type { Exchange } from "../common/parser.ts";
import { addField, newFields } from "../common/fields.ts";
import { UNKNOWN } from "./hpack.ts";
import type { H2Stream, Half, Http2Headers, Http2Request, Http2Response, Http2State } from "./types.ts";
import { utf8Text } from "../common/text.ts";
import { clearArray } from "../common/arrays.ts";

function headerMap(fields: [string, string][]): Http2Headers {
  const out: Http2Headers = newFields();
  for (const [name, value] of fields) {
    if (!name.startsWith(":")) addField(out, name.toLowerCase(), value);
  }
  return out;
}

/** A pseudo-header's value; when absent and some field names were unknown, it may be one of them. */
function pseudo(half: Half, name: string): string {
  const fields = half.fields;
  if (!fields) return UNKNOWN;
  const found = fields.find(([n]) => n === name);
  if (found) return found[1];
  return fields.some(([n]) => n === UNKNOWN) || half.hpackError ? UNKNOWN : "";
}

function bodyOf(half: Half, grpc: boolean): string {
  const b = new Uint8Array(half.kept);
  let at = 0;
  for (const part of half.body) {
    b.set(part, at);
    at += part.length;
  }
  if (!grpc) return utf8Text(b, 0, b.length);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Builds the exchange of one stream, or null when nothing of it was decoded. */
export function toExchange(s: H2Stream, closing: boolean): Exchange | null {
  if (!s.req.fields && !s.resp.fields) return null;
  const req = s.req;
  const resp = s.resp;
  const reqHeaders = headerMap(req.fields ?? []);
  const respHeaders = headerMap(resp.fields ?? []);
  const grpc = (reqHeaders["content-type"] ?? respHeaders["content-type"] ?? "").startsWith("application/grpc");
  const path = pseudo(req, ":path");
  const request: Http2Request = {
    method: pseudo(req, ":method"),
    path,
    authority: pseudo(req, ":authority"),
    scheme: pseudo(req, ":scheme"),
    headers: reqHeaders,
    body: bodyOf(req, grpc),
    body_truncated: req.truncated,
  };
  if (grpc) {
    const m = /^\/([^/]+)\/([^/]+)$/.exec(path);
    request.grpc = {
      service: m ? m[1]! : path === UNKNOWN ? UNKNOWN : "",
      method: m ? m[2]! : path === UNKNOWN ? UNKNOWN : "",
      request_messages: req.grpcMessages,
      request_message_sizes: req.grpcSizes,
    };
  }
  let response: Http2Response | null = null;
  if (resp.fields) {
    const status = pseudo(resp, ":status");
    const trailers = headerMap(resp.trailers);
    response = {
      status: /^\d{3}$/.test(status) ? Number(status) : status === "" ? 0 : status,
      headers: respHeaders,
      trailers,
      body: bodyOf(resp, grpc),
      body_truncated: resp.truncated,
    };
    const error = s.error ?? resp.hpackError ?? (closing && !s.done ? "connection closed" : null);
    if (error) response.error = error;
    if (grpc) {
      const st = trailers["grpc-status"] ?? respHeaders["grpc-status"];
      response.grpc = {
        status: st !== undefined && /^\d+$/.test(st) ? Number(st) : null,
        message: percentDecode(trailers["grpc-message"] ?? respHeaders["grpc-message"] ?? ""),
        response_messages: resp.grpcMessages,
        response_message_sizes: resp.grpcSizes,
      };
    }
  } else if (s.error) {
    // RST_STREAM before any response head: report the reset as the response.
    response = { status: 0, headers: {}, trailers: {}, body: "", body_truncated: false, error: s.error };
  }
  const reqStart = req.startNs >= 0 ? req.startNs : resp.startNs >= 0 ? resp.startNs : s.errorNs;
  // A stream reset before any response frame: the reset is its answer.
  const respStart = resp.startNs >= 0 ? resp.startNs : s.errorNs;
  const respEnd = resp.endNs >= 0 ? resp.endNs : s.errorNs;
  return {
    req: request,
    resp: response,
    reqStartNs: reqStart,
    reqEndNs: req.endNs >= 0 ? req.endNs : reqStart,
    respStartNs: response ? respStart : -1,
    respEndNs: response ? respEnd : -1,
    reqBytes: req.bytes,
    respBytes: resp.bytes,
  };
}

/** Implements Parser.match: completed streams in completion order; at close, the open ones too. */
export function matchStreams(state: Http2State, out: Exchange[], closing: boolean): void {
  for (const s of state.done) {
    const ex = toExchange(s, false);
    if (ex) out.push(ex);
  }
  clearArray(state.done);
  if (!closing) return;
  for (const s of state.streams.values()) {
    const ex = toExchange(s, true);
    if (ex) out.push(ex);
  }
  state.streams.clear();
}
