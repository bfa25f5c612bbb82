/**
 * Shapes of parsed memcached requests and responses (text and meta
 * protocol), and of the per-connection parser state.
 *
 * @module
 */

import type { Exchange } from "../common/parser.ts";

/** One command, printed as the record's `req`. */
export interface McRequest {
  /** The command word as sent (`get`, `set`, `mg`, …); lower-case for every known command. */
  command: string;
  /** The keys it names, in order (retrieval commands: the first {@linkcode MAX_KEYS}). */
  keys: string[];
  /** Present (true) when keys were left out or a key was cut. */
  keys_truncated?: true;
  /** Storage commands: the client flags (opaque 32-bit number). */
  flags?: number;
  /** Storage, touch and gat commands: the expiration time as sent. */
  exptime?: number;
  /** Storage commands and `ms`: bytes of the data block (without its CRLF). */
  value_size?: number;
  /** `cas`: the compare-and-swap unique (a string beyond 2^53). */
  cas?: number | string;
  /** `incr`/`decr`: the amount (a string beyond 2^53). */
  delta?: number | string;
  /** Other text commands (`stats slabs`, `verbosity 1`, `flush_all 10`): the words after the command. */
  args?: string[];
  /** Text commands sent with `noreply` (and `quit`): the server sends nothing back. */
  noreply?: true;
  /** Meta commands: the flags after the key (and `ms`'s size), as sent, space-separated. */
  meta_flags?: string;
  /** Meta commands with the `q` flag: some return codes are not sent. */
  quiet?: true;
  /** Meta commands: the `O` (opaque) flag's token; binary requests: the header's opaque, as a decimal string. */
  opaque?: string;
  /** Present (true) for the binary protocol; `command` is then the opcode's name (`get`, `getkq`, `setq`, …). */
  binary?: true;
}

/** One item of a retrieval response (`VALUE <key> <flags> <bytes> [<cas>]`). */
export interface McValue {
  key: string;
  flags: number;
  /** Bytes of its data block. */
  size: number;
  /** gets/gats: its cas unique (a string beyond 2^53). */
  cas?: number | string;
  /** The data as UTF-8 text (invalid bytes replaced), cut at `maxBodyBytes`. */
  value: string;
  /** Present (true) when `value` was cut. */
  truncated?: true;
}

/** One response, printed as the record's `resp`. */
export interface McResponse {
  /**
   * The response's first word: `STORED`, `NOT_STORED`, `EXISTS`,
   * `NOT_FOUND`, `DELETED`, `TOUCHED`, `OK`, `VALUE` (a retrieval with at
   * least one item), `END` (a retrieval with none), `STAT`, `NUMBER`
   * (incr/decr), `VERSION`, `ERROR`, `CLIENT_ERROR`, `SERVER_ERROR`, or a
   * meta code `HD`, `VA`, `EN`, `NS`, `EX`, `NF`, `MN`, `ME`.
   */
  status: string;
  /** VALUE: the items, the first {@linkcode MAX_VALUES}. */
  values?: McValue[];
  /** Present (true) when items were left out. */
  values_truncated?: true;
  /** NUMBER: the new value (a string beyond 2^53). */
  number?: number | string;
  /** VERSION: the version string. */
  version?: string;
  /** ERROR, CLIENT_ERROR, SERVER_ERROR (and BUSY, BADCLASS): the message, if any. */
  error?: string;
  /** STAT: name → value, the first {@linkcode MAX_STATS}. */
  stats?: Record<string, string>;
  /** STAT: lines in the response, kept or not. */
  stat_count?: number;
  /** Lines of another multi-line response (`stats cachedump`, `lru_crawler metadump`). */
  lines?: number;
  /** Meta codes: the returned flags as sent, space-separated (`VA`'s size excluded). */
  meta_flags?: string;
  /** Meta codes: the `k` flag's key; binary: the key the response carries (getk). */
  key?: string;
  /** Meta codes: the `O` flag's opaque token; binary: the header's opaque. */
  opaque?: string;
  /** Binary: the opcode answered, named as in the request. */
  opcode?: string;
  /** Binary: the item's flags (get). */
  flags?: number;
  /** Binary: the cas unique in the header, when not 0. */
  cas?: number | string;
  /** VA (and binary responses with a value): bytes of the data block. */
  value_size?: number;
  /** VA: the data as UTF-8 text, cut at `maxBodyBytes`. */
  value?: string;
  /** VA: present (true) when `value` was cut. */
  truncated?: true;
}

/** Keys kept per request. */
export const MAX_KEYS = 64;
/** Items kept per retrieval response. */
export const MAX_VALUES = 64;
/** STAT lines kept per response. */
export const MAX_STATS = 256;

/** A complete message, with where and when it was on the wire. */
export interface Queued<M> {
  msg: M;
  /** tsNs of the parseFrame call that consumed its first byte. */
  startNs: number;
  /** endTsNs of the call (or tsNs of the skip) that consumed its last byte. */
  endNs: number;
  /** Bytes on the wire, skipped bytes included. */
  bytes: number;
}

/** Progress of one stream's message in progress. */
export interface StreamState {
  /** True once the first byte of the current message was consumed. */
  active: boolean;
  startNs: number;
  lastNs: number;
  /** Wire bytes of the message so far. */
  bytes: number;
  /** Bytes at the head of the next call already searched for LF. */
  scanned: number;
  /** Data bytes left in the block in progress; -1 when none. */
  dataLeft: number;
  /** Bytes of the block's CRLF still expected. */
  crlfLeft: number;
  /** Kept bytes of the block; null when it is not kept. */
  keep: Uint8Array | null;
  /** Bytes in `keep`. */
  kept: number;
  /** True once bytes of the block were not seen (a gap). */
  cut: boolean;
  /** Request: the command waiting for its data block. Response: the response being assembled. */
  req: McRequest | null;
  resp: McResponse | null;
  /** Response: the item whose data block is being read. */
  value: McValue | null;
  /** Response: lines continue until `END`. */
  multi: boolean;
  /** Binary: the header of the packet whose value is being read. */
  bin: BinPacket | null;
}

/** What a binary packet's value is for, once read. */
export interface BinPacket {
  opcode: number;
  /** A stat packet's name (the value is its value); null otherwise. */
  stat: string | null;
}

/** Which protocol a connection speaks (memcached decides by its first byte). */
export const enum Mode {
  Unknown,
  Text,
  Binary,
}

/** Per-connection state of the memcached parser. */
export interface McState {
  maxBodyBytes: number;
  req: StreamState;
  resp: StreamState;
  /** Requests waiting for a response, oldest first. */
  reqQueue: Queued<McRequest>[];
  /** Exchanges paired (or known to get no response) and not yet handed to match(). */
  ready: Exchange[];
  /** Pairing lost certainty: the next parseFrame returns -1 so the tracker resyncs. */
  lost: boolean;
  /** Text or binary, from the connection's first byte. */
  mode: Mode;
  /** `watch` was accepted: the rest of the connection is a log stream. */
  watching: boolean;
  /** Responses dropped because no request waited for them. */
  orphanResponses: number;
  /** Quiet meta requests whose response was suppressed. */
  suppressed: number;
}
