/**
 * Shapes of parsed HTTP/1.x messages and of the per-connection parser state.
 *
 * @module
 */
import type { ProtocolSwitch } from "../common/parser.ts";
import type { LastHead, RenderedHttp } from "./render.ts";

export type { RenderedHttp };

/**
 * Header fields of one message: lower-cased names, values trimmed of
 * surrounding whitespace, repeated fields joined with `", "`. The object has
 * a null prototype so that hostile names (`__proto__`, `constructor`) are
 * plain keys.
 */
export type HttpHeaders = Record<string, string>;

/** One HTTP/1.x request, printed as the record's `req`. */
export interface HttpRequest {
  /** Request method token as sent, e.g. `"GET"`. */
  method: string;
  /** Request target as sent, e.g. `"/index.html?q=1"`. */
  path: string;
  /** `"HTTP/1.0"` or `"HTTP/1.1"`. */
  version: string;
  /** Value of the Host header, `""` when absent. */
  host: string;
  /** Header fields. */
  headers: HttpHeaders;
  /** First `maxBodyBytes` bytes of the de-chunked body, decoded as UTF-8. */
  body: string;
  /** True when the body had more bytes than `body` holds. */
  body_truncated: boolean;
}

/** One HTTP/1.x final response, printed as the record's `resp`. */
export interface HttpResponse {
  /** Status code, e.g. `200`. */
  status: number;
  /** Reason phrase as sent, possibly `""`. */
  reason: string;
  /** `"HTTP/1.0"` or `"HTTP/1.1"`. */
  version: string;
  /** Header fields. */
  headers: HttpHeaders;
  /** First `maxBodyBytes` bytes of the de-chunked body, decoded as UTF-8. */
  body: string;
  /** True when the body had more bytes than `body` holds. */
  body_truncated: boolean;
}

/** A complete message waiting in a queue to be paired. */
export interface Queued<M> {
  /** The parsed message. */
  msg: M;
  /** tsNs of the parseFrame call that consumed the first byte. */
  startNs: number;
  /** endTsNs of the call (or tsNs of the skip) that consumed the last byte. */
  endNs: number;
  /** Bytes on the wire, skipped bytes included. */
  bytes: number;
}

/** Where a stream's incremental parser is within the current message. */
export const enum Mode {
  /** Waiting for a complete start line and header section. */
  Head,
  /** Inside a body of known remaining length (Content-Length). */
  Length,
  /** Expecting a chunk-size line. */
  ChunkSize,
  /** Inside a chunk's data. */
  ChunkData,
  /** Expecting the CRLF that ends a chunk's data. */
  ChunkEnd,
  /** Expecting the trailer section after the last chunk. */
  Trailers,
  /** Inside a body delimited by the connection's close. */
  Close,
}

/** Progress of one direction's message in progress. */
export interface StreamState {
  /** Current position in the message grammar. */
  mode: Mode;
  /** Bytes of the head or trailer section already scanned for its end. */
  scanPos: number;
  /** Offset in that section of the line being scanned. */
  scanLine: number;
  /** Lines seen within `scanPos`. */
  scanLines: number;
  /** Message whose head has been parsed; null between messages. */
  msg: HttpRequest | HttpResponse | RenderedHttp | null;
  /** tsNs of the call that consumed the message's first byte. */
  startNs: number;
  /** endTsNs of the latest call that consumed bytes of the message. */
  lastNs: number;
  /** Wire bytes of the message so far. */
  bytes: number;
  /** Body bytes left in the Content-Length body or the current chunk. */
  remaining: number;
  /** Kept body pieces, at most `maxBodyBytes` bytes in all. */
  parts: Uint8Array[];
  /** Index of the first piece in `parts` that still views the caller's buffer. */
  borrowed: number;
  /** Total length of `parts`. */
  kept: number;
  /** True once body bytes were dropped (over the limit, or skipped). */
  truncated: boolean;
  /** True when the connection stops being HTTP after this message (101, CONNECT 2xx). */
  tunnel: boolean;
  /** The last head written as JSON (renderJson), kept across messages. */
  lastHead: LastHead | null;
  /** Heads written as JSON so far. */
  heads: number;
}

/** Per-connection state of the HTTP/1.x parser. */
export interface HttpState {
  /** Bodies longer than this are cut and flagged. */
  maxBodyBytes: number;
  /** Messages are written as JSON bytes when they can be (ParserOptions.renderJson). */
  renderJson: boolean;
  /** The request stream's message in progress. */
  req: StreamState;
  /** The response stream's message in progress. */
  resp: StreamState;
  /** Complete requests not yet paired, oldest first. */
  reqQueue: Queued<HttpRequest | RenderedHttp>[];
  /** Complete final responses not yet paired, oldest first. */
  respQueue: Queued<HttpResponse | RenderedHttp>[];
  /** True after a 101 or a 2xx to CONNECT: later bytes are not HTTP. */
  upgraded: boolean;
  /** Set with `upgraded` when the connection switched to a protocol l7trace parses (h2c). */
  switchTo: ProtocolSwitch | null;
  /** Responses dropped because no request was known for them. */
  orphanResponses: number;
  /** Times the queues were dropped because a response predated its request. */
  desyncs: number;
}
