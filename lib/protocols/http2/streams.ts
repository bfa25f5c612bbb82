/**
 * HTTP/2 stream bookkeeping: header blocks and DATA applied to streams,
 * stream completion (END_STREAM, RST_STREAM, GOAWAY), and gRPC message
 * counting from the 5-byte length prefixes in DATA.
 *
 * @module
 */
import type { HeaderField } from "./hpack.ts";
import type { H2Stream, Half, Http2State } from "./types.ts";

/** Open streams kept per connection; the oldest is dropped beyond this (bounded memory). */
const MAX_OPEN_STREAMS = 1024;
/** gRPC message sizes kept per stream direction; later messages are only counted. */
export const MAX_GRPC_SIZES = 64;

function newHalf(): Half {
  return {
    fields: null,
    hpackError: null,
    trailers: [],
    body: [],
    kept: 0,
    truncated: false,
    ended: false,
    startNs: -1,
    endNs: -1,
    bytes: 0,
    grpcPrefix: [],
    grpcLeft: 0,
    grpcMessages: 0,
    grpcSizes: [],
  };
}

/**
 * The stream with this id. Clients open odd ids in increasing order, so a
 * server frame for an odd id at or below the highest the client opened is
 * for a stream already reported (or never seen): it creates nothing. Higher
 * ids are streams whose request predates capture.
 */
export function streamFor(state: Http2State, id: number, fromClient: boolean, open: boolean): H2Stream | undefined {
  const found = state.streams.get(id);
  if (found || !open) return found;
  if (id % 2 === 1) {
    if (!fromClient && id <= state.highestClientStream) return undefined;
    if (fromClient) state.highestClientStream = Math.max(state.highestClientStream, id);
  }
  if (state.streams.size >= MAX_OPEN_STREAMS) {
    const oldest = state.streams.keys().next().value!;
    state.streams.delete(oldest);
    state.droppedStreams++;
  }
  const s: H2Stream = { id, req: newHalf(), resp: newHalf(), error: null, errorNs: -1, done: false };
  state.streams.set(id, s);
  return s;
}

/** Notes a frame of `bytes` wire bytes on a half, for timing and byte counts. */
export function touch(half: Half, bytes: number, tsNs: number, endTsNs: number): void {
  if (half.startNs < 0) half.startNs = tsNs;
  half.endNs = endTsNs;
  half.bytes += bytes;
}

/** Applies a decoded header block: the head, an interim 1xx (ignored), or trailers. */
export function applyHeaders(
  state: Http2State,
  s: H2Stream,
  fromClient: boolean,
  fields: HeaderField[] | string,
  endStream: boolean,
): void {
  const half = fromClient ? s.req : s.resp;
  if (typeof fields === "string") {
    half.hpackError ??= fields;
    half.fields ??= [];
  } else if (half.fields === null) {
    const status = fields.find(([n]) => n === ":status")?.[1];
    // Interim responses (100 Continue, 103 Early Hints) precede the real head.
    if (fromClient || endStream || status === undefined || !/^1\d\d$/.test(status)) half.fields = fields;
  } else {
    half.trailers.push(...fields);
  }
  if (endStream) endHalf(state, s, fromClient);
}

/** END_STREAM on one half; the stream is complete when the response ends. */
export function endHalf(state: Http2State, s: H2Stream, fromClient: boolean): void {
  (fromClient ? s.req : s.resp).ended = true;
  if (!fromClient) complete(state, s, null);
}

/** Moves a stream to the completed queue, with the error that ended it, if any. */
export function complete(state: Http2State, s: H2Stream, error: string | null, atNs = -1): void {
  if (s.done) return;
  s.done = true;
  s.error = error;
  s.errorNs = atNs;
  state.streams.delete(s.id);
  state.done.push(s);
}

/** Keeps the first `maxBodyBytes` of a body and counts gRPC messages. */
export function appendBody(state: Http2State, half: Half, data: Uint8Array): void {
  countGrpc(half, data);
  const room = state.maxBodyBytes - half.kept;
  if (data.length > room) half.truncated = true;
  if (room <= 0) return;
  const piece = data.subarray(0, room).slice();
  half.body.push(piece);
  half.kept += piece.length;
}

/** Body bytes lost in transit: they still count, but the body is cut and gRPC counting may stop. */
export function skipBody(half: Half, len: number): void {
  half.truncated = true;
  if (half.grpcLeft >= len && half.grpcPrefix.length === 0) half.grpcLeft -= len;
  else half.grpcLeft = -1;
}

/**
 * gRPC messages are a 1-byte flag and a 4-byte length, then the message
 * (gRPC over HTTP/2 spec). Counting runs on every body; it is reported only
 * for gRPC streams. A negative `grpcLeft` means the framing was lost.
 */
function countGrpc(half: Half, data: Uint8Array): void {
  let i = 0;
  while (i < data.length && half.grpcLeft >= 0) {
    if (half.grpcLeft > 0) {
      const n = Math.min(half.grpcLeft, data.length - i);
      half.grpcLeft -= n;
      i += n;
      continue;
    }
    half.grpcPrefix.push(data[i++]!);
    if (half.grpcPrefix.length === 5) {
      const p = half.grpcPrefix;
      half.grpcLeft = p[1]! * 2 ** 24 + ((p[2]! << 16) | (p[3]! << 8) | p[4]!);
      half.grpcPrefix = [];
      half.grpcMessages++;
      if (half.grpcSizes.length < MAX_GRPC_SIZES) half.grpcSizes.push(half.grpcLeft);
    }
  }
}
