/**
 * memcached parser for l7trace: the text protocol (storage, retrieval,
 * arithmetic, touch, stats and the rest), the meta protocol (`mg`, `ms`,
 * `md`, `ma`, `mn`, `me`) and the binary protocol (`binary.ts`), as
 * memcached 1.6 speaks them on TCP.
 *
 * Requests and responses are lines, some followed by a data block of known
 * length that is consumed piece by piece; responses are paired with
 * requests in order, `noreply` commands and quiet (`q`) meta commands
 * excepted (see `pair.ts`).
 *
 * @example
 * ```ts
 * import { Stream } from "../common/parser.ts";
 * import { memcachedParser } from "./mod.ts";
 *
 * const state = memcachedParser.createState({ maxBodyBytes: 1024, datagram: false });
 * const bytes = new TextEncoder().encode("get user:1\r\n");
 * memcachedParser.parseFrame(state, Stream.Request, bytes, 1, 1); // 12
 * ```
 *
 * @module
 */

import type { Parser, ParserOptions } from "../common/parser.ts";
import { Stream } from "../common/parser.ts";
import { newStreamState, parseStream, resetStream, skipStream } from "./decode.ts";
import { matchExchanges } from "./pair.ts";
import { findBinary, findStart, requestAt, responseAt } from "./scan.ts";
import { summarize } from "./summary.ts";
import { REQ_MAGIC, RESP_MAGIC } from "./binary.ts";
import { Mode } from "./types.ts";
import type { McState } from "./types.ts";
import { clearArray } from "../common/arrays.ts";

export type { McRequest, McResponse, McState, McValue } from "./types.ts";
export { filters } from "./filter.ts";
export { summarize } from "./summary.ts";

/** The memcached {@linkcode Parser}; exchanges carry McRequest/McResponse. */
export const memcachedParser: Parser<McState> = {
  protocol: "memcached",

  createState(options: ParserOptions): McState {
    return {
      maxBodyBytes: Math.max(0, options.maxBodyBytes),
      req: newStreamState(),
      resp: newStreamState(),
      reqQueue: [],
      ready: [],
      lost: false,
      mode: Mode.Unknown,
      watching: false,
      orphanResponses: 0,
      suppressed: 0,
    };
  },

  findBoundary(state, stream, buf, from) {
    const isReq = stream === Stream.Request;
    resetStream(isReq ? state.req : state.resp);
    // Before the first parsed byte the mode is unknown: a magic byte starts a binary packet.
    const binary = state.mode === Mode.Binary ||
      (state.mode === Mode.Unknown && buf[from] === (isReq ? REQ_MAGIC : RESP_MAGIC));
    if (binary) return findBinary(buf, from, isReq);
    return findStart(buf, from, isReq ? requestAt : responseAt);
  },

  parseFrame: parseStream,
  skip: skipStream,

  finish() {
    // Every memcached message ends with a line or a block of known length.
  },

  match: matchExchanges,

  reset(state) {
    resetStream(state.req);
    resetStream(state.resp);
    clearArray(state.reqQueue);
    state.lost = false;
  },

  summarize,

  opaque(state) {
    return state.watching;
  },
};
