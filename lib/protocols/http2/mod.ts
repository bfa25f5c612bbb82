/**
 * HTTP/2 (RFC 9113) and gRPC-over-HTTP/2 parser for l7trace.
 *
 * Each direction has its own HPACK decoder (RFC 7541). Streams are keyed by
 * id, so concurrent streams with interleaved frames pair correctly; a
 * stream's record is emitted when the response ends (END_STREAM), or when
 * RST_STREAM or GOAWAY ends it (with `resp.error`, e.g. `"CANCEL"`).
 * Connections that did not start with the client preface, or that lost sync,
 * keep decoding, but any header that needs the unseen dynamic table reads
 * `"<unknown: connection predates capture>"`: never a wrong value. gRPC
 * streams (content-type application/grpc*) get `req.grpc` and `resp.grpc`.
 *
 * @module
 */
import type { Parser, ParserOptions } from "../common/parser.ts";
import { Stream } from "../common/parser.ts";
import { plausibleHeader, PREFACE, readFrameHeader } from "./frame.ts";
import { HpackDecoder } from "./hpack.ts";
import { loseSync, parseFrame, skipBytes } from "./parse.ts";
import { matchStreams } from "./record.ts";
import { adoptUpgrade } from "./upgrade.ts";
import type { DirState, Http2Request, Http2Response, Http2State, UpgradeRequest } from "./types.ts";
import { clearArray } from "../common/arrays.ts";

export type { Http2Headers, Http2Request, Http2Response, Http2State } from "./types.ts";
export { UNKNOWN } from "./hpack.ts";

function newDir(): DirState {
  return {
    decoder: new HpackDecoder(),
    block: null,
    dataStream: 0,
    dataLeft: 0,
    padLeft: 0,
    dataEnd: false,
    discardLeft: 0,
  };
}

function resetDir(d: DirState): void {
  d.block = null;
  d.dataLeft = d.padLeft = d.discardLeft = 0;
  d.dataEnd = false;
}

/**
 * Offset of the preface or of a plausible frame header at or after `from`.
 * Plausibility is checked on the header alone (see plausibleHeader); the
 * frame after it is checked too when its bytes are there, which makes a
 * false match inside a body much less likely.
 */
export function findBoundary(buf: Uint8Array, from: number, fromClient: boolean): number {
  for (let i = Math.max(0, from); i + 9 <= buf.length; i++) {
    if (fromClient && buf[i] === 0x50 && startsWithPreface(buf, i)) return i;
    const h = readFrameHeader(buf, i);
    if (!plausibleHeader(h, fromClient)) continue;
    const next = i + 9 + h.length;
    if (next + 9 <= buf.length && !plausibleHeader(readFrameHeader(buf, next), fromClient)) {
      // The frame after is not a frame start; tolerate a CONTINUATION after HEADERS.
      if (!(buf[next + 3] === 9 && h.type === 1)) continue;
    }
    return i;
  }
  if (fromClient && buf.length - from < 9 && buf.length > from && startsWithPreface(buf, from)) return from;
  return -1;
}

function startsWithPreface(buf: Uint8Array, at: number): boolean {
  for (let j = 0; j < PREFACE.length && at + j < buf.length; j++) if (buf[at + j] !== PREFACE[j]) return false;
  return true;
}

/** The HTTP/2 {@linkcode Parser}; exchanges carry Http2Request/Http2Response. */
export const http2Parser: Parser<Http2State> = {
  protocol: "http2",

  createState(options: ParserOptions): Http2State {
    return {
      maxBodyBytes: options.maxBodyBytes >= 0 ? options.maxBodyBytes : 0,
      preface: 0,
      dirs: [newDir(), newDir()],
      streams: new Map(),
      done: [],
      highestClientStream: 0,
      droppedStreams: 0,
      goaway: [null, null],
    };
  },

  findBoundary(state, stream, buf, from) {
    resetDir(state.dirs[stream]);
    return findBoundary(buf, from, stream === Stream.Request);
  },

  parseFrame,

  skip(state, stream, len) {
    return skipBytes(state, stream, len);
  },

  finish() {
    // HTTP/2 has no close-delimited frames; open streams are reported by match(closing).
  },

  match: matchStreams,

  reset(state) {
    // Frames were lost: header blocks may be among them, so the tables diverged.
    for (const d of state.dirs) resetDir(d);
    state.streams.clear();
    clearArray(state.done);
    if (state.preface === 0) state.preface = -1;
    loseSync(state);
  },

  summarize,
  redact,

  adopt(state, inherited) {
    adoptUpgrade(state, inherited as UpgradeRequest);
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

/** One table line: `GET /x -> 200`, gRPC `/pkg.S/M -> grpc 0`, `... -> CANCEL`. */
export function summarize(req: unknown, resp: unknown): string {
  const q = req as Http2Request | null;
  const r = resp as Http2Response | null;
  const head = q ? (q.grpc ? q.path : `${q.method} ${q.path}`) : "?";
  if (!r) return `${head} -> (no response)`;
  if (r.error && !r.status) return `${head} -> ${r.error}`;
  if (q?.grpc || r.grpc) return `${head} -> grpc ${r.grpc?.status ?? "?"}`;
  return r.error ? `${head} -> ${r.status} (${r.error})` : `${head} -> ${r.status}`;
}
