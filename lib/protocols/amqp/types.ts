/**
 * AMQP 0-9-1 record shapes: the NDJSON `req` and `resp`.
 *
 * @module
 */

/** Which end of the connection sent a method. */
export type Sender = "client" | "server";

/** The fields a method's record may carry (request and response alike). */
export interface AmqpFields {
  /** "Class.Method" as the specification names them, e.g. "Queue.Declare", "Basic.Get-Ok". */
  method: string;
  /** Connection.Start (0-9-1: 0 and 9) and the server's product and version. */
  version_major?: number;
  version_minor?: number;
  product?: string;
  product_version?: string;
  /** Connection.Start: the SASL mechanisms and locales offered; Start-Ok: the ones chosen. */
  mechanisms?: string;
  locales?: string;
  mechanism?: string;
  locale?: string;
  /** Start-Ok and Secure-Ok: the SASL response (PLAIN: the password), always "***". */
  response?: string;
  /** Connection.Start-Ok: the client's `connection_name` property, when it sent one. */
  connection_name?: string;
  /** Connection.Tune and Tune-Ok. */
  channel_max?: number;
  frame_max?: number;
  heartbeat?: number;
  /** Connection.Open. */
  virtual_host?: string;
  /** Channel.Close, Connection.Close, Basic.Return. */
  reply_code?: number;
  reply_text?: string;
  /** Channel.Close and Connection.Close: the method that caused it, e.g. "Queue.Declare". */
  failed_method?: string;
  /** Connection.Blocked. */
  reason?: string;
  exchange?: string;
  /** Exchange.Declare. */
  type?: string;
  /** Exchange.Bind and Unbind. */
  source?: string;
  destination?: string;
  queue?: string;
  routing_key?: string;
  consumer_tag?: string;
  delivery_tag?: number;
  /** Queue.Declare-Ok, Purge-Ok, Delete-Ok, Basic.Get-Ok. */
  message_count?: number;
  consumer_count?: number;
  /** Basic.Qos. */
  prefetch_size?: number;
  prefetch_count?: number;
  /** Channel.Flow and Flow-Ok. */
  active?: boolean;
  /** The method's bit arguments that are set: "durable", "no_ack", "multiple", "redelivered", ... */
  flags?: string[];
  /** Content (Publish, Deliver, Return, Get-Ok): the body's size on the wire. */
  body_size?: number;
  /** The first `--max-body-bytes` of the body when printable UTF-8 ... */
  payload?: string;
  /** ... or else as hex. */
  payload_hex?: string;
  /** Set when the body was cut at `--max-body-bytes` (or not all of it was captured). */
  payload_truncated?: boolean;
  /** Content properties that were present (content_type, delivery_mode, headers: their count, ...). */
  properties?: Record<string, string | number>;
}

/** The `req` of an AMQP record: the method that starts an exchange, sent by `sender`. */
export interface AmqpRequest extends AmqpFields {
  sender: Sender;
  channel: number;
}

/**
 * The `resp` of an AMQP record: the synchronous reply ("Queue.Declare-Ok"),
 * the Channel.Close or Connection.Close that refused the request, or, on a
 * channel in confirm mode, the broker's Basic.Ack or Basic.Nack of a
 * Basic.Publish.
 */
export type AmqpResponse = AmqpFields;
