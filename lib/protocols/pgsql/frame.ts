/**
 * Message framing of both streams: every message is a type byte and a
 * 4-byte big-endian length that counts itself (untagged startup messages
 * have the length only). Whole messages are decoded in place; a message not
 * whole in the buffer is consumed piece by piece, keeping only the first
 * bytes of the ones whose content gets printed, so neither the tracker nor
 * the parser ever holds a large message. DataRows are only counted.
 *
 * @module
 */

import { Stream } from "../common/parser.ts";
import { onRequest } from "./request.ts";
import { onResponse } from "./response.ts";
import type { PgsqlState, Progress } from "./types.ts";
import { BACKEND, CANCEL_CODE, FRONTEND, GSS_CODE, MAX_STARTUP, SSL_CODE, u32, validLength } from "./wire.ts";

const D = 0x44, d = 0x64, N = 0x4e, S = 0x53, G = 0x47, TLS_HANDSHAKE = 0x16;

/** Extra bytes kept beyond maxBodyBytes for names, formats and lengths. */
const KEEP_SLACK = 4096;

/** A fresh, idle progress. */
export function newProgress(): Progress {
  return {
    tag: -1,
    total: 0,
    got: 0,
    keep: null,
    kept: 0,
    startNs: 0,
    lastNs: 0,
    lost: false,
  };
}

/** Drop the message in progress. */
export function resetProgress(p: Progress): void {
  p.tag = -1;
  p.total = p.got = p.kept = 0;
  p.keep = null;
  p.lost = false;
}

/** Whether an untagged message with length `len` and code `code` is valid. */
export function validUntagged(len: number, code: number): boolean {
  if (code === SSL_CODE || code === GSS_CODE) return len === 8;
  if (code === CANCEL_CODE) return len === 16;
  // Protocol 3.x StartupMessage: user name and options at least.
  return code >>> 16 === 3 && len > 8 && len <= MAX_STARTUP;
}

/** 1 for message types whose content is decoded: [frontend, backend]. */
const DECODED = [new Uint8Array(256), new Uint8Array(256)] as const;
for (const c of "\0QPBEDCF") DECODED[0][c.charCodeAt(0)] = 1;
for (const c of "CE") DECODED[1][c.charCodeAt(0)] = 1;

/** Bytes of a message's start worth keeping: those whose content is decoded. */
function keepFor(
  s: PgsqlState,
  isReq: boolean,
  tag: number,
  total: number,
): number {
  if (!DECODED[isReq ? 0 : 1][tag]) return 0;
  return Math.min(total, s.maxBodyBytes + KEEP_SLACK);
}

function complete(s: PgsqlState, p: Progress, isReq: boolean): void {
  const tag = p.tag, total = p.total;
  if (!isReq && (tag === D || tag === d)) {
    if (tag === D) s.foldRows++;
    s.foldBytes += total;
  } else {
    const keep = p.keep ?? new Uint8Array(0);
    const hdr = tag === 0 ? 4 : 5;
    const e = Math.max(hdr, p.kept);
    if (isReq) {
      onRequest(
        s,
        tag,
        keep,
        hdr,
        e,
        p.kept === total && !p.lost,
        p.startNs,
        p.lastNs,
        total,
      );
    } else onResponse(s, tag, keep, hdr, e, p.startNs, p.lastNs, total);
  }
  resetProgress(p);
}

/** Consume up to the end of the message in progress. */
function resume(
  s: PgsqlState,
  p: Progress,
  isReq: boolean,
  buf: Uint8Array,
  endTsNs: number,
): number {
  const n = Math.min(buf.length, p.total - p.got);
  const keep = p.keep;
  if (keep !== null && !p.lost && p.kept < keep.length) {
    const c = Math.min(n, keep.length - p.kept);
    keep.set(buf.subarray(0, c), p.kept);
    p.kept += c;
  }
  p.got += n;
  p.lastNs = endTsNs;
  if (p.got === p.total) complete(s, p, isReq);
  return n;
}

/** Start consuming a message that is not whole in `buf`. */
function begin(
  s: PgsqlState,
  p: Progress,
  isReq: boolean,
  tag: number,
  total: number,
  buf: Uint8Array,
  tsNs: number,
  endTsNs: number,
): number {
  p.tag = tag;
  p.total = total;
  p.startNs = tsNs;
  const k = keepFor(s, isReq, tag, total);
  p.keep = k > 0 ? new Uint8Array(k) : null;
  return resume(s, p, isReq, buf, endTsNs);
}

