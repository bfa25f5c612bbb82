/**
 * The response stream: packet framing, binding each response to the
 * oldest command still waiting for one, and completing responses. Rows and
 * definitions are consumed as they arrive, so a result set of any size
 * costs no memory; only OK/ERR/EOF/count packets are read.
 *
 * @module
 */

import {
  CLIENT_COMPRESS,
  CLIENT_ZSTD_COMPRESSION,
  type Entry,
  HANDSHAKE,
  MAX_PACKET,
  type MysqlState,
  Phase,
  type RespStream,
  RMode,
} from "./types.ts";
import { isTextByte, le16 } from "./wire.ts";
import { INFO_CAP, initialMode, needFor, onPacket } from "./result.ts";

/** A fresh, idle response stream. */
export function newRespStream(): RespStream {
  return {
    left: 0,
    more: false,
    nextSeq: 0,
    entry: null,
    mode: RMode.First,
    defs: 0,
    prepCols: 0,
    final: false,
    resp: { status: "ok" },
    rows: 0,
    resultSets: 0,
    startNs: 0,
    lastNs: 0,
    bytes: 0,
    eofSeq: -1,
  };
}

/** Drop the response in progress; its command stays bound but unanswered. */
export function resetResp(st: RespStream): void {
  st.left = 0;
  st.more = false;
  st.entry = null;
  st.mode = RMode.First;
  st.final = false;
  st.eofSeq = -1;
}

/** The oldest queued command that expects a response and has none yet. */
export function nextUnbound(state: MysqlState): Entry | null {
  for (const e of state.queue) if (!e.noResp && !e.bound) return e;
  return null;
}

/**
 * Capabilities of a server greeting (protocol 10) in `b[p, e)`, or -1 when
 * it is not one: a printable version string ending in NUL, then the thread
 * id, 8 bytes of scramble and a zero filler.
 */
export function greetingCaps(b: Uint8Array, p: number, e: number): number {
  if (p >= e || b[p] !== 0x0a) return -1;
  let i = p + 1;
  const limit = Math.min(e, p + 1 + 256);
  while (i < limit && b[i] !== 0 && isTextByte(b[i]!)) i++;
  if (i === p + 1 || i >= limit || b[i] !== 0) return -1;
  i += 1 + 4 + 8;
  if (i + 3 > e || b[i] !== 0) return -1;
  const lo = le16(b, i + 1);
  return i + 8 <= e ? (lo | (le16(b, i + 6) << 16)) >>> 0 : lo;
}

function complete(state: MysqlState, st: RespStream): void {
  const e = st.entry;
  if (e !== null) {
    const r = st.resp;
    if (st.resultSets > 0) {
      if (r.status !== "error") r.status = "resultset";
      if (r.status === "resultset" || st.rows > 0) r.rows = st.rows;
      if (st.resultSets > 1) r.result_sets = st.resultSets;
    }
    e.resp = r;
    e.respStartNs = st.startNs;
    e.respEndNs = st.lastNs;
    e.respBytes = st.bytes;
    e.done = true;
    if (e.cmd === HANDSHAKE && r.status === "ok") {
      // A compressed protocol starts after the handshake: opaque to us.
      const eff = state.clientCaps &
        (state.serverCaps >= 0 ? state.serverCaps : -1);
      if ((eff & (CLIENT_COMPRESS | CLIENT_ZSTD_COMPRESSION)) !== 0) {
        state.phase = Phase.Opaque;
      }
    }
  }
  const eofSeq = st.eofSeq;
  resetResp(st);
  st.eofSeq = eofSeq;
}

/**
 * Interpret the packet header at `pos`: bind a new response when none is in
 * progress, check the sequence id and read the packet. Returns 1 when the
 * header may be consumed, 0 when more bytes are needed, -1 when invalid.
 */
