/**
 * Shapes of PostgreSQL records and of the per-connection parser state.
 *
 * @module
 */

import type { Exchange } from "../common/parser.ts";

/** One request, printed as the record's `req`. */
export interface PgsqlRequest {
  /**
   * `"query"`: a simple Query (possibly several statements); `"execute"`:
   * one extended-protocol Execute with the Parse/Bind/Describe before it;
   * `"parse"`: a Parse (and Describe) closed by Sync without an Execute;
   * `"function"`: a FunctionCall; `"cancel"`: a CancelRequest.
   */
  type: "query" | "execute" | "parse" | "function" | "cancel";
  /** SQL text, cut at `maxBodyBytes`; `""` when unknown or not SQL. */
  query: string;
  /** Name of the prepared statement, when not the unnamed one. */
  statement?: string;
  /** Name of the portal, when not the unnamed one. */
  portal?: string;
  /** Bind parameters: text as sent, binary as `\x` hex, SQL NULL as null. */
  params?: (string | null)[];
  /** Present when the query or the parameters were cut. */
  truncated?: true;
  /** FunctionCall: the function's OID. */
  function_oid?: number;
  /** CancelRequest: the process ID of the backend to cancel. */
  cancel_pid?: number;
}

/** One response, printed as the record's `resp`. */
export interface PgsqlResponse {
  /** `"error"` when an ErrorResponse answered the request. */
  status: "ok" | "error";
  /** CommandComplete tags, `"; "`-joined for multi-statement queries. */
  command_tag?: string;
  /** DataRow messages received. */
  rows: number;
  /** SQLSTATE (`C` field) of the first ErrorResponse. */
  error_code?: string;
  /** Primary message (`M` field) of the first ErrorResponse. */
  error_message?: string;
  /** Severity (`V`, else `S` field) of the first ErrorResponse. */
  error_severity?: string;
  /** Execute stopped at its row limit (PortalSuspended). */
  suspended?: true;
  /** Not executed: an earlier error in the batch made the server skip to Sync. */
  skipped?: true;
}

/** Fields of an ErrorResponse, with when it arrived. */
export interface PgError {
  code: string;
  message: string;
  severity: string;
  startNs: number;
  endNs: number;
}

/** The server messages each frontend message waits for, in wire order. */
export const enum Expect {
  Parse,
  Bind,
  DescribeStatement,
  DescribePortal,
  Execute,
  Close,
  Sync,
  Flush,
  Query,
  Function,
  Startup,
}

/** What a segment becomes once answered. */
export const enum SegKind {
  Query,
  Function,
  Execute,
  Parse,
  /** Answered but not printed: lone Sync, Close, Describe. */
  Absorb,
  /** StartupMessage and authentication: not printed. */
  Startup,
}

/**
 * Frontend messages that form one record (or one unprinted unit), with the
 * server messages they wait for. An Execute segment holds every message
 * since the previous segment up to the Execute, plus a Sync right after it.
 */
export interface Segment {
  kind: SegKind;
  /** Expected answers, one per frontend message that gets one. */
  exp: Expect[];
  /** The record's request; null for Absorb and Startup. */
  req: PgsqlRequest | null;
  startNs: number;
  endNs: number;
  bytes: number;
  /** False while a Sync may still join this Execute segment. */
  sealed: boolean;
}

/**
 * One server message other than DataRow/CopyData, which are folded into
 * the next token's `rows` and `bytes`.
 */
export interface Token {
  /** Message type byte. */
  tag: number;
  startNs: number;
  endNs: number;
  bytes: number;
  /** DataRows folded into this token. */
  rows: number;
  /** CommandComplete tag. */
  text: string | null;
  /** ErrorResponse fields. */
  err: PgError | null;
}

/** A message consumed piece by piece because it was not whole in the buffer. */
export interface Progress {
  /** Type byte of the message in progress; -1 between messages; 0 untagged. */
  tag: number;
  /** Its wire length, header included. */
  total: number;
  /** Wire bytes consumed so far. */
  got: number;
  /** Its first bytes, for messages whose content is decoded. */
  keep: Uint8Array | null;
  /** Bytes held in `keep`. */
  kept: number;
  startNs: number;
  lastNs: number;
  /** Some of its bytes were skipped. */
  lost: boolean;
}

/** A prepared statement seen on this connection. */
export interface Statement {
  sql: string;
  truncated: boolean;
}

/** A portal seen on this connection: a bound statement. */
export interface Portal {
  statement: string;
  sql: string;
  params: (string | null)[];
  truncated: boolean;
}

/** Per-connection state of the PostgreSQL parser. */
export interface PgsqlState {
  /** Query text and bind values are cut at this many bytes. */
  maxBodyBytes: number;
  /** Request stream's message in progress. */
  fe: Progress;
  /** Response stream's message in progress. */
  be: Progress;
  /** True until the StartupMessage or a typed message: untagged messages allowed. */
  startup: boolean;
  /** An SSLRequest (1) or GSSENCRequest (2) awaits its one-byte answer. */
  negotiating: number;
  /** The server accepted TLS or GSS encryption: every later byte is opaque. */
  encrypted: boolean;
  /** Frontend messages not yet closed by an Execute, Sync, Query or FunctionCall. */
  open: Segment | null;
  /** The last Execute segment while a Sync right after it may still join it. */
  unsealed: Segment | null;
  /** Segment that receives client COPY data and password messages. */
  last: Segment | null;
  /** Prepared statements by name, oldest first. */
  statements: Map<string, Statement>;
  /** Portals by name, oldest first. */
  portals: Map<string, Portal>;
  /** Closed segments waiting for their answers, oldest first. */
  reqQueue: Segment[];
  /** Response tokens not yet consumed by the matcher, oldest first. */
  respQueue: Token[];
  /** DataRows since the last token. */
  foldRows: number;
  /** Wire bytes of DataRow/CopyData messages since the last token. */
  foldBytes: number;
  /** Start of the first of them, or -1. */
  foldStartNs: number;
  /** Index of the head segment's expectation being answered. */
  ei: number;
  /** Step within that expectation (ParameterDescription seen). */
  sub: number;
  /** The head segment's answer so far. */
  aggStartNs: number;
  aggEndNs: number;
  aggBytes: number;
  aggRows: number;
  aggTags: string;
  aggErr: PgError | null;
  aggSuspended: boolean;
  /** The batch's error, when an Execute or Query of this segment was skipped. */
  aggSkip: PgError | null;
  /** The server skips to Sync after this error. */
  skipping: PgError | null;
  /** ReadyForQuery messages to discard: answers of dropped requests. */
  owedZ: number;
  /** Drop frontend messages up to the next Sync, Query or FunctionCall. */
  dropUntilSync: boolean;
  /** Finished exchanges waiting for the next match() call. */
  done: Exchange[];
  /**
   * After a resync or a mismatch, answers may still be shifted by requests
   * that were never seen: exchanges wait in `held` until a ReadyForQuery
   * ends a batch without a mismatch, and are dropped if one comes first.
   */
  probation: boolean;
  /** Exchanges finished during probation. */
  held: Exchange[];
  /**
   * An error made the server skip to Sync during probation: answers of
   * unseen requests could have been absorbed, so the batch proves nothing.
   */
  heldSkip: boolean;
  /** Server messages that answered no known request. */
  orphanResponses: number;
  /** Times the answers did not fit the requests and queues were dropped. */
  mismatches: number;
  /** Requests or exchanges dropped because a queue was full. */
  overflows: number;
}
