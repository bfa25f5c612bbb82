/**
 * HTTP/2 framing constants and the 9-byte frame header (RFC 9113 §4.1).
 *
 * @module
 */

/** The client connection preface, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n". */
export const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** Frame types (RFC 9113 §6). */
export const enum FrameType {
  Data = 0,
  Headers = 1,
  Priority = 2,
  RstStream = 3,
  Settings = 4,
  PushPromise = 5,
  Ping = 6,
  Goaway = 7,
  WindowUpdate = 8,
  Continuation = 9,
}

/** Frame flags. */
export const enum Flag {
  EndStream = 0x1,
  Ack = 0x1,
  EndHeaders = 0x4,
  Padded = 0x8,
  Priority = 0x20,
}

/** Largest frame length the protocol allows (2^24 - 1). */
export const MAX_FRAME_LENGTH = 0xffffff;

/** A parsed frame header. */
export interface FrameHeader {
  length: number;
  type: number;
  flags: number;
  streamId: number;
}

/** Reads the frame header at `at`; the caller checks that 9 bytes are there. */
export function readFrameHeader(b: Uint8Array, at = 0): FrameHeader {
  return {
    length: (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!,
    type: b[at + 3]!,
    flags: b[at + 4]!,
    // The reserved top bit is ignored on receipt (RFC 9113 §4.1).
    streamId: ((b[at + 5]! & 0x7f) * 2 ** 24) + ((b[at + 6]! << 16) | (b[at + 7]! << 8) | b[at + 8]!),
  };
}

/** Reads a 32-bit big-endian unsigned integer. */
export function readU32(b: Uint8Array, at: number): number {
  return b[at]! * 2 ** 24 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

const ERROR_NAMES = [
  "NO_ERROR",
  "PROTOCOL_ERROR",
  "INTERNAL_ERROR",
  "FLOW_CONTROL_ERROR",
  "SETTINGS_TIMEOUT",
  "STREAM_CLOSED",
  "FRAME_SIZE_ERROR",
  "REFUSED_STREAM",
  "CANCEL",
  "COMPRESSION_ERROR",
  "CONNECT_ERROR",
  "ENHANCE_YOUR_CALM",
  "INADEQUATE_SECURITY",
  "HTTP_1_1_REQUIRED",
];

/** The RFC 9113 §7 name of an error code, or `ERROR_0x...` for unknown codes. */
export function errorName(code: number): string {
  return ERROR_NAMES[code] ?? `ERROR_0x${code.toString(16)}`;
}

/**
 * Whether a frame header is plausible as the start of a frame sent by the
 * client (`fromClient`) or the server: a known type, a length well under the
 * largest frame peers announce in practice, and a stream id that fits the
 * type. Used to resync, so it errs on the side of rejecting.
 */
export function plausibleHeader(h: FrameHeader, fromClient: boolean): boolean {
  if (h.length > 16384 * 4 || h.type > FrameType.Continuation) return false;
  const connLevel = h.type === FrameType.Settings || h.type === FrameType.Ping || h.type === FrameType.Goaway;
  if (connLevel !== (h.streamId === 0) && h.type !== FrameType.WindowUpdate) return false;
  switch (h.type) {
    case FrameType.Settings:
      return h.length % 6 === 0 && (h.flags & ~Flag.Ack) === 0 && !(h.flags & Flag.Ack && h.length > 0);
    case FrameType.Ping:
      return h.length === 8;
    case FrameType.WindowUpdate:
    case FrameType.RstStream:
      return h.length === 4;
    case FrameType.Priority:
      return h.length === 5;
    case FrameType.Goaway:
      return h.length >= 8;
    case FrameType.Headers:
      // Clients open odd streams; servers answer on them or on pushed (even) ones.
      return !fromClient || h.streamId % 2 === 1;
    case FrameType.PushPromise:
      return !fromClient;
    case FrameType.Continuation:
      // A CONTINUATION cannot start a resync: its header block began earlier.
      return false;
    default:
      return true;
  }
}
