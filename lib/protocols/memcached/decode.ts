/**
 * Each stream's incremental memcached decoder: lines, and data blocks of
 * known length (storage commands, `ms`, `VALUE` items, `VA`) consumed piece
 * by piece, so the tracker never holds more than one line. Only the first
 * `maxBodyBytes` of each response value are kept; request data blocks are
 * counted, not kept.
 *
 * @module
 */

import { Stream } from "../common/parser.ts";
import { CR, isLine, LF, MAX_LINE, text } from "./bytes.ts";
import { blockData, startBlock } from "./block.ts";
import { binaryStep, binEnd, binResult } from "./binary_decode.ts";
import { expected, onResponse, queueRequest } from "./pair.ts";
import { parseCommand } from "./request.ts";
import { Line, out, responseLine } from "./response.ts";
import { Mode } from "./types.ts";
import type { McRequest, McResponse, McState, StreamState } from "./types.ts";

/** Longest key kept (memcached's own limit). */
const KEY_MAX = 250;

/** A fresh, idle stream state. */
export function newStreamState(): StreamState {
  return {
    active: false,
    startNs: 0,
    lastNs: 0,
    bytes: 0,
    scanned: 0,
    dataLeft: -1,
    crlfLeft: 0,
    keep: null,
    kept: 0,
    cut: false,
    req: null,
    resp: null,
    value: null,
    multi: false,
    bin: null,
  };
}

/** Drops the stream's message in progress. */
export function resetStream(st: StreamState): void {
  st.active = false;
  st.bytes = 0;
  st.scanned = 0;
  st.dataLeft = -1;
  st.crlfLeft = 0;
  st.keep = null;
  st.kept = 0;
  st.cut = false;
  st.req = null;
  st.resp = null;
  st.value = null;
  st.multi = false;
  st.bin = null;
}

/** Queue the stream's complete message; false when pairing was abandoned (queue full). */
export function complete(state: McState, st: StreamState, isReq: boolean, endNs: number): boolean {
  const q = { startNs: st.startNs, endNs, bytes: st.bytes };
  let ok = true;
  if (isReq) ok = queueRequest(state, { msg: st.req as McRequest, ...q });
  else onResponse(state, { msg: st.resp as McResponse, ...q });
  resetStream(st);
  return ok;
}

/**
 * A data block ended: its text goes where it belongs. True when that ends
 * the message (a request's block, `VA`), false when lines follow (`VALUE`).
 */
function endBlock(st: StreamState, isReq: boolean): boolean {
  st.dataLeft = -1;
  if (isReq) return true;
  const keep = st.keep;
  const value = keep === null ? "" : text(keep, 0, st.kept);
  const target = st.value ?? st.resp!;
  const size = st.value ? st.value.size : st.resp!.value_size!;
  target.value = value;
  if (st.cut || st.kept < size) target.truncated = true;
  st.keep = null;
  const wasItem = st.value !== null;
  st.value = null;
  return !wasItem;
}

/** Set by {@linkcode textStep}: the message in `st` is complete. */
const textResult: { done: boolean } = { done: false };

/** Consume one text or meta message (or part of it) from `buf`; the bytes consumed or -1. */
function textStep(state: McState, st: StreamState, isReq: boolean, buf: Uint8Array): number {
  textResult.done = false;
  const len = buf.length;
  let pos = 0;
  for (;;) {
    if (st.dataLeft >= 0) {
      pos = blockData(st, buf, pos);
      if (pos < 0) break;
      if (st.dataLeft > 0 || st.crlfLeft > 0) break;
      if (endBlock(st, isReq)) {
        textResult.done = true;
        break;
      }
      continue;
    }
    if (pos >= len) break;
    const lf = buf.indexOf(LF, pos === 0 ? st.scanned : pos);
    if (lf < 0 || lf - pos > MAX_LINE) {
      if (len - pos > MAX_LINE) pos = -1;
      else st.scanned = len - pos;
      break;
    }
    st.scanned = 0;
    const e = lf > pos && buf[lf - 1] === CR ? lf - 1 : lf;
    if (!isLine(buf, pos, e)) {
      pos = -1;
      break;
    }
    const line = text(buf, pos, e);
    pos = lf + 1;
    if (isReq) {
      const p = parseCommand(line, KEY_MAX);
      st.req = p.req;
      if (p.block >= 0) {
        startBlock(state, st, p.block, false);
        continue;
      }
      textResult.done = true;
      break;
    }
    const r = responseLine(st, line, expected(state));
    if (r === Line.Invalid) {
      pos = -1;
      break;
    }
    if (out.block >= 0) {
      startBlock(state, st, out.block, true);
      st.value = out.value;
      out.value = null;
    }
    if (r === Line.Done) {
      textResult.done = true;
      break;
    }
  }
  return pos;
}

/** {@linkcode Parser.parseFrame} for one stream of a memcached connection: at most one message per call. */
export function parseStream(
  state: McState,
  stream: Stream,
  buf: Uint8Array,
  tsNs: number,
  endTsNs: number,
): number {
  if (state.lost) return -1;
  const len = buf.length;
  if (len === 0) return 0;
  // After `watch`, log lines until the kernel stops sending: nothing to pair.
  if (state.watching) return len;
  const isReq = stream === Stream.Request;
  const st = isReq ? state.req : state.resp;
  if (state.mode === Mode.Unknown) state.mode = buf[0] === (isReq ? 0x80 : 0x81) ? Mode.Binary : Mode.Text;
  let pos = 0;
  let done = false;
  if (state.mode === Mode.Binary) {
    pos = binaryStep(state, st, isReq, buf);
    done = binResult.done;
  } else {
    pos = textStep(state, st, isReq, buf);
    done = textResult.done;
  }
  if (pos < 0) {
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
  if (done && !complete(state, st, isReq, endTsNs)) return -1;
  return pos;
}

/** {@linkcode Parser.skip} for one stream: bytes missing inside a data block are absorbed. */
export function skipStream(state: McState, stream: Stream, len: number, tsNs: number): boolean {
  if (len === 0) return true;
  const isReq = stream === Stream.Request;
  const st = isReq ? state.req : state.resp;
  if (state.lost || !st.active || st.dataLeft < 0 || len > st.dataLeft + st.crlfLeft) {
    resetStream(st);
    return false;
  }
  const d = Math.min(len, st.dataLeft);
  st.dataLeft -= d;
  st.crlfLeft -= len - d;
  st.bytes += len;
  st.lastNs = tsNs;
  st.cut = true;
  // Later pieces would not follow the kept ones: keep no more.
  if (st.keep !== null) st.keep = st.keep.subarray(0, st.kept);
  const ended = st.dataLeft === 0 && st.crlfLeft === 0 &&
    (state.mode === Mode.Binary ? binEnd(st, isReq) : endBlock(st, isReq));
  if (ended) {
    if (!complete(state, st, isReq, tsNs)) state.lost = true;
  }
  return true;
}
