/**
 * The AMQP parser's per-connection state: per channel, the synchronous
 * methods waiting for their reply, the content being assembled, and the
 * publishes a confirm-mode channel has not had confirmed yet.
 *
 * @module
 */
import type { Exchange } from "../common/parser.ts";
import { setPayload } from "./content.ts";
import type { AmqpFields, AmqpRequest } from "./types.ts";

/** An exchange in progress. */
export interface Pending {
  req: AmqpRequest;
  startNs: number;
  endNs: number;
  reqBytes: number;
  resp: AmqpFields | null;
  respStartNs: number;
  respEndNs: number;
  respBytes: number;
  /** Keys of the methods that answer it (see methods.ts). */
  replies: readonly number[];
  /** A Basic.Publish on a confirm channel: its sequence number (from 1). */
  seq: number;
}

/** A content (header and body frames) following a Publish, Deliver, Return or Get-Ok. */
export interface Content {
  pending: Pending;
  /** The record fields the content's size, properties and payload go to: the req, or Get-Ok's resp. */
  target: AmqpFields;
  /** The content belongs to the response (Get-Ok): its bytes count as response bytes. */
  isResp: boolean;
  headerSeen: boolean;
  bodySize: number;
  received: number;
  /** The first maxBodyBytes of the body, and how many are filled. */
  preview: Uint8Array;
  previewLen: number;
  /** Body bytes were lost inside the preview: it stops there. */
  gap: boolean;
}

/** One channel's exchanges in progress. */
export interface Channel {
  /** Synchronous methods waiting for a reply, by the stream that sent them. */
  waiting: [Pending[], Pending[]];
  /** Content being assembled, by the stream that carries it. */
  content: [Content | null, Content | null];
  /** Confirm.Select was sent: the broker acknowledges each publish. */
  confirm: boolean;
  /** Sequence number of the channel's last publish in confirm mode. */
  seq: number;
  /** Publishes waiting for the broker's Basic.Ack or Basic.Nack, oldest first. */
  unconfirmed: Pending[];
}

/** A body frame whose payload is still arriving. */
export interface BodyFrame {
  channel: number;
  /** Payload bytes still to come; the frame-end octet follows them. */
  left: number;
}

/** Most methods waiting per channel and stream, and publishes unconfirmed per channel. */
export const MAX_QUEUED = 64;
export const MAX_UNCONFIRMED = 4096;
/** Most channels tracked per connection (RabbitMQ's default channel_max is 2047). */
export const MAX_CHANNELS = 2048;

/** Per-connection state of {@linkcode amqpParser}. */
export interface AmqpState {
  readonly maxBodyBytes: number;
  channels: Map<number, Channel>;
  /** A body frame in progress, per stream. */
  body: [BodyFrame | null, BodyFrame | null];
  /** Exchanges complete, waiting for match(). */
  done: Exchange[];
  /** Replies that answered nothing seen, and frames of content never announced. */
  orphans: number;
  /** Exchanges dropped because too many were waiting. */
  overflow: number;
}

/** A fresh state. */
export function createState(maxBodyBytes: number): AmqpState {
  return { maxBodyBytes, channels: new Map(), body: [null, null], done: [], orphans: 0, overflow: 0 };
}

/** The Exchange of a pending request and its response (or none). */
export function exchangeOf(p: Pending): Exchange {
  return {
    req: p.req,
    resp: p.resp,
    reqStartNs: p.startNs,
    reqEndNs: p.endNs,
    respStartNs: p.resp ? p.respStartNs : -1,
    respEndNs: p.resp ? p.respEndNs : -1,
    reqBytes: p.reqBytes,
    respBytes: p.resp ? p.respBytes : 0,
  };
}

/** Every exchange still open on every channel, oldest first; the channels are forgotten. */
export function drainOpen(st: AmqpState): Pending[] {
  const all: Pending[] = [];
  for (const ch of st.channels.values()) {
    all.push(...ch.waiting[0], ...ch.waiting[1], ...ch.unconfirmed);
    for (const c of ch.content) if (c) setPayload(c), all.push(c.pending);
  }
  st.channels.clear();
  return all.sort((a, b) => a.startNs - b.startNs);
}
