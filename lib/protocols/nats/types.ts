/**
 * NATS record shapes: the NDJSON `req` and `resp` of a `nats` record.
 *
 * @module
 */

/** Which end of the connection sent the operation that starts a record. */
export type Sender = "client" | "server";

/** Scalar fields kept from the JSON of a CONNECT or an INFO. */
export type JsonFields = Record<string, string | number | boolean | null>;

/**
 * The `req` of a NATS record: the operation that starts it, sent by
 * `sender` (a MSG or HMSG delivery, an INFO, a server's PING and an -ERR
 * that answered nothing have sender "server").
 */
export interface NatsRequest {
  /** The verb in upper case: CONNECT, PUB, HPUB, SUB, UNSUB, PING, INFO, MSG, HMSG, -ERR. */
  op: string;
  sender: Sender;
  /** PUB, HPUB, SUB, MSG, HMSG. */
  subject?: string;
  /** PUB, HPUB, MSG, HMSG: the inbox a reply goes to (l7trace does not pair replies). */
  reply_to?: string;
  /** SUB, UNSUB, MSG, HMSG: the subscription id. */
  sid?: string;
  /** SUB: the queue group. */
  queue?: string;
  /** UNSUB: messages after which the subscription ends. */
  max_msgs?: number;
  /** HPUB, HMSG: bytes of the header block (its NATS/1.0 line and final blank line included). */
  headers_size?: number;
  /** HPUB, HMSG: the status of the header line (`NATS/1.0 503`), and its description. */
  status?: string;
  description?: string;
  /** HPUB, HMSG: header names (as sent) and their values. */
  headers?: Record<string, string[]>;
  /** PUB, HPUB, MSG, HMSG: payload bytes (headers not included). */
  payload_size?: number;
  /** The first `--max-body-bytes` of the payload, when printable UTF-8 ... */
  payload?: string;
  /** ... or else as hex. */
  payload_hex?: string;
  /** Set when the payload was cut at `--max-body-bytes` (or not all captured). */
  payload_truncated?: boolean;
  /** CONNECT: its options; user, pass, auth_token, jwt, nkey and sig are always "***". */
  connect?: JsonFields;
  /** INFO: the server's identity and limits. */
  info?: JsonFields;
  /** -ERR that answered nothing: the server's message, quotes removed. */
  error?: string;
}

/** The `resp` of a NATS record. */
export interface NatsResponse {
  /** "+OK" or "-ERR" (verbose mode), or "PONG". */
  op: string;
  /** -ERR: the server's message, quotes removed. */
  error?: string;
}
