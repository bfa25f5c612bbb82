/**
 * Record shapes and per-connection state of the HTTP/2 parser.
 *
 * @module
 */
import type { HpackDecoder } from "./hpack.ts";

/** Header fields by lower-case name; repeated fields are joined with ", ". */
export type Http2Headers = Record<string, string>;

/** gRPC details of a request (`req.grpc`). */
export interface GrpcRequestInfo {
  /** `pkg.Service` from the `/pkg.Service/Method` path. */
  service: string;
  /** `Method` from the path. */
  method: string;
  /** Length-prefixed messages the client sent. */
  request_messages: number;
  /** Each message's length from its prefix (without the 5-byte prefix), the first 64. */
  request_message_sizes: number[];
}

/** gRPC details of a response (`resp.grpc`). */
export interface GrpcResponseInfo {
  /** `grpc-status` from the trailers (or a trailers-only response); null if absent. */
  status: number | null;
  /** `grpc-message`, percent-decoded; "" if absent. */
  message: string;
  /** Length-prefixed messages the server sent. */
  response_messages: number;
  /** Each message's length from its prefix (without the 5-byte prefix), the first 64. */
  response_message_sizes: number[];
}

/** The `req` of an HTTP/2 record. Unknown values read {@linkcode UNKNOWN}. */
export interface Http2Request {
  method: string;
  path: string;
  authority: string;
  scheme: string;
  /** Regular (non-pseudo) header fields. */
  headers: Http2Headers;
  /** First `maxBodyBytes` bytes of the body: UTF-8 text, or hex for gRPC. */
  body: string;
  body_truncated: boolean;
  grpc?: GrpcRequestInfo;
}

/** The `resp` of an HTTP/2 record. */
export interface Http2Response {
  /** The `:status` code, or the unknown marker when it needed lost table state. */
  status: number | string;
  headers: Http2Headers;
  trailers: Http2Headers;
  body: string;
  body_truncated: boolean;
  /** RST_STREAM / GOAWAY error code name (`CANCEL`), or why the stream ended early. */
  error?: string;
  grpc?: GrpcResponseInfo;
}

/** One direction of one HTTP/2 stream, as it is being received. */
export interface Half {
  /** Decoded header fields of the first (non-interim) header block; null before. */
  fields: [string, string][] | null;
  /** Header block decode error, if any. */
  hpackError: string | null;
  trailers: [string, string][];
  body: Uint8Array[];
  kept: number;
  truncated: boolean;
  ended: boolean;
  startNs: number;
  endNs: number;
  bytes: number;
  /** gRPC framing: bytes left of the current 5-byte prefix or message. */
  grpcPrefix: number[];
  grpcLeft: number;
  grpcMessages: number;
  /** Lengths of the first MAX_GRPC_SIZES messages. */
  grpcSizes: number[];
}

/** One HTTP/2 stream: the request half and the response half. */
export interface H2Stream {
  id: number;
  req: Half;
  resp: Half;
  /** Error code name that ended the stream (RST_STREAM, GOAWAY), or null. */
  error: string | null;
  /** Time of the RST_STREAM or GOAWAY frame that carried `error`, or -1. */
  errorNs: number;
  done: boolean;
}

/** A header block being gathered from HEADERS/PUSH_PROMISE and CONTINUATION frames. */
export interface PendingBlock {
  streamId: number;
  /** For PUSH_PROMISE: the promised stream id; 0 for HEADERS. */
  promised: number;
  endStream: boolean;
  parts: Uint8Array[];
  length: number;
}

/** Framing state of one direction of the connection. */
export interface DirState {
  decoder: HpackDecoder;
  /** A header block awaiting CONTINUATION frames. */
  block: PendingBlock | null;
  /** Inside a DATA frame (or a skipped frame) consumed piece by piece. */
  dataStream: number;
  dataLeft: number;
  padLeft: number;
  dataEnd: boolean;
  /** Payload bytes of an ignored frame still to discard. */
  discardLeft: number;
}

/** Per-connection state. */
export interface Http2State {
  maxBodyBytes: number;
  /** 0 = nothing parsed yet on the request stream, 1 = preface seen, -1 = no preface. */
  preface: 0 | 1 | -1;
  dirs: [DirState, DirState];
  streams: Map<number, H2Stream>;
  /** Streams completed and waiting for match(), in completion order. */
  done: H2Stream[];
  /** Highest stream id the client opened: lower odd ids are closed. */
  highestClientStream: number;
  /** Streams dropped because too many were open at once. */
  droppedStreams: number;
  /**
   * The GOAWAY each side sent, [server's, client's] (null: none): streams
   * its peer opens above `last` afterwards are refused with `error`.
   */
  goaway: [SentGoaway | null, SentGoaway | null];
}

/** A GOAWAY one side sent. */
export interface SentGoaway {
  last: number;
  error: string;
}

/** The HTTP/1.1 request that upgraded a connection to h2c, as the HTTP/1 parser queued it. */
export interface UpgradeRequest {
  msg: { method: string; path: string; headers: Record<string, string>; body: string; body_truncated: boolean };
  startNs: number;
  endNs: number;
  bytes: number;
}
