/**
 * The one interface every application protocol implements.
 *
 * A connection has two byte streams: the one that carries requests and the
 * one that carries responses. The connection tracker feeds each stream's
 * contiguous head to {@linkcode Parser.parseFrame}, tells the parser about
 * bytes it will never see with {@linkcode Parser.skip}, asks it to find the
 * next message start with {@linkcode Parser.findBoundary} after it lost sync,
 * and collects request/response pairs with {@linkcode Parser.match}.
 *
 * Parsers are pure: no I/O, no clocks, no imports outside `lib/protocols`.
 * They must never throw on hostile input: bad bytes return -1.
 *
 * @module
 */

/** Which of a connection's two streams a call is about. */
export const enum Stream {
  /** The stream that carries requests (client to server). */
  Request = 0,
  /** The stream that carries responses (server to client). */
  Response = 1,
}

/** Settings every parser receives when a connection starts. */
export interface ParserOptions {
  /** Bodies and values longer than this are cut, and flagged as truncated. */
  maxBodyBytes: number;
  /**
   * The connection is a datagram socket (UDP): every parseFrame call gets
   * exactly one whole datagram, which is one message (or garbage), and
   * datagrams may be lost or reordered without affecting the next one.
   */
  datagram: boolean;
  /**
   * Exchanges are only printed, unchanged, as JSON: a parser may hand out
   * messages already written as JSON (RenderedJson, from json_bytes.ts)
   * instead of objects. Off when anything filters, aggregates or edits them.
   */
  renderJson?: boolean;
}

/**
 * One request paired with its response (or with `null` when the connection
 * closed before a response came). Timestamps are nanoseconds on the
 * monotonic clock of the traced host, as numbers.
 */
export interface Exchange {
  /** Protocol-specific request shape, printed as the record's `req`. */
  req: unknown;
  /** Protocol-specific response shape, printed as `resp`; null if none. */
  resp: unknown;
  /** Time of the syscall that carried the first byte of the request. */
  reqStartNs: number;
  /** Time of the syscall that carried the last byte of the request. */
  reqEndNs: number;
  /** Time of the syscall that carried the first byte of the response, or -1. */
  respStartNs: number;
  /** Time of the syscall that carried the last byte of the response, or -1. */
  respEndNs: number;
  /** Request bytes on the wire, including bytes the kernel did not copy. */
  reqBytes: number;
  /** Response bytes on the wire, including bytes the kernel did not copy. */
  respBytes: number;
}

/**
 * A protocol parser. `S` is its per-connection state, created once per
 * connection; every other method receives it.
 */
export interface Parser<S> {
  /** The record's `protocol` field, e.g. `"http"`. */
  readonly protocol: string;

  /**
   * The server speaks first and its greeting is worth a record (NATS's
   * INFO). On a connection the kernel saw open (not mid-stream) and
   * announced at its first byte in both directions, the tracker parses both
   * streams from that byte, instead of waiting, desynced, for the client's
   * first request (and dropping what the server sent before it).
   */
  readonly serverSpeaksFirst?: boolean;

  /**
   * The server sends messages no request asked for, each a record of its
   * own (NATS's MSG). A connection the tracker is not in sync with (seen
   * mid-stream) may then also resume at a server message that starts a
   * syscall, not only at a client's request: a subscriber that only
   * receives would otherwise wait, unseen, for its next request.
   */
  readonly serverPushes?: boolean;

  /** Per-connection state: queues of parsed frames, frames in progress. */
  createState(options: ParserOptions): S;

  /**
   * Offset of the first plausible frame start in `buf` at or after `from`,
   * or -1 when there is none. Called after a gap or an invalid frame, and on
   * connections first seen mid-stream. Must not modify `state` except to
   * reset the stream's frame in progress.
   */
  findBoundary(state: S, stream: Stream, buf: Uint8Array, from: number): number;

  /**
   * Parse bytes at the start of `buf` (a view of the stream's contiguous
   * head; it may end anywhere, mid-frame). Returns the number of bytes
   * consumed (> 0), 0 when more bytes are needed before anything can be
   * consumed, or -1 when the bytes cannot be the start (or continuation) of
   * a valid frame; the tracker then resyncs with findBoundary.
   *
   * A parser may consume part of a frame (a large body) and keep the rest of
   * its progress in `state`, so the tracker never has to hold a whole body.
   * Complete frames are queued in `state` for {@linkcode Parser.match}.
   * `tsNs` is the time of the syscall that carried the first byte of `buf`;
   * `endTsNs` the time of the one that carried its last byte.
   */
  parseFrame(
    state: S,
    stream: Stream,
    buf: Uint8Array,
    tsNs: number,
    endTsNs: number,
  ): number;

  /**
   * `len` bytes of the stream were not captured (kernel limit, sendfile) or
   * were lost. Returns true when the parser absorbed them without losing
   * sync (they fall inside a frame of known length: a body); false when the
   * frame in progress was dropped and the tracker must resync.
   */
  skip(state: S, stream: Stream, len: number, tsNs: number): boolean;

  /**
   * The connection closed (or was evicted): complete frames whose end is the
   * end of the stream (an HTTP body delimited by close).
   */
  finish(state: S, tsNs: number): void;

  /**
   * Pair queued requests with queued responses, appending exchanges to
   * `out`. With `closing`, requests that can no longer get a response are
   * emitted with `resp: null` and the queues are emptied.
   */
  match(state: S, out: Exchange[], closing: boolean): void;

  /**
   * Drop every queued and in-progress frame of both streams: the tracker
   * lost sync and cannot know which response answers which request.
   */
  reset(state: S): void;

  /** One line for the table view, e.g. `GET /index.html -> 200 OK`. */
  summarize(req: unknown, resp: unknown): string;

  /**
   * `--redact`: replace secrets in a parsed request and response, in place,
   * with `***` (credential headers, AUTH arguments). Protocols whose
   * secrets are never part of a record need not implement it.
   */
  redact?(req: unknown, resp: unknown): void;

  /**
   * True once the rest of the connection cannot be parsed (a tunnel after
   * an HTTP upgrade or CONNECT, a switch to encryption the library probes
   * cannot see through): the kernel is then asked to stop sending it.
   */
  opaque?(state: S): boolean;

  /**
   * The connection switched to another protocol l7trace parses (HTTP/1.1
   * `Upgrade: h2c`): that protocol's name and what it inherits, or null.
   * Checked after each frame; every later byte belongs to the new protocol.
   */
  switchedTo?(state: S): ProtocolSwitch | null;

  /**
   * Starts this protocol on a connection that switched to it from another;
   * `inherited` is {@linkcode ProtocolSwitch.inherited}.
   */
  adopt?(state: S, inherited: unknown): void;

  /**
   * Moves the JSON this state still holds (RenderedJson of messages not yet
   * paired) out of slabs no longer written to, so that they can be freed: a
   * request waiting minutes for its answer would otherwise keep a whole
   * slab alive. Called for every connection on each sweep.
   */
  compact?(state: S): void;
}

/** A connection's change of protocol: see {@linkcode Parser.switchedTo}. */
export interface ProtocolSwitch {
  /** The new protocol's name, e.g. `"http2"`. */
  protocol: string;
  /** What the new protocol's {@linkcode Parser.adopt} receives. */
  inherited: unknown;
}