function header(
  state: MysqlState,
  st: RespStream,
  b: Uint8Array,
  pos: number,
  ts: number,
): number {
  const len = b[pos]! | (b[pos + 1]! << 8) | (b[pos + 2]! << 16);
  const seq = b[pos + 3]!;
  const avail = b.length - pos - 4;
  if (len > 0 && avail < 1) return 0;
  const p = pos + 4;
  const c = len > 0 ? b[p]! : -1;
  let e = st.entry;
  let mode = st.mode;
  if (e === null) {
    if (seq === st.eofSeq && c === 0xfe && len <= 5) {
      // The EOF that closes the previous COM_STMT_PREPARE response.
      state.deprecateEof = 0;
      st.eofSeq = -1;
      st.final = true;
      return 1;
    }
    st.eofSeq = -1;
    e = nextUnbound(state);
    if (e === null) {
      if (seq !== 0 || c !== 0x0a) return -1;
      const need = Math.min(len, INFO_CAP);
      if (avail < need) return 0;
      const caps = greetingCaps(b, p, p + need);
      if (caps < 0) return -1;
      state.serverCaps = caps;
      st.final = true;
      return 1;
    }
    if (e.startNs > ts || seq !== ((e.lastSeq + 1) & 255)) return -1;
    mode = initialMode(e.cmd);
  } else if (seq !== st.nextSeq) return -1;
  const need = needFor(mode, c, len);
  if (avail < need) return 0;
  if (st.entry === null) {
    e.bound = true;
    st.entry = e;
    st.mode = mode;
    st.resp = { status: "ok" };
    st.rows = 0;
    st.resultSets = 0;
    st.startNs = ts;
    st.bytes = 0;
  }
  st.nextSeq = (seq + 1) & 255;
  return onPacket(state, st, b, p, p + need, len);
}

/**
 * A COM_STMT_PREPARE response seems complete but the EOF mode is unknown:
 * when its 5-byte EOF is already here, it belongs to the response.
 */
function trailingEof(
  state: MysqlState,
  st: RespStream,
  b: Uint8Array,
  pos: number,
): boolean {
  if (st.eofSeq < 0 || pos + 5 > b.length) return false;
  const len = b[pos]! | (b[pos + 1]! << 8) | (b[pos + 2]! << 16);
  if (len !== 5 || b[pos + 3] !== st.eofSeq || b[pos + 4] !== 0xfe) return false;
  state.deprecateEof = 0;
  st.eofSeq = -1;
  st.final = false;
  st.mode = RMode.PrepColsEof;
  return true;
}

/** {@linkcode Parser.parseFrame} for the response stream. */
export function parseResponse(
  state: MysqlState,
  b: Uint8Array,
  ts: number,
  endTs: number,
): number {
  if (state.phase === Phase.Opaque) return b.length;
  const st = state.resp;
  const len = b.length;
  let pos = 0;
  while (pos < len) {
    if (st.left > 0) {
      const n = Math.min(st.left, len - pos);
      st.left -= n;
      st.bytes += n;
      st.lastNs = endTs;
      pos += n;
      if (st.left > 0) break;
      if (!st.more && st.final) {
        if (trailingEof(state, st, b, pos)) continue;
        complete(state, st);
        return pos;
      }
      continue;
    }
    if (len - pos < 4) break;
    const plen = b[pos]! | (b[pos + 1]! << 8) | (b[pos + 2]! << 16);
    if (st.more) {
      // Continuation of a packet of 16 MiB or more: not a new packet.
      if (b[pos + 3] !== st.nextSeq) return pos > 0 ? pos : -1;
      st.nextSeq = (st.nextSeq + 1) & 255;
    } else {
      // A response starting mid-buffer is parsed in the next call, whose
      // tsNs is the time of the read that carried its first byte.
      if (st.entry === null && pos > 0) return pos;
      const r = header(state, st, b, pos, ts);
      if (r === 0) break;
      if (r < 0) {
        if (st.entry === null) state.orphanResponses++;
        return pos > 0 ? pos : -1;
      }
    }
    st.more = plen === MAX_PACKET;
    st.left = plen;
    st.bytes += 4;
    st.lastNs = endTs;
    pos += 4;
    if (plen === 0 && !st.more && st.final) {
      complete(state, st);
      return pos;
    }
  }
  return pos;
}

/** {@linkcode Parser.skip} for the response stream. */
export function skipResponse(
  state: MysqlState,
  len: number,
  ts: number,
): boolean {
  if (state.phase === Phase.Opaque || len === 0) return true;
  const st = state.resp;
  if (st.left >= len) {
    st.left -= len;
    st.bytes += len;
    st.lastNs = ts;
    if (st.left === 0 && !st.more && st.final) complete(state, st);
    return true;
  }
  dropResponse(state);
  return false;
}

/** Forget the response in progress and the command it answers (counted). */
export function dropResponse(state: MysqlState): void {
  const e = state.resp.entry;
  if (e !== null) {
    const i = state.queue.indexOf(e);
    if (i >= 0) state.queue.splice(i, 1);
    state.droppedRequests++;
  }
  resetResp(state.resp);
}
