/**
 * Redis (RESP2 and RESP3) parser for l7trace.
 *
 * Commands are arrays of bulk strings or inline lines; replies are any
 * RESP2/RESP3 value, attributes dropped. Both are decoded element by
 * element and bulk strings piece by piece, keeping at most `maxBodyBytes` of
 * each string and 64 elements of each aggregate. Replies are paired with
 * commands in order; pub/sub pushes and messages are counted, not paired
 * (see `pair.ts` for the rules).
 *
 * @example
 * ```ts
 * import { Stream } from "../common/parser.ts";
 * import { redisParser } from "./mod.ts";
 *
 * const state = redisParser.createState({ maxBodyBytes: 1024, datagram: false });
 * const bytes = new TextEncoder().encode("*1\r\n$4\r\nPING\r\n");
 * redisParser.parseFrame(state, Stream.Request, bytes, 1, 1); // 14
 * ```
 *
 * @module
 */

import type { Parser, ParserOptions } from "../common/parser.ts";
import { Stream } from "../common/parser.ts";
import { newStreamState, parseStream, resetStream, skipStream } from "./decode.ts";
import { matchExchanges } from "./pair.ts";
import { findStart, requestAt, responseAt } from "./scan.ts";
import type { RedisRequest, RedisResponse, RedisState } from "./types.ts";
import { ReplyMode } from "./types.ts";
import { clearArray } from "../common/arrays.ts";

export type { RedisReplyType, RedisRequest, RedisResponse, RedisState, RedisValue } from "./types.ts";
export { filters } from "./filter.ts";

/** The Redis {@linkcode Parser}; exchanges carry RedisRequest/RedisResponse. */
export const redisParser: Parser<RedisState> = {
  protocol: "redis",

  createState(options: ParserOptions): RedisState {
    return {
      maxBodyBytes: Math.max(0, options.maxBodyBytes),
      req: newStreamState(),
      resp: newStreamState(),
      reqQueue: [],
      ready: [],
      swallowKw: 0,
      swallowLeft: 0,
      swallowPrev: 0,
      subCount: 0,
      shardCount: 0,
      replyMode: ReplyMode.On,
      lost: false,
      orphanResponses: 0,
      pushes: 0,
      swallowed: 0,
      desyncs: 0,
    };
  },

  findBoundary(state, stream, buf, from) {
    const isReq = stream === Stream.Request;
    resetStream(isReq ? state.req : state.resp);
    return findStart(buf, from, isReq ? requestAt : responseAt);
  },

  parseFrame: parseStream,
  skip: skipStream,

  finish() {
    // RESP frames carry their own lengths: nothing ends with the connection.
  },

  match: matchExchanges,

  reset(state) {
    resetStream(state.req);
    resetStream(state.resp);
    clearArray(state.reqQueue);
    state.swallowKw = 0;
    state.lost = false;
  },

  summarize,
  redact,
};

/** Replaces AUTH passwords (AUTH, HELLO ... AUTH user pass, MIGRATE ... AUTH) with `***`. */
export function redact(req: unknown, _resp: unknown): void {
  const q = req as { command?: string; args?: string[] } | null;
  if (!q || !Array.isArray(q.args)) return;
  if (q.command === "AUTH") {
    q.args = q.args.map(() => "***");
    return;
  }
  for (let i = 0; i < q.args.length; i++) {
    const word = q.args[i]!.toUpperCase();
    if (word === "AUTH" && (q.command === "HELLO" || q.command === "MIGRATE")) {
      // HELLO 3 AUTH user pass; MIGRATE ... AUTH pass
      const n = q.command === "HELLO" ? 2 : 1;
      for (let k = 1; k <= n && i + k < q.args.length; k++) q.args[i + k] = "***";
    } else if (word === "AUTH2" && q.command === "MIGRATE") {
      for (let k = 1; k <= 2 && i + k < q.args.length; k++) q.args[i + k] = "***";
    }
  }
}

/**
 * `s` cut to `max` characters, with "…" when cut here or (`cut`) before;
 * control characters escaped.
 */
function clip(s: string, max: number, cut = false): string {
  s = s.length > max ? s.slice(0, max) + "…" : cut ? s + "…" : s;
  // deno-lint-ignore no-control-regex
  return /[\x00-\x1f\x7f]/.test(s) ? JSON.stringify(s).slice(1, -1) : s;
}

/** Elements kept, "…" when some were left out (or cut). */
function count(r: RedisResponse): string {
  const v = r.value;
  const n = Array.isArray(v) ? v.length : v !== null && typeof v === "object" ? Object.keys(v).length : 0;
  return r.truncated ? `${n}…` : `${n}`;
}

/** The text of a reply in a table line, redis-cli style. */
export function describe(r: RedisResponse): string {
  const v = r.value;
  const cut = r.truncated === true;
  switch (r.type) {
    case "string":
      return clip(String(v), 60, cut);
    case "error":
      return `(error) ${clip(String(v), 60, cut)}`;
    case "bulk":
    case "verbatim":
      return `"${clip(String(v), 40, cut)}"`;
    case "nil":
      return "(nil)";
    case "array":
    case "set":
    case "map":
    case "push":
      return `(${r.type} ${count(r)})`;
    default:
      return `(${r.type}) ${clip(String(v), 40, cut)}`;
  }
}

/**
 * One table line for an exchange: `SET user:1 … -> OK`, `GET k -> "v"`,
 * `NOSUCH -> (error) ERR unknown command…`, or `… -> (no response)`.
 */
export function summarize(req: unknown, resp: unknown): string {
  const q = req as RedisRequest | null;
  const r = resp as RedisResponse | null;
  let head = q ? q.command : "?";
  if (q && q.args.length > 0) {
    head += " " + clip(q.args[0]!, 40);
    if (q.args.length > 1) head += " …";
  }
  return `${head} -> ${r ? describe(r) : "(no response)"}`;
}
