/**
 * The request stream: client commands (sequence id 0), the handshake
 * response at connection start, and client packets that belong to the
 * response in progress (LOAD DATA LOCAL INFILE contents, authentication
 * data). Payloads are consumed packet by packet; only a bounded prefix of
 * each command is kept.
 *
 * @module
 */

import {
  COMMAND_NAMES,
  type Entry,
  HANDSHAKE,
  MAX_PACKET,
  MAX_QUEUE,
  type MysqlState,
  Phase,
  type ReqStream,
  RMode,
} from "./types.ts";
import { finishCommand, finishHandshake, isHandshakeResponse, keepCap, newEntry } from "./command.ts";

const NONE = 0;
const COMMAND = 1;
const CLIENT_DATA = 2;
const HANDSHAKE_RESPONSE = 3;

/** A fresh, idle request stream. */
export function newReqStream(): ReqStream {
  return {
    left: 0,
    more: false,
    seq: 0,
    kind: NONE,
    entry: null,
    keep: null,
    kept: 0,
    total: 0,
    lost: false,
  };
}

/** Drop the request stream's message in progress. */
export function resetReq(st: ReqStream): void {
  st.left = 0;
  st.more = false;
  st.kind = NONE;
  st.entry = null;
  st.keep = null;
  st.kept = 0;
  st.total = 0;
  st.lost = false;
}

/** The logical message ends with the current packet. */
function endMessage(state: MysqlState, st: ReqStream): boolean {
  const kind = st.kind;
  const e = st.entry!;
  const keep = st.keep;
  const p = keep === null ? new Uint8Array(0) : keep.subarray(0, st.kept);
  const total = st.total;
  const complete = !st.lost && st.kept === total;
  resetReq(st);
  if (kind === COMMAND) {
    finishCommand(state, e, p, total, complete, true);
    state.queue.push(e);
  } else if (kind === HANDSHAKE_RESPONSE) {
    finishHandshake(state, e, p);
  }
  return kind !== CLIENT_DATA;
}

/**
 * Start the logical message whose first packet header is at `pos`.
 * Returns the bytes consumed (header, and the whole packet on the fast
 * path), 0 when more bytes are needed, -1 when invalid.
 */
function start(
  state: MysqlState,
  st: ReqStream,
  b: Uint8Array,
  pos: number,
  ts: number,
  endTs: number,
): number {
  const avail = b.length - pos;
  const len = b[pos]! | (b[pos + 1]! << 8) | (b[pos + 2]! << 16);
  const seq = b[pos + 3]!;
  const r = state.resp;
  if (
    r.entry !== null && (r.mode === RMode.Auth || r.mode === RMode.Infile) &&
    seq === r.nextSeq
  ) {
    // The client answers the server: file contents or authentication data.
    const e = r.entry;
    r.nextSeq = (seq + 1) & 255;
    if (r.mode === RMode.Infile && len === 0) r.mode = RMode.First;
    e.bytes += 4;
    e.endNs = endTs;
    st.kind = CLIENT_DATA;
    st.entry = e;
    st.seq = seq;
    st.left = len;
    st.more = len === MAX_PACKET;
    return 4;
  }
  let e: Entry;
  if (seq === 0) {
    if (len === 0) return -1;
    if (avail < 5) return 0;
    const cmd = b[pos + 4]!;
    const name = COMMAND_NAMES.get(cmd);
    if (name === undefined || state.queue.length >= MAX_QUEUE) return -1;
    e = newEntry(cmd, name, ts);
    e.endNs = endTs;
    if (len < MAX_PACKET && avail >= 4 + len) {
      // Fast path: the whole command is here; read it in place.
      const p = b.subarray(pos + 4, pos + 4 + len);
      e.bytes = 4 + len;
      finishCommand(state, e, p, len, true, false);
      state.queue.push(e);
      return 4 + len;
    }
    st.kind = COMMAND;
  } else {
    const h = isHandshakeResponse(b, pos, avail);
    if (h <= 0) return h;
    if (state.queue.length >= MAX_QUEUE) return -1;
    e = newEntry(HANDSHAKE, "HANDSHAKE", ts);
    e.endNs = endTs;
    st.kind = HANDSHAKE_RESPONSE;
  }
  const cap = Math.min(keepCap(state, e.cmd), len);
  st.keep = cap > 0 ? new Uint8Array(cap) : null;
  st.kept = 0;
  st.total = 0;
  st.lost = false;
  st.entry = e;
  st.seq = seq;
  st.left = len;
  st.more = len === MAX_PACKET;
  e.bytes = 4;
  return 4;
}

/** {@linkcode Parser.parseFrame} for the request stream. */
export function parseRequest(
  state: MysqlState,
  b: Uint8Array,
  ts: number,
  endTs: number,
): number {
  if (state.phase === Phase.Opaque) return b.length;
  const st = state.req;
  const len = b.length;
  let pos = 0;
  while (pos < len) {
    if (st.left > 0) {
      const n = Math.min(st.left, len - pos);
      const keep = st.keep;
      if (keep !== null && !st.lost && st.kept < keep.length) {
        const k = Math.min(n, keep.length - st.kept);
        keep.set(b.subarray(pos, pos + k), st.kept);
        st.kept += k;
      }
      st.total += n;
      st.left -= n;
      pos += n;
      const e = st.entry!;
      e.bytes += n;
      e.endNs = endTs;
      if (st.left > 0) break;
      if (!st.more && endMessage(state, st)) return pos;
      continue;
    }
    if (len - pos < 4) break;
    const plen = b[pos]! | (b[pos + 1]! << 8) | (b[pos + 2]! << 16);
    if (st.kind !== NONE) {
      // Continuation of a payload of 16 MiB or more.
      const seq = b[pos + 3]!;
      if (seq !== ((st.seq + 1) & 255)) return pos > 0 ? pos : -1;
      st.seq = seq;
      st.more = plen === MAX_PACKET;
      st.left = plen;
      const e = st.entry!;
      if (st.kind === CLIENT_DATA) state.resp.nextSeq = (seq + 1) & 255;
      else e.lastSeq = seq;
      e.bytes += 4;
      e.endNs = endTs;
      pos += 4;
      if (plen === 0 && !st.more && endMessage(state, st)) return pos;
      continue;
    }
    // A message starting mid-buffer is parsed in the next call, whose tsNs
    // is the time of the read that carried its first byte.
    if (pos > 0) return pos;
    const n = start(state, st, b, pos, ts, endTs);
    if (n <= 0) return n;
    pos += n;
    if (st.kind === NONE) return pos;
    if (st.left === 0 && !st.more && endMessage(state, st)) return pos;
  }
  return pos;
}

/** {@linkcode Parser.skip} for the request stream. */
export function skipRequest(
  state: MysqlState,
  len: number,
  ts: number,
): boolean {
  if (state.phase === Phase.Opaque || len === 0) return true;
  const st = state.req;
  if (st.kind !== NONE && st.left >= len) {
    st.left -= len;
    st.total += len;
    st.lost = true;
    const e = st.entry!;
    e.bytes += len;
    e.endNs = ts;
    if (st.left === 0 && !st.more) endMessage(state, st);
    return true;
  }
  resetReq(st);
  return false;
}
