/**
 * MQTT 5.0 properties (§2.2.2): a Variable Byte Integer length, then
 * identifier/value pairs. Most are skipped; the few that help read a
 * record are kept.
 *
 * @module
 */
import type { Reader } from "./wire.ts";

/** The properties kept in records. */
export interface Properties {
  /** 0x03 Content Type. */
  content_type?: string;
  /** 0x08 Response Topic. */
  response_topic?: string;
  /** 0x12 Assigned Client Identifier (CONNACK). */
  assigned_client_id?: string;
  /** 0x15 Authentication Method. */
  auth_method?: string;
  /** 0x1F Reason String. */
  reason_string?: string;
  /** 0x23 Topic Alias (PUBLISH). */
  topic_alias?: number;
}

/**
 * Reads a property list at the reader's position into `out`; false (and
 * the reader no longer ok) when it is malformed or not all there (an
 * unknown identifier, a value past its end).
 */
export function readProperties(r: Reader, out: Properties): boolean {
  const len = r.varint();
  if (!r.ok || len > r.left) {
    r.ok = false;
    return false;
  }
  const end = r.pos + len;
  const outer = r.end;
  r.end = end;
  while (r.ok && r.pos < end) {
    const id = r.varint();
    switch (id) {
      case 0x01: // Payload Format Indicator
      case 0x17: // Request Problem Information
      case 0x19: // Request Response Information
      case 0x24: // Maximum QoS
      case 0x25: // Retain Available
      case 0x28: // Wildcard Subscription Available
      case 0x29: // Subscription Identifier Available
      case 0x2a: // Shared Subscription Available
        r.u8();
        break;
      case 0x13: // Server Keep Alive
      case 0x21: // Receive Maximum
      case 0x22: // Topic Alias Maximum
        r.u16();
        break;
      case 0x23:
        out.topic_alias = r.u16();
        break;
      case 0x02: // Message Expiry Interval
      case 0x11: // Session Expiry Interval
      case 0x18: // Will Delay Interval
      case 0x27: // Maximum Packet Size
        r.u32();
        break;
      case 0x0b: // Subscription Identifier
        r.varint();
        break;
      case 0x03:
        out.content_type = r.str();
        break;
      case 0x08:
        out.response_topic = r.str();
        break;
      case 0x12:
        out.assigned_client_id = r.str();
        break;
      case 0x15:
        out.auth_method = r.str();
        break;
      case 0x1f:
        out.reason_string = r.str();
        break;
      case 0x1a: // Response Information
      case 0x1c: // Server Reference
        r.lengthPrefixed();
        break;
      case 0x09: // Correlation Data
      case 0x16: // Authentication Data
        r.bin();
        break;
      case 0x26: // User Property: a string pair
        r.lengthPrefixed();
        r.lengthPrefixed();
        break;
      default:
        r.ok = false;
    }
  }
  const ok = r.ok && r.pos === end;
  r.end = outer;
  if (ok) r.pos = end;
  else r.ok = false;
  return ok;
}
