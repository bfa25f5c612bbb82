/**
 * Names of MQTT reason codes: version 5's (MQTT 5.0 §2.4, table 2-6) and
 * the CONNACK return codes and SUBACK codes of versions 3.1 and 3.1.1.
 *
 * @module
 */
import { PacketType } from "./wire.ts";

const V5: Record<number, string> = {
  0x00: "success",
  0x01: "granted_qos_1",
  0x02: "granted_qos_2",
  0x04: "disconnect_with_will_message",
  0x10: "no_matching_subscribers",
  0x11: "no_subscription_existed",
  0x18: "continue_authentication",
  0x19: "re_authenticate",
  0x80: "unspecified_error",
  0x81: "malformed_packet",
  0x82: "protocol_error",
  0x83: "implementation_specific_error",
  0x84: "unsupported_protocol_version",
  0x85: "client_identifier_not_valid",
  0x86: "bad_user_name_or_password",
  0x87: "not_authorized",
  0x88: "server_unavailable",
  0x89: "server_busy",
  0x8a: "banned",
  0x8b: "server_shutting_down",
  0x8c: "bad_authentication_method",
  0x8d: "keep_alive_timeout",
  0x8e: "session_taken_over",
  0x8f: "topic_filter_invalid",
  0x90: "topic_name_invalid",
  0x91: "packet_identifier_in_use",
  0x92: "packet_identifier_not_found",
  0x93: "receive_maximum_exceeded",
  0x94: "topic_alias_invalid",
  0x95: "packet_too_large",
  0x96: "message_rate_too_high",
  0x97: "quota_exceeded",
  0x98: "administrative_action",
  0x99: "payload_format_invalid",
  0x9a: "retain_not_supported",
  0x9b: "qos_not_supported",
  0x9c: "use_another_server",
  0x9d: "server_moved",
  0x9e: "shared_subscriptions_not_supported",
  0x9f: "connection_rate_exceeded",
  0xa0: "maximum_connect_time",
  0xa1: "subscription_identifiers_not_supported",
  0xa2: "wildcard_subscriptions_not_supported",
};

/** CONNACK return codes of 3.1 and 3.1.1 (3.1.1 §3.2.2.3). */
const V3_CONNACK = [
  "accepted",
  "unacceptable_protocol_version",
  "identifier_rejected",
  "server_unavailable",
  "bad_user_name_or_password",
  "not_authorized",
];

/** The name of `code` in a packet of `type` and protocol `version`. */
export function reasonName(type: number, code: number, version: number): string {
  if (version < 5) {
    if (type === PacketType.CONNACK) return V3_CONNACK[code] ?? `unknown_${code}`;
    if (type === PacketType.SUBACK) {
      return code <= 2 ? `granted_qos_${code}` : code === 0x80 ? "failure" : `unknown_${code}`;
    }
  }
  if (code === 0) {
    if (type === PacketType.SUBACK) return "granted_qos_0";
    if (type === PacketType.DISCONNECT) return "normal_disconnection";
  }
  return V5[code] ?? `unknown_${code}`;
}

/**
 * Whether a response's code means failure: any code of 0x80 and above,
 * and for CONNACK any non-zero code (3.1.1's refusals are 1 to 5).
 */
export function isFailure(type: number, code: number): boolean {
  return code >= 0x80 || (type === PacketType.CONNACK && code !== 0);
}