/** Count a run of DataRow/CopyData messages. */
function fold(
  s: PgsqlState,
  buf: Uint8Array,
  tsNs: number,
  endTsNs: number,
): number {
  let pos = 0;
  const len = buf.length;
  while (pos + 5 <= len) {
    const tag = buf[pos]!;
    if (tag !== D && tag !== d) break;
    const l = u32(buf, pos + 1);
    if (!validLength(1, tag, l)) return pos > 0 ? pos : -1;
    if (s.foldStartNs < 0) s.foldStartNs = tsNs;
    if (pos + l + 1 > len) {
      return pos +
        begin(s, s.be, false, tag, l + 1, buf.subarray(pos), tsNs, endTsNs);
    }
    if (tag === D) s.foldRows++;
    s.foldBytes += l + 1;
    pos += l + 1;
  }
  return pos;
}

function parseRequest(
  s: PgsqlState,
  buf: Uint8Array,
  tsNs: number,
  endTsNs: number,
): number {
  const p = s.fe;
  if (p.tag >= 0) return resume(s, p, true, buf, endTsNs);
  const len = buf.length;
  if (len === 0) return 0;
  const tag = buf[0]!;
  let total: number;
  if (tag === 0) {
    if (!s.startup) return -1;
    if (len < 8) return 0;
    total = u32(buf, 0);
    if (!validUntagged(total, u32(buf, 4))) return -1;
  } else {
    // A TLS ClientHello after an SSLRequest whose answer we have not seen.
    if (tag === TLS_HANDSHAKE && s.negotiating === 1) {
      return (s.encrypted = true), len;
    }
    if (!FRONTEND[tag]) return -1;
    if (len < 5) return 0;
    const l = u32(buf, 1);
    if (!validLength(0, tag, l)) return -1;
    total = l + 1;
  }
  if (total > len) return begin(s, p, true, tag, total, buf, tsNs, endTsNs);
  onRequest(s, tag, buf, tag === 0 ? 4 : 5, total, true, tsNs, endTsNs, total);
  return total;
}

function parseResponse(
  s: PgsqlState,
  buf: Uint8Array,
  tsNs: number,
  endTsNs: number,
): number {
  const p = s.be;
  if (p.tag >= 0) return resume(s, p, false, buf, endTsNs);
  const len = buf.length;
  if (len === 0) return 0;
  const tag = buf[0]!;
  if (s.negotiating !== 0) {
    // The one-byte answer to SSLRequest/GSSENCRequest.
    if (tag === N) return (s.negotiating = 0), 1;
    if (tag === S || tag === G) {
      return (s.negotiating = 0), (s.encrypted = true), len;
    }
    s.negotiating = 0;
  }
  if (!BACKEND[tag]) return -1;
  if (len < 5) return 0;
  const l = u32(buf, 1);
  if (!validLength(1, tag, l)) return -1;
  if (tag === D || tag === d) return fold(s, buf, tsNs, endTsNs);
  if (l + 1 > len) return begin(s, p, false, tag, l + 1, buf, tsNs, endTsNs);
  onResponse(s, tag, buf, 5, l + 1, tsNs, endTsNs, l + 1);
  return l + 1;
}

/** {@linkcode Parser.parseFrame} for PostgreSQL. */
export function parseFrame(
  s: PgsqlState,
  stream: Stream,
  buf: Uint8Array,
  tsNs: number,
  endTsNs: number,
): number {
  if (s.encrypted) return buf.length;
  return stream === Stream.Request ? parseRequest(s, buf, tsNs, endTsNs) : parseResponse(s, buf, tsNs, endTsNs);
}

/** {@linkcode Parser.skip}: lost bytes inside a message are absorbed. */
export function skip(
  s: PgsqlState,
  stream: Stream,
  len: number,
  tsNs: number,
): boolean {
  if (s.encrypted || len === 0) return true;
  const isReq = stream === Stream.Request;
  const p = isReq ? s.fe : s.be;
  if (p.tag >= 0 && len <= p.total - p.got) {
    p.got += len;
    p.lost = true;
    p.lastNs = tsNs;
    if (p.got === p.total) complete(s, p, isReq);
    return true;
  }
  resetProgress(p);
  if (!isReq) resetFold(s);
  return false;
}

/** Forget DataRows counted since the last token. */
export function resetFold(s: PgsqlState): void {
  s.foldRows = s.foldBytes = 0;
  s.foldStartNs = -1;
}
