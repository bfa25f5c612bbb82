/**
 * Each stream's incremental HTTP/1.x state machine (RFC 9112): heads once
 * complete, then Content-Length, chunked or close-delimited bodies piece by
 * piece, keeping only the first `maxBodyBytes` of each decoded body while
 * counting every wire byte.
 *
 * @module
 */

import { type ProtocolSwitch, Stream } from "../common/parser.ts";
import { type HttpRequest, type HttpResponse, type HttpState, Mode, type Queued, type StreamState } from "./types.ts";
import { BODY, indexHead, INTERIM, NO_BODY, parseHead } from "./head.ts";
import {
  AS_OBJECTS,
  bodyText,
  materialize,
  NOT_REPEATED,
  renderBody,
  RenderedHttp,
  renderHead,
  repeatHead,
  upgradeOf,
} from "./render.ts";
import { HEX, scanSection } from "./scan.ts";
import { clearArray } from "../common/arrays.ts";
import { slab } from "../common/json_bytes.ts";

const LF = 10;
const CR = 13;
const SP = 32;
const HT = 9;
const SEMI = 59;

/** Longest chunk-size line (extensions included) accepted, in bytes. */
export const MAX_CHUNK_LINE = 4096;

/** A fresh, idle stream state. */
export function newStreamState(): StreamState {
  return {
    mode: Mode.Head,
    scanPos: 0,
    scanLine: 0,
    scanLines: 0,
    msg: null,
    startNs: 0,
    lastNs: 0,
    bytes: 0,
    remaining: 0,
    parts: [],
    borrowed: 0,
    kept: 0,
    truncated: false,
    tunnel: false,
    lastHead: null,
    heads: 0,
  };
}

/** Drop the stream's message in progress. */
export function resetStream(st: StreamState): void {
  st.mode = Mode.Head;
  st.scanPos = 0;
  st.scanLine = 0;
  st.scanLines = 0;
  st.msg = null;
  st.bytes = 0;
  st.remaining = 0;
  // The array is reused: no piece of it outlives the message's complete().
  clearArray(st.parts);
  st.borrowed = 0;
  st.kept = 0;
  st.truncated = false;
  st.tunnel = false;
}

function keep(
  state: HttpState,
  st: StreamState,
  buf: Uint8Array,
  a: number,
  n: number,
): void {
  const room = state.maxBodyBytes - st.kept;
  if (n > room) {
    st.truncated = true;
    n = room;
  }
  if (n > 0) {
    st.parts.push(buf.subarray(a, a + n));
    st.kept += n;
  }
}

/**
 * Parse the chunk-size line at `pos` into `st.remaining`: the offset of its
 * LF, 0 when it is incomplete, -1 when invalid (more than 15 hex digits,
 * which would overflow 2^60, or anything but BWS and extensions after them).
 */
function chunkLine(st: StreamState, buf: Uint8Array, pos: number): number {
  const full = pos + MAX_CHUNK_LINE;
  const lim = Math.min(buf.length, full);
  let i = pos;
  let n = 0;
  for (let h; i < lim && (h = HEX[buf[i]!]!) >= 0; i++) n = n * 16 + h;
  if (i - pos > 15) return -1;
  if (i < lim && i === pos) return -1;
  while (i < lim && (buf[i] === SP || buf[i] === HT)) i++;
  if (i < lim && buf[i] === SEMI) { while (i < lim && buf[i] !== LF) i++; }
  else if (i < lim && buf[i] === CR) i++;
  if (i === lim) return lim === full ? -1 : 0;
  if (buf[i] !== LF) return -1;
  st.remaining = n;
  return i;
}

/** Queue the stream's finished message and make the stream idle. */
function complete(state: HttpState, st: StreamState, isReq: boolean): void {
  const msg = st.msg!;
  if (msg instanceof RenderedHttp) renderBody(msg, st.parts, st.kept, st.truncated);
  else {
    msg.body = bodyText(st.parts, st.kept);
    msg.body_truncated = st.truncated;
  }
  const q = { msg, startNs: st.startNs, endNs: st.lastNs, bytes: st.bytes };
  if (isReq) state.reqQueue.push(q as Queued<HttpRequest | RenderedHttp>);
  else {
    state.respQueue.push(q as Queued<HttpResponse | RenderedHttp>);
    if (st.tunnel) {
      state.upgraded = true;
      state.switchTo = h2cUpgrade(state, msg as HttpResponse | RenderedHttp);
    }
  }
  resetStream(st);
}

/**
 * A 101 that accepts `Upgrade: h2c`: the rest of the connection is HTTP/2
 * and the request it answers becomes stream 1 (RFC 7540 §3.2).
 */
function h2cUpgrade(state: HttpState, resp: HttpResponse | RenderedHttp): ProtocolSwitch | null {
  const req = state.reqQueue[state.respQueue.length - 1];
  if (resp.status !== 101 || !req || !hasToken(upgradeOf(resp), "h2c")) return null;
  if (!hasToken(upgradeOf(req.msg), "h2c")) return null;
  return { protocol: "http2", inherited: { ...req, msg: materialize<HttpRequest>(req.msg) } };
}

function hasToken(list: string | undefined, token: string): boolean {
  return list !== undefined && list.split(",").some((t) => t.trim().toLowerCase() === token);
}

