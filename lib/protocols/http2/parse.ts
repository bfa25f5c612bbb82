/**
 * HTTP/2 frame-by-frame parsing of one direction (RFC 9113 §4–6).
 *
 * Control frames and header blocks are consumed whole; DATA payloads (and
 * frames we ignore) are consumed piece by piece so a large body never has to
 * sit in the tracker's buffer.
 *
 * @module
 */
import { Stream } from "../common/parser.ts";
import { errorName, Flag, FrameType, PREFACE, readFrameHeader, readU32 } from "./frame.ts";
import type { DirState, Http2State, PendingBlock } from "./types.ts";
import { appendBody, applyHeaders, complete, endHalf, skipBody, streamFor, touch } from "./streams.ts";
import { HpackDecoder } from "./hpack.ts";

/** A header block (HEADERS + CONTINUATION) larger than this is refused. */
const MAX_BLOCK_BYTES = 512 * 1024;
const SETTINGS_HEADER_TABLE_SIZE = 1;

/** The HPACK state of both directions can no longer be trusted. */
export function loseSync(state: Http2State): void {
  for (const d of state.dirs) d.decoder.loseSync();
}

/** Implements Parser.parseFrame for HTTP/2. */
export function parseFrame(state: Http2State, stream: Stream, buf: Uint8Array, tsNs: number, endTsNs: number): number {
  if (buf.length === 0) return 0;
  const fromClient = stream === Stream.Request;
  if (fromClient && state.preface !== 1) {
    const n = Math.min(buf.length, PREFACE.length);
    let match = true;
    for (let i = 0; i < n && match; i++) match = buf[i] === PREFACE[i];
    if (match) {
      if (buf.length < PREFACE.length) return 0;
      // The preface only opens a connection: both sides' tables start empty
      // and known, even after a reset (the tracker resets before it resumes).
      // Before it, the server may already have sent frames (h2c upgrade):
      // a table that was never lost is kept.
      if (state.preface === -1) { for (const d of state.dirs) d.decoder = new HpackDecoder(); }
      state.preface = 1;
      return PREFACE.length;
    }
    if (state.preface === 0) {
      // No preface: the connection began before capture, the tables are unknown.
      state.preface = -1;
      loseSync(state);
    }
  }
  const d = state.dirs[stream];
  if (d.dataLeft > 0 || d.padLeft > 0 || d.discardLeft > 0) return continuePayload(state, d, fromClient, buf);
  if (buf.length < 9) return 0;
  const h = readFrameHeader(buf);
  // A header block must be followed by its CONTINUATION frames, nothing else.
  if (d.block && (h.type !== FrameType.Continuation || h.streamId !== d.block.streamId)) return -1;
  const streamLevel = h.type <= FrameType.Continuation && h.type !== FrameType.Settings &&
    h.type !== FrameType.Ping && h.type !== FrameType.Goaway && h.type !== FrameType.WindowUpdate;
  if (streamLevel && h.streamId === 0) return -1;

  if (h.type === FrameType.Data) {
    let head = 9;
    let pad = 0;
    if (h.flags & Flag.Padded) {
      if (h.length < 1) return -1;
      if (buf.length < 10) return 0;
      pad = buf[9]!;
      head = 10;
      if (pad > h.length - 1) return -1;
    }
    const s = streamFor(state, h.streamId, fromClient, false);
    if (s) touch(fromClient ? s.req : s.resp, 9 + h.length, tsNs, endTsNs);
    d.dataStream = h.streamId;
    d.dataLeft = h.length - (head - 9) - pad;
    d.padLeft = pad;
    d.dataEnd = (h.flags & Flag.EndStream) !== 0;
    if (d.dataLeft === 0 && d.padLeft === 0) endData(state, d, fromClient);
    return head;
  }
  if (
    h.type > FrameType.Continuation || h.type === FrameType.Priority || h.type === FrameType.WindowUpdate ||
    h.type === FrameType.Ping
  ) {
    // Nothing in these frames changes what we report: discard as it comes.
    d.discardLeft = h.length;
    return 9;
  }
  if (h.length > MAX_BLOCK_BYTES) return -1;
  if (buf.length < 9 + h.length) return 0;
  const p = buf.subarray(9, 9 + h.length);
  const ok = controlFrame(state, d, fromClient, h.type, h.flags, h.streamId, p, tsNs, endTsNs);
  return ok ? 9 + h.length : -1;
}

function continuePayload(state: Http2State, d: DirState, fromClient: boolean, buf: Uint8Array): number {
  if (d.discardLeft > 0) {
    const n = Math.min(d.discardLeft, buf.length);
    d.discardLeft -= n;
    return n;
  }
  let n: number;
  if (d.dataLeft > 0) {
    n = Math.min(d.dataLeft, buf.length);
    const s = streamFor(state, d.dataStream, fromClient, false);
    if (s) appendBody(state, fromClient ? s.req : s.resp, buf.subarray(0, n));
    d.dataLeft -= n;
  } else {
    n = Math.min(d.padLeft, buf.length);
    d.padLeft -= n;
  }
  if (d.dataLeft === 0 && d.padLeft === 0) endData(state, d, fromClient);
  return n;
}

function endData(state: Http2State, d: DirState, fromClient: boolean): void {
  if (!d.dataEnd) return;
  d.dataEnd = false;
  const s = streamFor(state, d.dataStream, fromClient, false);
  if (s) endHalf(state, s, fromClient);
}

