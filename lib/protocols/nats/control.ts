/**
 * NATS control lines (https://docs.nats.io/reference/reference-protocols/nats-protocol):
 * a case-insensitive verb, fields separated by spaces or tabs, CR LF at the
 * end (a bare LF is accepted, as nats-server does). Each stream has its own
 * verbs: a client never sends MSG or INFO, a server never sends PUB.
 *
 * @module
 */
import { Stream } from "../common/parser.ts";
import { decimal, isBlank, text, verbAt } from "./bytes.ts";

/** Longest control line accepted: INFO with its URL lists, CONNECT with a JWT. */
export const MAX_LINE = 64 * 1024;
/** Most fields after the verb (HMSG with a reply subject). */
const MAX_FIELDS = 5;

/** A decoded control line. Sizes are -1 for operations without a payload. */
export interface Control {
  op: string;
  /** Bytes of the line, its CR LF included. */
  lineLen: number;
  subject: string;
  replyTo: string;
  sid: string;
  queue: string;
  maxMsgs: number;
  /** HPUB, HMSG: header block bytes; else -1. */
  headerSize: number;
  /** PUB, HPUB, MSG, HMSG: bytes after the line (headers and payload, not the final CR LF); else -1. */
  totalSize: number;
  /** INFO, CONNECT, -ERR: offsets of the rest of the line in the buffer. */
  restFrom: number;
  restTo: number;
}

const CLIENT_VERBS = ["CONNECT", "PUB", "HPUB", "SUB", "UNSUB", "PING", "PONG"];
const SERVER_VERBS = ["INFO", "MSG", "HMSG", "PING", "PONG", "+OK", "-ERR"];

/** The verbs a stream carries. */
export function verbsOf(stream: Stream): readonly string[] {
  return stream === Stream.Request ? CLIENT_VERBS : SERVER_VERBS;
}

/** The verb at b[at] followed by a blank or a line end, or null. */
export function verbOf(b: Uint8Array, at: number, stream: Stream): string | null {
  for (const v of verbsOf(stream)) {
    if (!verbAt(b, at, v)) continue;
    const c = b[at + v.length];
    if (c === undefined || isBlank(c) || c === 0x0d || c === 0x0a) return v;
  }
  return null;
}

/** Whether b[at..) could still become a verb of the stream (a short read). */
export function verbPrefix(b: Uint8Array, at: number, stream: Stream): boolean {
  const n = b.length - at;
  return verbsOf(stream).some((v) => n < v.length && verbAt(b, at, v.slice(0, n)));
}

/** Offset of the LF ending the line at b[at], or -1 when not within `limit` bytes. */
export function lineEnd(b: Uint8Array, at: number, limit: number): number {
  const to = Math.min(b.length, at + limit);
  for (let i = at; i < to; i++) if (b[i] === 0x0a) return i;
  return -1;
}

/**
 * Decodes the control line b[at..lf] (lf: its LF), or returns null when it
 * is not a valid line of the stream.
 */
export function decodeControl(b: Uint8Array, at: number, lf: number, stream: Stream): Control | null {
  const op = verbOf(b, at, stream);
  if (op === null) return null;
  const end = lf > at && b[lf - 1] === 0x0d ? lf - 1 : lf;
  const c: Control = {
    op,
    lineLen: lf + 1 - at,
    subject: "",
    replyTo: "",
    sid: "",
    queue: "",
    maxMsgs: -1,
    headerSize: -1,
    totalSize: -1,
    restFrom: 0,
    restTo: 0,
  };
  let i = at + op.length;
  if (op === "INFO" || op === "CONNECT" || op === "-ERR") {
    while (i < end && isBlank(b[i]!)) i++;
    c.restFrom = i;
    c.restTo = end;
    for (let k = i; k < end; k++) if (b[k]! < 0x20 && b[k] !== 0x09) return null;
    return op === "-ERR" || i < end ? c : null;
  }
  // Field offsets, in place: no array of strings until the count is right.
  const from: number[] = [], to: number[] = [];
  while (i < end) {
    const ch = b[i]!;
    if (isBlank(ch)) {
      i++;
      continue;
    }
    if (ch < 0x20 || ch === 0x7f || from.length === MAX_FIELDS) return null;
    from.push(i);
    while (i < end && !isBlank(b[i]!) && b[i]! >= 0x20 && b[i] !== 0x7f) i++;
    to.push(i);
  }
  const n = from.length;
  const f = (k: number) => text(b, from[k]!, to[k]!);
  const size = (k: number) => decimal(b, from[k]!, to[k]!);
  switch (op) {
    case "PING":
    case "PONG":
    case "+OK":
      return n === 0 ? c : null;
    case "PUB":
      if (n !== 2 && n !== 3) return null;
      c.subject = f(0);
      if (n === 3) c.replyTo = f(1);
      c.totalSize = size(n - 1);
      return c.totalSize < 0 ? null : c;
    case "HPUB":
      if (n !== 3 && n !== 4) return null;
      c.subject = f(0);
      if (n === 4) c.replyTo = f(1);
      c.headerSize = size(n - 2);
      c.totalSize = size(n - 1);
      return c.headerSize < 0 || c.totalSize < c.headerSize ? null : c;
    case "MSG":
      if (n !== 3 && n !== 4) return null;
      c.subject = f(0);
      c.sid = f(1);
      if (n === 4) c.replyTo = f(2);
      c.totalSize = size(n - 1);
      return c.totalSize < 0 ? null : c;
    case "HMSG":
      if (n !== 4 && n !== 5) return null;
      c.subject = f(0);
      c.sid = f(1);
      if (n === 5) c.replyTo = f(2);
      c.headerSize = size(n - 2);
      c.totalSize = size(n - 1);
      return c.headerSize < 0 || c.totalSize < c.headerSize ? null : c;
    case "SUB":
      if (n !== 2 && n !== 3) return null;
      c.subject = f(0);
      if (n === 3) c.queue = f(1);
      c.sid = f(n - 1);
      return c;
    case "UNSUB":
      if (n !== 1 && n !== 2) return null;
      c.sid = f(0);
      if (n === 2) {
        c.maxMsgs = size(1);
        if (c.maxMsgs < 0) return null;
      }
      return c;
  }
  return null;
}
