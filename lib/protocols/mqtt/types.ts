/**
 * MQTT record shapes (the NDJSON `req` and `resp`) and the parser's
 * per-connection state.
 *
 * @module
 */

/** Which end of the connection sent a packet. */
export type Sender = "client" | "server";

/** One subscription of a SUBSCRIBE. */
export interface Subscription {
  topic: string;
  /** Maximum QoS requested (the options byte's low two bits). */
  qos: number;
}

/**
 * The `req` of an MQTT record: the packet that starts an exchange, sent by
 * `sender` (the broker's PUBLISH to a subscriber has sender "server").
 */
export interface MqttRequest {
  type: string;
  sender: Sender;
  /** The connection's client identifier, once CONNECT (or CONNACK) named it. */
  client_id?: string;
  /** CONNECT: "MQTT" or "MQIsdp", and 3 (3.1), 4 (3.1.1) or 5. */
  protocol_name?: string;
  protocol_version?: number;
  /** CONNECT: Clean Session (3.x) or Clean Start (5). */
  clean_start?: boolean;
  keep_alive?: number;
  /** CONNECT: the user name (`--redact` hides it); the password is never kept. */
  username?: string;
  /** CONNECT: the Will message's topic, QoS and retain flag. */
  will?: { topic: string; qos: number; retain: boolean };
  /** PUBLISH: topic name (resolved from a v5 Topic Alias when the topic is empty). */
  topic?: string;
  qos?: number;
  retain?: boolean;
  dup?: boolean;
  /** PUBLISH QoS 1 and 2, SUBSCRIBE, UNSUBSCRIBE. */
  packet_id?: number;
  /** PUBLISH: payload bytes on the wire. */
  payload_size?: number;
  /** PUBLISH: the first `--max-body-bytes` of the payload, when printable UTF-8 ... */
  payload?: string;
  /** ... or else as hex. */
  payload_hex?: string;
  /** Set when the payload was cut at `--max-body-bytes` (or not all captured). */
  payload_truncated?: boolean;
  /** SUBSCRIBE: topic filters and requested QoS. */
  subscriptions?: Subscription[];
  /** UNSUBSCRIBE: topic filters. */
  topics?: string[];
  /** DISCONNECT and AUTH (version 5): the reason code and its name. */
  reason_code?: number;
  reason?: string;
  /** Version 5 properties worth showing (see properties.ts). */
  properties?: Record<string, string | number>;
}

/** The `resp` of an MQTT record: the acknowledgement. */
export interface MqttResponse {
  /** CONNACK, PUBACK, PUBCOMP (QoS 2; PUBREC when it refused), SUBACK, UNSUBACK, PINGRESP. */
  type: string;
  /**
   * The reason code (3.x CONNACK: its return code; 3.x acknowledgements
   * without one: 0). SUBACK/UNSUBACK: the first failure, else the first code.
   */
  reason_code?: number;
  reason?: string;
  /** CONNACK. */
  session_present?: boolean;
  /** SUBACK: each subscription's code (granted QoS 0-2, or a failure). */
  granted?: number[];
  /** UNSUBACK (version 5): each topic's code. */
  reason_codes?: number[];
  /** QoS 2: the PUBREC's code, before PUBREL/PUBCOMP. */
  pubrec_reason_code?: number;
  properties?: Record<string, string | number>;
}