/** Implements Parser.skip: lost bytes inside a DATA (or ignored) payload are absorbed. */
export function skipBytes(state: Http2State, stream: Stream, len: number): boolean {
  const d = state.dirs[stream];
  if (len > d.dataLeft + d.padLeft + d.discardLeft) return false;
  const fromClient = stream === Stream.Request;
  if (d.discardLeft > 0) {
    d.discardLeft -= len;
    return true;
  }
  const inData = Math.min(len, d.dataLeft);
  if (inData > 0) {
    const s = streamFor(state, d.dataStream, fromClient, false);
    if (s) skipBody(fromClient ? s.req : s.resp, inData);
    d.dataLeft -= inData;
  }
  d.padLeft -= len - inData;
  if (d.dataLeft === 0 && d.padLeft === 0) endData(state, d, fromClient);
  return true;
}

function controlFrame(
  state: Http2State,
  d: DirState,
  fromClient: boolean,
  type: number,
  flags: number,
  streamId: number,
  p: Uint8Array,
  tsNs: number,
  endTsNs: number,
): boolean {
  switch (type) {
    case FrameType.Headers:
    case FrameType.PushPromise: {
      if (type === FrameType.PushPromise && fromClient) return false;
      let off = 0;
      let pad = 0;
      if (flags & Flag.Padded) {
        if (p.length < 1) return false;
        pad = p[0]!;
        off = 1;
      }
      if (type === FrameType.Headers && flags & Flag.Priority) off += 5;
      let promised = 0;
      if (type === FrameType.PushPromise) {
        if (off + 4 > p.length) return false;
        promised = readU32(p, off) & 0x7fffffff;
        off += 4;
      }
      if (off + pad > p.length) return false;
      const block: PendingBlock = {
        streamId,
        promised,
        endStream: type === FrameType.Headers && (flags & Flag.EndStream) !== 0,
        parts: [p.subarray(off, p.length - pad)],
        length: p.length - off - pad,
      };
      noteBlockBytes(state, block, fromClient, 9 + p.length, tsNs, endTsNs);
      if (flags & Flag.EndHeaders) finishBlock(state, d, fromClient, block, tsNs);
      else d.block = block;
      return true;
    }
    case FrameType.Continuation: {
      const block = d.block;
      if (!block) return false;
      block.parts.push(p);
      block.length += p.length;
      if (block.length > MAX_BLOCK_BYTES) return false;
      noteBlockBytes(state, block, fromClient, 9 + p.length, tsNs, endTsNs);
      if (flags & Flag.EndHeaders) {
        d.block = null;
        finishBlock(state, d, fromClient, block, tsNs);
      }
      return true;
    }
    case FrameType.RstStream: {
      if (p.length !== 4) return false;
      const s = streamFor(state, streamId, fromClient, false);
      if (s) complete(state, s, errorName(readU32(p, 0)), tsNs);
      return true;
    }
    case FrameType.Settings: {
      if (streamId !== 0 || p.length % 6 !== 0) return false;
      for (let i = 0; i + 6 <= p.length; i += 6) {
        // The receiver's SETTINGS bound the table the other side encodes for.
        const id = (p[i]! << 8) | p[i + 1]!;
        if (id === SETTINGS_HEADER_TABLE_SIZE) state.dirs[fromClient ? 1 : 0].decoder.setAllowedMax(readU32(p, i + 2));
      }
      return true;
    }
    case FrameType.Goaway: {
      if (streamId !== 0 || p.length < 8) return false;
      const last = readU32(p, 0) & 0x7fffffff;
      const error = errorName(readU32(p, 4));
      // Streams the sender's peer opened above `last` were never processed,
      // nor will those it opens later (a client sends on until it reads this).
      for (const s of [...state.streams.values()]) {
        if (s.id > last && (s.id % 2 === 1) === !fromClient) complete(state, s, error, tsNs);
      }
      state.goaway[fromClient ? 1 : 0] = { last, error };
      return true;
    }
  }
  return true;
}

/** HEADERS/CONTINUATION bytes count toward the stream that carries them (a promise's, its associated stream). */
function noteBlockBytes(
  state: Http2State,
  block: PendingBlock,
  fromClient: boolean,
  bytes: number,
  tsNs: number,
  endTsNs: number,
): void {
  // A HEADERS frame opens its stream; server HEADERS on an unknown even (pushed) id open nothing.
  const open = block.promised === 0 && (fromClient || block.streamId % 2 === 1);
  const s = streamFor(state, block.streamId, fromClient, open);
  if (s) touch(fromClient ? s.req : s.resp, bytes, tsNs, endTsNs);
}

function finishBlock(state: Http2State, d: DirState, fromClient: boolean, block: PendingBlock, tsNs: number): void {
  const bytes = block.parts.length === 1 ? block.parts[0]! : concat(block.parts, block.length);
  // Decode even when no stream wants it: the dynamic table must follow every block.
  const fields = d.decoder.decode(bytes);
  if (block.promised) {
    const pushed = streamFor(state, block.promised, true, true);
    if (pushed) applyHeaders(state, pushed, true, fields, true);
    return;
  }
  // Server HEADERS for an unknown even (pushed) stream create nothing.
  const open = fromClient || block.streamId % 2 === 1;
  const s = streamFor(state, block.streamId, fromClient, open);
  if (!s) return;
  applyHeaders(state, s, fromClient, fields, block.endStream);
  // Opened after the other side's GOAWAY, above its last stream: refused.
  const goaway = state.goaway[fromClient ? 0 : 1];
  if (goaway !== null && s.id > goaway.last && (s.id % 2 === 1) === fromClient) complete(state, s, goaway.error, tsNs);
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
