/**
 * The MQTT parser's per-connection state.
 *
 * @module
 */
import type { Exchange } from "../common/parser.ts";
import type { MqttRequest, MqttResponse } from "./types.ts";

/** An exchange waiting for its acknowledgement. */
export interface Pending {
  req: MqttRequest;
  startNs: number;
  endNs: number;
  reqBytes: number;
  /** QoS 2: the PUBREC once it came (the exchange then waits for PUBCOMP). */
  resp: MqttResponse | null;
  respStartNs: number;
  respEndNs: number;
  respBytes: number;
}

/** A PUBLISH whose payload is still arriving. */
export interface PartialPublish {
  pending: Pending;
  /** Payload bytes still to come. */
  left: number;
  payloadSize: number;
  /** The first maxBodyBytes of the payload, and how many are filled. */
  preview: Uint8Array;
  previewLen: number;
  /** Bytes of the payload were lost inside the preview: it stops there. */
  gap: boolean;
}

/** Most exchanges in flight per sender, and CONNECTs or PINGREQs unanswered. */
export const MAX_INFLIGHT = 1024;
export const MAX_QUEUED = 64;

/** Per-connection state of {@linkcode mqttParser}. */
export interface MqttState {
  readonly maxBodyBytes: number;
  /** Protocol level from CONNECT: 3, 4 or 5 (0 before one was seen: read as 3.1.1). */
  version: number;
  /** The client identifier from CONNECT, or the one CONNACK assigned. */
  clientId: string | null;
  /** A PUBLISH in progress, per stream. */
  partial: [PartialPublish | null, PartialPublish | null];
  connects: Pending[];
  pings: Pending[];
  /** Exchanges in flight by Packet Identifier, per sending stream. */
  inflight: [Map<number, Pending>, Map<number, Pending>];
  /** Version 5 Topic Alias mappings, per sending stream. */
  aliases: [Map<number, string>, Map<number, string>];
  /** Exchanges complete, waiting for match(). */
  done: Exchange[];
  /** Acknowledgements that answered nothing seen. */
  orphans: number;
  /** Exchanges dropped because too many were in flight. */
  overflow: number;
}

/** A fresh state. */
export function createState(maxBodyBytes: number): MqttState {
  return {
    maxBodyBytes,
    version: 0,
    clientId: null,
    partial: [null, null],
    connects: [],
    pings: [],
    inflight: [new Map(), new Map()],
    aliases: [new Map(), new Map()],
    done: [],
    orphans: 0,
    overflow: 0,
  };
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
    respBytes: p.respBytes,
  };
}
