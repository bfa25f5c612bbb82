/**
 * The NATS parser's per-connection state.
 *
 * @module
 */
import type { Exchange } from "../common/parser.ts";
import type { NatsRequest, NatsResponse } from "./types.ts";

/** An operation waiting for its answer (+OK/-ERR, or PONG). */
export interface Pending {
  req: NatsRequest;
  startNs: number;
  endNs: number;
  reqBytes: number;
  /** A PUB's or HPUB's -ERR, held until the +OK nats-server still sends for it. */
  err?: { resp: NatsResponse; startNs: number; endNs: number; bytes: number };
}

/** A PUB, HPUB, MSG or HMSG whose payload is still arriving. */
export interface PartialMessage {
  req: NatsRequest;
  startNs: number;
  /** Bytes of the whole frame: line, headers, payload, CR LF. */
  frameBytes: number;
  /** Bytes after the line still to come (the final CR LF included). */
  left: number;
  /** Offset in the body (after the line) of the payload, and its size. */
  payloadAt: number;
  payloadSize: number;
  /** Body bytes seen so far. */
  pos: number;
  /** The first maxBodyBytes of the payload, and how many are filled. */
  preview: Uint8Array;
  previewLen: number;
  /** Bytes inside the preview were lost: it stops there. */
  gap: boolean;
}

/** Most operations waiting for an answer, per queue. */
export const MAX_QUEUED = 1024;

/** Per-connection state of {@linkcode natsParser}. */
export interface NatsState {
  readonly maxBodyBytes: number;
  /** CONNECT asked for verbose mode: the server acknowledges every operation. */
  verbose: boolean;
  /** A message in progress, per stream. */
  partial: [PartialMessage | null, PartialMessage | null];
  /** Client operations waiting for +OK or -ERR (verbose mode only). */
  acks: Pending[];
  /** PINGs waiting for a PONG, by the stream that sent them. */
  pings: [Pending[], Pending[]];
  /** Exchanges complete, waiting for match(). */
  done: Exchange[];
  /** Answers (+OK, PONG) to nothing seen. */
  orphans: number;
  /** Operations dropped because too many waited. */
  overflow: number;
}

/** A fresh state. */
export function createState(maxBodyBytes: number): NatsState {
  return {
    maxBodyBytes,
    verbose: false,
    partial: [null, null],
    acks: [],
    pings: [[], []],
    done: [],
    orphans: 0,
    overflow: 0,
  };
}

/** The Exchange of a request closed without its answer: its held -ERR, if any. */
export function unanswered(p: Pending): Exchange {
  const e = p.err;
  return e ? exchangeOf(p, e.resp, e.startNs, e.endNs, e.bytes) : exchangeOf(p, null);
}

/** The Exchange of a request and its answer (or none: times -1, 0 bytes). */
export function exchangeOf(
  p: Pending,
  resp: NatsResponse | null,
  respStartNs = -1,
  respEndNs = -1,
  respBytes = 0,
): Exchange {
  return {
    req: p.req,
    resp,
    reqStartNs: p.startNs,
    reqEndNs: p.endNs,
    respStartNs: resp ? respStartNs : -1,
    respEndNs: resp ? respEndNs : -1,
    reqBytes: p.reqBytes,
    respBytes: resp ? respBytes : 0,
  };
}
