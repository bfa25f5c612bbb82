/**
 * Shapes of parsed Redis commands and replies, and of the per-connection
 * parser state.
 *
 * @module
 */

import type { Exchange } from "../common/parser.ts";

/** One command, printed as the record's `req`. */
export interface RedisRequest {
  /**
   * Command name, upper-cased; for container commands (`CLIENT`, `CONFIG`,
   * `OBJECT`, …) followed by a space and the upper-cased subcommand, e.g.
   * `"CONFIG GET"`.
   */
  command: string;
  /** The remaining arguments, UTF-8 decoded non-fatally, each cut at `maxBodyBytes`. */
  args: string[];
  /** Present (true) when an argument was cut or arguments were left out. */
  args_truncated?: true;
}

/** The `type` of a reply, from its RESP type byte. */
export type RedisReplyType =
  | "string"
  | "error"
  | "integer"
  | "bulk"
  | "nil"
  | "array"
  | "map"
  | "set"
  | "double"
  | "boolean"
  | "bignum"
  | "verbatim"
  | "push";

/**
 * A reply value as JSON: strings for simple, bulk, verbatim and big-number
 * strings; numbers for integers (a string when beyond ±2^53) and finite
 * doubles (`"inf"`, `"-inf"`, `"nan"` otherwise); arrays for arrays, sets
 * and pushes; null-prototype objects for maps, keyed by the key's string or
 * JSON text.
 */
export type RedisValue =
  | string
  | number
  | boolean
  | null
  | RedisValue[]
  | { [key: string]: RedisValue };

/** One reply, printed as the record's `resp`. */
export interface RedisResponse {
  /** Kind of the top-level reply (attributes before it are dropped). */
  type: RedisReplyType;
  /** Its value; errors give their message, nils null. */
  value: RedisValue;
  /** Present (true) when a string was cut or elements were left out. */
  truncated?: true;
}

/** A complete message, with where and when it was on the wire. */
export interface Queued<M> {
  /** The parsed message. */
  msg: M;
  /** tsNs of the parseFrame call that consumed its first byte. */
  startNs: number;
  /** endTsNs of the call (or tsNs of the skip) that consumed its last byte. */
  endNs: number;
  /** Bytes on the wire, skipped bytes included. */
  bytes: number;
}

/** A queued command, with what pairing needs to know about it. */
export interface QueuedRequest extends Queued<RedisRequest> {
  /** Its keyword code (see `keywords.ts`) when it is a (un)subscribe command, else 0. */
  sub: number;
  /** Arguments after the command name, counted even when not kept. */
  argc: number;
  /** Allowed in RESP2 subscribed mode, so it never gets a message-shaped reply. */
  pubsubOk: boolean;
  /** The server sends no reply (CLIENT REPLY OFF/SKIP in effect). */
  noReply: boolean;
}

/** One aggregate (array, map, set, push, attribute) being filled. */
export interface Frame {
  /** Its RESP type byte. */
  type: number;
  /** Elements still to come. */
  left: number;
  /** Elements seen so far. */
  index: number;
  /** True when its value is printed (elements are then kept up to the caps). */
  keep: boolean;
  /** Kept elements of an array, set or push. */
  items: RedisValue[] | null;
  /** Kept entries of a map. */
  obj: { [key: string]: RedisValue } | null;
  /** Key of the map entry whose value comes next; null when not kept. */
  key: string | null;
}

/** Progress of one stream's message in progress. */
export interface StreamState {
  /** True once the first byte of the current message was consumed. */
  active: boolean;
  /** tsNs of the call that consumed the message's first byte. */
  startNs: number;
  /** endTsNs of the latest call that consumed bytes of the message. */
  lastNs: number;
  /** Wire bytes of the message so far. */
  bytes: number;
  /** Aggregates open, innermost last; only `depth` entries are live. */
  stack: Frame[];
  /** Number of live entries in `stack`. */
  depth: number;
  /** Bytes of the line at the head of the next call already searched for LF. */
  scanned: number;
  /** Data bytes left in the bulk string in progress, -1 when none. */
  bulkLeft: number;
  /** Bytes of its CRLF still expected. */
  bulkCrlf: number;
  /** Its type byte (`$`, `!`, `=`). */
  bulkType: number;
  /** Its declared length. */
  bulkLen: number;
  /** Its kept bytes; null when it is not kept. */
  bulkBuf: Uint8Array | null;
  /** Bytes in `bulkBuf`. */
  bulkKept: number;
  /** Type byte of the top-level reply (0 until known); `_` for nils. */
  topType: number;
  /** Declared element count of a top-level aggregate. */
  topCount: number;
  /** Keyword code of a top-level aggregate's first element (0: none). */
  kw: number;
  /** Values kept so far in this message, for the per-message cap. */
  nodes: number;
  /** True once anything of this message was cut or left out. */
  trunc: boolean;
  /** Request stream: the command name being assembled. */
  cmd: string;
  /** Request stream: CLIENT REPLY's argument, upper-cased, whatever `maxBodyBytes`. */
  mode: string;
}

/** What the server does with replies (CLIENT REPLY). */
export const enum ReplyMode {
  /** Every command gets its replies. */
  On,
  /** No command gets replies until CLIENT REPLY ON. */
  Off,
  /** The next command gets no reply. */
  Skip,
}

/** Per-connection state of the Redis parser. */
export interface RedisState {
  /** Strings longer than this are cut and flagged. */
  maxBodyBytes: number;
  /** The request stream's message in progress. */
  req: StreamState;
  /** The response stream's message in progress. */
  resp: StreamState;
  /** Complete commands waiting for their reply, oldest first. */
  reqQueue: QueuedRequest[];
  /** Exchanges paired and not yet handed to match(). */
  ready: Exchange[];
  /** Keyword code of the (un)subscribe whose extra confirmations are swallowed; 0: none. */
  swallowKw: number;
  /** Confirmations left to swallow; -1: while counts go down by one (no-argument unsubscribe). */
  swallowLeft: number;
  /** Subscription count of the last confirmation swallowed or paired. */
  swallowPrev: number;
  /** RESP2 channel+pattern subscriptions, from the last confirmation. */
  subCount: number;
  /** RESP2 shard-channel subscriptions, from the last confirmation. */
  shardCount: number;
  /** CLIENT REPLY mode seen on the request stream. */
  replyMode: ReplyMode;
  /** Pairing lost certainty: the next parseFrame returns -1 so the tracker resyncs. */
  lost: boolean;
  /** Replies dropped because no command was queued for them. */
  orphanResponses: number;
  /** Pushes and RESP2 pub/sub messages seen (never paired). */
  pushes: number;
  /** Extra (un)subscribe confirmations swallowed. */
  swallowed: number;
  /** Times pairing was abandoned (queue overflow, reply before its command). */
  desyncs: number;
}
