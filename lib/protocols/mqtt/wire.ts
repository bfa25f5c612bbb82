/**
 * MQTT wire primitives (OASIS MQTT 3.1.1 §1.5 and §2.2, MQTT 5.0 §1.5 and
 * §2.1): the fixed header, Variable Byte Integers, two-byte integers,
 * length-prefixed strings and binary data. Everything reads from a
 * Uint8Array in place and reports truncation instead of throwing.
 *
 * @module
 */
import { utf8Text } from "../common/text.ts";

/** Control packet types (the high nibble of the first byte). */
export const enum PacketType {
  CONNECT = 1,
  CONNACK = 2,
  PUBLISH = 3,
  PUBACK = 4,
  PUBREC = 5,
  PUBREL = 6,
  PUBCOMP = 7,
  SUBSCRIBE = 8,
  SUBACK = 9,
  UNSUBSCRIBE = 10,
  UNSUBACK = 11,
  PINGREQ = 12,
  PINGRESP = 13,
  DISCONNECT = 14,
  AUTH = 15,
}

/** Names of the packet types, indexed by type; 0 is reserved. */
export const TYPE_NAMES: readonly string[] = [
  "RESERVED",
  "CONNECT",
  "CONNACK",
  "PUBLISH",
  "PUBACK",
  "PUBREC",
  "PUBREL",
  "PUBCOMP",
  "SUBSCRIBE",
  "SUBACK",
  "UNSUBSCRIBE",
  "UNSUBACK",
  "PINGREQ",
  "PINGRESP",
  "DISCONNECT",
  "AUTH",
];

/** The largest Remaining Length a Variable Byte Integer can hold (§1.5.5). */
export const MAX_REMAINING = 268_435_455;

/** A decoded fixed header. */
export interface FixedHeader {
  type: number;
  flags: number;
  /** Bytes of the fixed header itself (2 to 5). */
  headerLen: number;
  /** The Remaining Length: bytes after the fixed header. */
  remaining: number;
}

/**
 * Whether the low nibble is what the type requires: 0010 for PUBREL,
 * SUBSCRIBE and UNSUBSCRIBE, anything but QoS 3 for PUBLISH, 0000 else
 * (3.1.1 §2.2.2, 5.0 §2.1.3). AUTH exists only in version 5.
 */
export function flagsValid(type: number, flags: number, version: number): boolean {
  switch (type) {
    case 0:
      return false;
    case PacketType.PUBLISH:
      return (flags & 0x06) !== 0x06;
    case PacketType.PUBREL:
    case PacketType.SUBSCRIBE:
    case PacketType.UNSUBSCRIBE:
      return flags === 0x02;
    case PacketType.AUTH:
      return flags === 0 && version === 5;
    default:
      return flags === 0;
  }
}

/**
 * Decodes the fixed header at `at`: the header, null when more bytes are
 * needed, or undefined when it cannot be one (bad flags, a fifth length
 * byte, or a non-minimal length encoding).
 */
export function fixedHeader(
  b: Uint8Array,
  at: number,
  version: number,
): FixedHeader | null | undefined {
  if (at >= b.length) return null;
  const type = b[at]! >> 4, flags = b[at]! & 0x0f;
  if (!flagsValid(type, flags, version)) return undefined;
  let value = 0, mult = 1;
  for (let i = 1; i <= 4; i++) {
    if (at + i >= b.length) return null;
    const c = b[at + i]!;
    // A trailing zero continuation byte would be a longer encoding of a smaller number.
    if (i > 1 && c === 0) return undefined;
    value += (c & 0x7f) * mult;
    if ((c & 0x80) === 0) return { type, flags, headerLen: i + 1, remaining: value };
    mult *= 128;
  }
  return undefined;
}

/** Bytes the Variable Byte Integer encoding of `n` takes (1 to 4). */
export function varintLen(n: number): number {
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
}

/**
 * A cursor over one packet's bytes `[pos, end)`. Reads past the end set
 * `ok` to false and return zero values, so a parser checks once at the end.
 */
export class Reader {
  ok = true;
  constructor(readonly b: Uint8Array, public pos: number, public end: number) {}

  /** Bytes left before the end. */
  get left(): number {
    return this.end - this.pos;
  }

  u8(): number {
    if (this.pos >= this.end) return this.#fail();
    return this.b[this.pos++]!;
  }

  u16(): number {
    if (this.pos + 2 > this.end) return this.#fail();
    const v = this.b[this.pos]! << 8 | this.b[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u32(): number {
    if (this.pos + 4 > this.end) return this.#fail();
    const b = this.b, p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) >>> 0) + (b[p + 1]! << 16 | b[p + 2]! << 8 | b[p + 3]!);
  }

  /** A Variable Byte Integer (§1.5.5). */
  varint(): number {
    let value = 0, mult = 1;
    for (let i = 0; i < 4; i++) {
      const c = this.u8();
      if (!this.ok) return 0;
      value += (c & 0x7f) * mult;
      if ((c & 0x80) === 0) return value;
      mult *= 128;
    }
    return this.#fail();
  }

  /** Advances `n` bytes. */
  skip(n: number): void {
    if (n > this.left) {
      this.#fail();
      return;
    }
    this.pos += n;
  }

  /** A two-byte length, then that many bytes: their offset, or -1. */
  lengthPrefixed(): number {
    const n = this.u16();
    if (!this.ok || n > this.left) {
      this.#fail();
      return -1;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** A UTF-8 String (§1.5.4), invalid bytes replaced. */
  str(): string {
    const at = this.lengthPrefixed();
    if (at < 0) return "";
    return utf8Text(this.b, at, this.pos);
  }

  /** Binary Data (§1.5.6): only its length is kept. */
  bin(): number {
    const at = this.lengthPrefixed();
    return at < 0 ? 0 : this.pos - at;
  }

  #fail(): number {
    this.ok = false;
    this.pos = this.end;
    return 0;
  }
}

export { hex, printableText } from "../common/payload.ts";
