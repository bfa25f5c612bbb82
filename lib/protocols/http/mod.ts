/**
 * HTTP/1.0 and HTTP/1.1 parser for l7trace.
 *
 * Frames requests and responses per RFC 9112 (Content-Length, chunked, and
 * close-delimited bodies; no body for HEAD, 1xx, 204, 304 and CONNECT 2xx),
 * consuming large bodies piece by piece and keeping only the first
 * `maxBodyBytes` of each decoded body. Interim 1xx responses other than 101
 * are consumed and never paired; after a 101 or a 2xx to CONNECT the
 * connection carries something else, and every later byte is swallowed.
 * Responses are paired with requests in order; the state counts the
 * responses dropped for lack of a request (`orphanResponses`) and the times
 * the two streams were found out of step (`desyncs`). HTTP/1.x runs over
 * byte streams only, so `ParserOptions.datagram` is ignored.
 *
 * @example
 * ```ts
 * import { Stream } from "../common/parser.ts";
 * import { httpParser } from "./mod.ts";
 *
 * const state = httpParser.createState({ maxBodyBytes: 4096, datagram: false });
 * const bytes = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
 * httpParser.parseFrame(state, Stream.Request, bytes, 1, 1); // bytes.length
 * ```
 *
 * @module
 */

import type { Parser, ParserOptions } from "../common/parser.ts";
import { Stream } from "../common/parser.ts";
import { finishStreams, newStreamState, parseStream, resetStream, skipStream } from "./parse.ts";
import { matchExchanges } from "./match.ts";
import { RenderedHttp } from "./render.ts";
import { slab } from "../common/json_bytes.ts";
import { findRequestStart, findResponseStart } from "./scan.ts";
import type { HttpRequest, HttpResponse, HttpState } from "./types.ts";
import { clearArray } from "../common/arrays.ts";

export type { HttpHeaders, HttpRequest, HttpResponse, HttpState } from "./types.ts";

/** The HTTP/1.x {@linkcode Parser}; exchanges carry HttpRequest/HttpResponse. */
export const httpParser: Parser<HttpState> = {
  protocol: "http",

  createState(options: ParserOptions): HttpState {
    return {
      // NaN or a negative limit keeps nothing rather than everything.
      maxBodyBytes: options.maxBodyBytes >= 0 ? options.maxBodyBytes : 0,
      renderJson: options.renderJson === true,
      req: newStreamState(),
      resp: newStreamState(),
      reqQueue: [],
      respQueue: [],
      upgraded: false,
      switchTo: null,
      orphanResponses: 0,
      desyncs: 0,
    };
  },

  findBoundary(state, stream, buf, from) {
    resetStream(stream === Stream.Request ? state.req : state.resp);
    if (state.upgraded) return -1;
    return stream === Stream.Request ? findRequestStart(buf, from) : findResponseStart(buf, from);
  },

  parseFrame: parseStream,
  skip: skipStream,

  finish(state) {
    finishStreams(state);
  },

  match: matchExchanges,

  reset(state) {
    resetStream(state.req);
    resetStream(state.resp);
    clearArray(state.reqQueue);
    clearArray(state.respQueue);
  },

  summarize,
  redact,

  opaque(state) {
    return state.upgraded && state.switchTo === null;
  },

  switchedTo(state) {
    return state.switchTo;
  },

  compact(state) {
    // Kept body pieces of messages still arriving, out of older slabs.
    for (const st of [state.req, state.resp]) {
      for (let i = 0; i < st.borrowed; i++) st.parts[i] = slab.keep(st.parts[i]!);
    }
    if (state.req.msg instanceof RenderedHttp) state.req.msg.compact();
    if (state.resp.msg instanceof RenderedHttp) state.resp.msg.compact();
    for (const q of state.reqQueue) if (q.msg instanceof RenderedHttp) q.msg.compact();
    for (const q of state.respQueue) if (q.msg instanceof RenderedHttp) q.msg.compact();
    // Emptied by pop(), these keep their storage for the next messages:
    // an idle connection gives it back.
    if (state.reqQueue.length === 0) state.reqQueue = [];
    if (state.respQueue.length === 0) state.respQueue = [];
    if (state.req.parts.length === 0) state.req.parts = [];
    if (state.resp.parts.length === 0) state.resp.parts = [];
  },
};

const SECRET_HEADERS = ["authorization", "proxy-authorization", "cookie", "set-cookie"];

/** Replaces the values of credential headers with `***`. */
export function redact(req: unknown, resp: unknown): void {
  for (const m of [req, resp] as ({ headers?: Record<string, string> } | null)[]) {
    if (!m?.headers) continue;
    for (const name of SECRET_HEADERS) if (Object.hasOwn(m.headers, name)) m.headers[name] = "***";
  }
}

/**
 * One table line for an exchange: `GET /index.html -> 200 OK`, or
 * `GET /index.html -> (no response)` when the connection closed first.
 */
export function summarize(req: unknown, resp: unknown): string {
  const q = req as HttpRequest | null;
  const r = resp as HttpResponse | null;
  const head = q ? `${q.method} ${q.path}` : "?";
  if (!r) return `${head} -> (no response)`;
  return r.reason ? `${head} -> ${r.status} ${r.reason}` : `${head} -> ${r.status}`;
}