/** Consume body bytes from `pos`; returns the new offset or -1. */
function consumeBody(
  state: HttpState,
  st: StreamState,
  isReq: boolean,
  buf: Uint8Array,
  pos: number,
  endTsNs: number,
): number {
  const len = buf.length;
  const start = pos;
  for (;;) {
    const mode = st.mode;
    if (
      mode === Mode.Length || mode === Mode.ChunkData || mode === Mode.Close
    ) {
      const n = mode === Mode.Close ? len - pos : Math.min(st.remaining, len - pos);
      if (n > 0) {
        keep(state, st, buf, pos, n);
        st.bytes += n;
        pos += n;
        if (mode !== Mode.Close) st.remaining -= n;
      }
      if (mode === Mode.Close || st.remaining > 0) break;
      if (mode === Mode.ChunkData) {
        st.mode = Mode.ChunkEnd;
        continue;
      }
    } else if (mode === Mode.ChunkSize) {
      const lf = chunkLine(st, buf, pos);
      if (lf < 0) return -1;
      if (lf === 0) break;
      st.bytes += lf + 1 - pos;
      pos = lf + 1;
      st.mode = st.remaining === 0 ? Mode.Trailers : Mode.ChunkData;
      continue;
    } else if (mode === Mode.ChunkEnd) {
      if (pos >= len) break;
      const n = buf[pos] === LF ? 1 : buf[pos] !== CR ? -1 : pos + 1 >= len ? 0 : buf[pos + 1] === LF ? 2 : -1;
      if (n < 0) return -1;
      if (n === 0) break;
      st.bytes += n;
      pos += n;
      st.mode = Mode.ChunkSize;
      continue;
    } else {
      const e = scanSection(st, buf, pos, 0);
      if (e < 0) return -1;
      if (e === 0) break;
      st.bytes += e - pos;
      pos = e;
    }
    st.lastNs = endTsNs;
    complete(state, st, isReq);
    return pos;
  }
  if (pos > start) st.lastNs = endTsNs;
  return pos;
}

/** {@linkcode Parser.parseFrame} for one stream of an HTTP/1.x connection. */
export function parseStream(
  state: HttpState,
  stream: Stream,
  buf: Uint8Array,
  tsNs: number,
  endTsNs: number,
): number {
  if (state.upgraded) return buf.length;
  const isReq = stream === Stream.Request;
  const st = isReq ? state.req : state.resp;
  let pos = 0;
  if (st.msg === null) {
    if (buf.length === 0) return 0;
    // Stray CRLFs between messages are tolerated (RFC 9112 §2.2).
    if (buf[0] === LF) return 1;
    if (buf[0] === CR) return buf.length < 2 ? 0 : buf[1] === LF ? 2 : -1;
    const kind = isReq ? 1 : 2;
    let r = NOT_REPEATED;
    let end = 0;
    if (st.lastHead !== null && st.scanPos === 0) {
      r = repeatHead(state, st, isReq, buf);
      end = st.lastHead.rawLength;
    }
    if (r === NOT_REPEATED) {
      if (st.scanPos !== 0) {
        // A head split across reads: find its end first, then index it.
        const e = scanSection(st, buf, 0, kind);
        if (e <= 0) return e;
      }
      end = indexHead(st, buf, kind);
      if (end <= 0) return end;
      r = state.renderJson ? renderHead(state, st, isReq, buf, end) : AS_OBJECTS;
      if (r === AS_OBJECTS) r = parseHead(state, st, isReq, buf, end);
    }
    if (r < 0) {
      resetStream(st);
      return -1;
    }
    st.startNs = tsNs;
    st.lastNs = endTsNs;
    st.bytes = end;
    if (r === INTERIM) resetStream(st);
    else if (r === NO_BODY) complete(state, st, isReq);
    if (r !== BODY) return end;
    pos = end;
  }
  pos = consumeBody(state, st, isReq, buf, pos, endTsNs);
  if (pos < 0) {
    resetStream(st);
    return -1;
  }
  // Pieces kept from `buf` must outlive it when the message continues:
  // copied into the slab, since slice() mallocs and zeroes an ArrayBuffer
  // each (malloc, memset and free were 5% of the worker's time with 16 KiB
  // responses read 8 KiB at a time). Parser.compact moves them on.
  const parts = st.parts;
  for (let i = st.borrowed; i < parts.length; i++) parts[i] = slab.keep(parts[i]!);
  st.borrowed = parts.length;
  return pos;
}

/** {@linkcode Parser.skip} for one stream of an HTTP/1.x connection. */
export function skipStream(
  state: HttpState,
  stream: Stream,
  len: number,
  tsNs: number,
): boolean {
  if (state.upgraded || len === 0) return true;
  const isReq = stream === Stream.Request;
  const st = isReq ? state.req : state.resp;
  if (st.msg !== null) {
    const mode = st.mode;
    const sized = mode === Mode.Length || mode === Mode.ChunkData;
    if ((sized && len <= st.remaining) || mode === Mode.Close) {
      st.bytes += len;
      st.lastNs = tsNs;
      st.truncated = true;
      if (sized) st.remaining -= len;
      if (mode === Mode.Length && st.remaining === 0) {
        complete(state, st, isReq);
      } else if (mode === Mode.ChunkData && st.remaining === 0) {
        st.mode = Mode.ChunkEnd;
      }
      return true;
    }
  }
  resetStream(st);
  return false;
}

/** Complete both streams' bodies delimited by the connection's close. */
export function finishStreams(state: HttpState): void {
  if (state.resp.msg !== null && state.resp.mode === Mode.Close) {
    complete(state, state.resp, false);
  }
}
