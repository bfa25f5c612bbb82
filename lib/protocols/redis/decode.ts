/**
 * Each stream's incremental RESP2/RESP3 decoder. Values are consumed one
 * element at a time, bulk strings piece by piece, so the tracker never
 * holds more than one line or one unfinished bulk piece; only what is
 * printed is decoded (strings cut at `maxBodyBytes`, {@linkcode MAX_ITEMS}
 * elements per aggregate, {@linkcode MAX_NODES} values per reply).
 *
 * The request stream accepts what redis-server does: an array of bulk
 * strings, or an inline command line.
 *
 * @module
 */

import { Stream } from "../common/parser.ts";
import { CR, LF, MAX_LINE, T } from "./bytes.ts";
import { endBulk, line } from "./element.ts";
import { onResponse } from "./pair.ts";
import { finishRequest, parseInline } from "./request.ts";
import { resetStream, result } from "./tree.ts";
import type { RedisReplyType, RedisState, StreamState } from "./types.ts";

export { newStreamState, resetStream } from "./tree.ts";

/** Reply type names by type byte. */
const TYPES: Record<number, RedisReplyType> = {
  [T.Simple]: "string",
  [T.Error]: "error",
  [T.Integer]: "integer",
  [T.Bulk]: "bulk",
  [T.Null]: "nil",
  [T.Array]: "array",
  [T.Map]: "map",
  [T.Set]: "set",
  [T.Double]: "double",
  [T.Boolean]: "boolean",
  [T.BigNumber]: "bignum",
  [T.BulkError]: "error",
  [T.Verbatim]: "verbatim",
  [T.Push]: "push",
};

/** Queue the complete message in `st`, then make the stream idle. */
function complete(
  state: RedisState,
  st: StreamState,
  isReq: boolean,
  endNs: number,
): void {
  result.done = false;
  const v = result.value;
  result.value = null;
  if (isReq) {
    const argc = st.topCount;
    result.queued = finishRequest(
      state,
      st,
      v as string[],
      argc,
      st.startNs,
      endNs,
      st.bytes,
    );
  } else {
    const type = TYPES[st.topType] ?? "nil";
    const msg = st.trunc ? { type, value: v, truncated: true as const } : { type, value: v };
    const r = { msg, startNs: st.startNs, endNs, bytes: st.bytes };
    onResponse(state, r, { agg: st.topType, count: st.topCount, kw: st.kw });
  }
  resetStream(st);
}

/** Consume bulk string data and its CRLF from `buf[pos]`; the new offset or -1. */
function bulkData(
  state: RedisState,
  st: StreamState,
  isReq: boolean,
  buf: Uint8Array,
  pos: number,
): number {
  const n = Math.min(st.bulkLeft, buf.length - pos);
  const kb = st.bulkBuf;
  if (kb !== null && st.bulkKept < kb.length) {
    const k = Math.min(n, kb.length - st.bulkKept);
    kb.set(buf.subarray(pos, pos + k), st.bulkKept);
    st.bulkKept += k;
  }
  st.bulkLeft -= n;
  pos += n;
  while (st.bulkLeft === 0 && st.bulkCrlf > 0 && pos < buf.length) {
    if (buf[pos] !== (st.bulkCrlf === 2 ? CR : LF)) return -1;
    pos++;
    st.bulkCrlf--;
  }
  if (st.bulkLeft === 0 && st.bulkCrlf === 0) endBulk(state, st, isReq);
  return pos;
}

/** {@linkcode Parser.parseFrame} for one stream of a Redis connection. */
export function parseStream(
  state: RedisState,
  stream: Stream,
  buf: Uint8Array,
  tsNs: number,
  endTsNs: number,
): number {
  if (state.lost) return -1;
  const isReq = stream === Stream.Request;
  const st = isReq ? state.req : state.resp;
  const len = buf.length;
  if (len === 0) return 0;
  if (isReq && !st.active && buf[0] !== T.Array) {
    return parseInline(state, st, buf, tsNs, endTsNs);
  }
  let pos = 0;
  result.done = false;
  while (!result.done) {
    if (st.bulkLeft >= 0) {
      pos = bulkData(state, st, isReq, buf, pos);
      if (pos < 0) break;
      if (st.bulkLeft >= 0) break;
      continue;
    }
    if (pos >= len) break;
    const lf = buf.indexOf(LF, pos === 0 ? st.scanned : pos);
    if (lf < 0 || lf - pos > MAX_LINE) {
      if (len - pos > MAX_LINE) {
        pos = -1;
        break;
      }
      st.scanned = len - pos;
      break;
    }
    st.scanned = 0;
    if (lf === pos || buf[lf - 1] !== CR) {
      pos = -1;
      break;
    }
    const at = line(state, st, isReq, buf, pos, lf - 1);
    if (at === -2) {
      // An empty request array: nothing to queue or answer.
      resetStream(st);
      return lf + 1;
    }
    pos = at;
    if (pos < 0) break;
  }
  if (pos < 0) {
    result.done = false;
    resetStream(st);
    return -1;
  }
  if (pos > 0) {
    if (!st.active) {
      st.active = true;
      st.startNs = tsNs;
    }
    st.bytes += pos;
    st.lastNs = endTsNs;
  }
  if (result.done) {
    complete(state, st, isReq, endTsNs);
    // The queue overflowed and pairing was abandoned: make the tracker resync.
    if (!result.queued) {
      result.queued = true;
      pos = -1;
    }
  }
  return pos;
}

/** {@linkcode Parser.skip} for one stream of a Redis connection. */
export function skipStream(
  state: RedisState,
  stream: Stream,
  len: number,
  tsNs: number,
): boolean {
  if (len === 0) return true;
  const isReq = stream === Stream.Request;
  const st = isReq ? state.req : state.resp;
  if (
    state.lost || !st.active || st.bulkLeft < 0 ||
    len > st.bulkLeft + st.bulkCrlf
  ) {
    resetStream(st);
    return false;
  }
  // Inside a bulk string of known length: the missing bytes are its data.
  const d = Math.min(len, st.bulkLeft);
  st.bulkLeft -= d;
  st.bulkCrlf -= len - d;
  st.bytes += len;
  st.lastNs = tsNs;
  st.trunc = true;
  // Later pieces would not follow the kept ones: keep no more.
  if (st.bulkBuf !== null) st.bulkBuf = st.bulkBuf.subarray(0, st.bulkKept);
  if (st.bulkLeft === 0 && st.bulkCrlf === 0) {
    result.done = false;
    endBulk(state, st, isReq);
    if (result.done) complete(state, st, isReq, tsNs);
    if (!result.queued) {
      result.queued = true;
      state.lost = true;
    }
  }
  return true;
}
