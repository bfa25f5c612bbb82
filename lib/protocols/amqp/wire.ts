/**
 * AMQP 0-9-1 wire primitives (AMQP 0-9-1 §4.2): the frame header, octets,
 * shorts, longs, long-longs, short and long strings, packed bits and field
 * tables. Everything reads from a Uint8Array in place and reports
 * truncation through {@linkcode Reader.ok} instead of throwing.
 *
 * @module
 */
import { utf8Text } from "../common/text.ts";

/** Frame types (§4.2.3); RabbitMQ sends heartbeats as type 8. */
export const enum FrameType {
  Method = 1,
  Header = 2,
  Body = 3,
  Heartbeat = 8,
}

/** Bytes before a frame's payload: type, channel, size. */
export const FRAME_HEADER = 7;
/** The octet that ends every frame. */
export const FRAME_END = 0xce;
/** "AMQP", the first four bytes of the protocol header (§4.2.2). */
export const PROTOCOL_MAGIC = [0x41, 0x4d, 0x51, 0x50] as const;

/** Big-endian u32 at `at` (the caller checked the bounds). */
export function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;
}

/** Big-endian u16 at `at` (the caller checked the bounds). */
export function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/** Whether `b` holds the protocol header "AMQP" + 4 version bytes at `at` (as much of it as `b` has). */
export function protocolHeaderAt(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 4 && at + i < b.length; i++) if (b[at + i] !== PROTOCOL_MAGIC[i]) return false;
  // 0-9-1 sends 0,0,9,1; older brokers answer a mismatch with their own (1,1,0,9 or 0,0,9,1).
  return at + 4 >= b.length || b[at + 4]! <= 1;
}

/** A cursor over `b[pos..end)` that turns every read past `end` into `ok = false`. */
export class Reader {
  ok = true;
  pos: number;
  /** Bits left in the octet of packed bits being read, and that octet. */
  #bitsLeft = 0;
  #bits = 0;

  constructor(readonly b: Uint8Array, pos: number, readonly end: number) {
    this.pos = pos;
  }

  get left(): number {
    return this.end - this.pos;
  }

  /** An octet. */
  u8(): number {
    this.#bitsLeft = 0;
    if (this.pos + 1 > this.end) return this.#fail();
    return this.b[this.pos++]!;
  }

  /** A short (u16). */
  u16(): number {
    this.#bitsLeft = 0;
    if (this.pos + 2 > this.end) return this.#fail();
    const v = u16(this.b, this.pos);
    this.pos += 2;
    return v;
  }

  /** A long (u32). */
  u32(): number {
    this.#bitsLeft = 0;
    if (this.pos + 4 > this.end) return this.#fail();
    const v = u32(this.b, this.pos);
    this.pos += 4;
    return v;
  }

  /** A long-long (u64) as a number: exact up to 2^53, which delivery tags and sizes stay under. */
  u64(): number {
    const hi = this.u32();
    const lo = this.u32();
    return hi * 4294967296 + lo;
  }

  /** One bit of a run of packed bits (§4.2.5.2): low bit first, a new octet every 8. */
  bit(): boolean {
    if (this.#bitsLeft === 0) {
      if (this.pos + 1 > this.end) return this.#fail() !== 0;
      this.#bits = this.b[this.pos++]!;
      this.#bitsLeft = 8;
    }
    const v = (this.#bits & 1) === 1;
    this.#bits >>= 1;
    this.#bitsLeft--;
    return v;
  }

  /** A short string: one length octet, then the bytes. */
  shortstr(): string {
    const n = this.u8();
    return this.#text(n);
  }

  /** A long string's text (u32 length). */
  longstr(): string {
    const n = this.u32();
    return this.#text(n);
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    this.#bitsLeft = 0;
    if (n > this.left) this.#fail();
    else this.pos += n;
  }

  #text(n: number): string {
    if (!this.ok) return "";
    if (n > this.left) return this.#fail(), "";
    const at = this.pos;
    this.pos += n;
    return text(this.b, at, this.pos);
  }

  #fail(): number {
    this.ok = false;
    this.pos = this.end;
    return 0;
  }
}

/** Bytes as text: ASCII without a decoder call, else UTF-8 with invalid bytes replaced. */
export function text(b: Uint8Array, from: number, to: number): string {
  return utf8Text(b, from, to);
}

/** Value sizes of the fixed-width field-table types (RabbitMQ's and the 0-9-1 errata's type octets). */
const FIXED: Readonly<Record<string, number>> = {
  t: 1,
  b: 1,
  B: 1,
  s: 2,
  u: 2,
  U: 2,
  I: 4,
  i: 4,
  L: 8,
  l: 8,
  f: 4,
  d: 8,
  D: 5,
  T: 8,
  V: 0,
};

/** A field-table value kept in a record: strings, integers and booleans; other types are skipped. */
export type FieldValue = string | number | boolean;

/**
 * Reads a field table (§4.2.5.5). Only the top-level entries named in
 * `want` with a string, integer or boolean value are kept; nested tables
 * and arrays are skipped by their length. A malformed table is skipped
 * whole by its length prefix, keeping what was read before the damage.
 */
export function fieldTable(r: Reader, want: ReadonlySet<string> | null): Record<string, FieldValue> | null {
  const size = r.u32();
  if (!r.ok) return null;
  if (size > r.left) {
    r.skip(size);
    return null;
  }
  const end = r.pos + size;
  const out: Record<string, FieldValue> = {};
  const t = new Reader(r.b, r.pos, end);
  while (t.ok && t.pos < end) {
    const name = t.shortstr();
    const type = String.fromCharCode(t.u8());
    if (!t.ok) break;
    const keep = want === null || want.has(name);
    const fixed = FIXED[type];
    if (fixed !== undefined) {
      if (t.left < fixed) break;
      if (keep) {
        const v = fixedValue(t, type);
        if (v !== undefined) out[name] = v;
      }
      t.pos += fixed;
    } else if (type === "S" || type === "x" || type === "F" || type === "A") {
      const n = t.u32();
      if (!t.ok || n > t.left) break;
      if (keep && type === "S") out[name] = text(t.b, t.pos, t.pos + n);
      t.pos += n;
    } else {
      break; // an unknown type: its length is unknown, the rest cannot be read
    }
  }
  r.pos = end;
  return out;
}

/** The value of a fixed-width field at the reader's position, without moving it. */
function fixedValue(t: Reader, type: string): FieldValue | undefined {
  const b = t.b, at = t.pos;
  switch (type) {
    case "t":
      return b[at] !== 0;
    case "b":
      return (b[at]! << 24) >> 24;
    case "B":
      return b[at]!;
    case "s":
    case "U":
      return (u16(b, at) << 16) >> 16;
    case "u":
      return u16(b, at);
    case "I":
      return u32(b, at) | 0;
    case "i":
      return u32(b, at);
    case "L":
    case "l":
    case "T": {
      const hi = u32(b, at), lo = u32(b, at + 4);
      return type === "T" || hi < 0x80000000 ? hi * 4294967296 + lo : (hi - 4294967296) * 4294967296 + lo;
    }
    default:
      return undefined; // floats and decimals are not kept
  }
}

export { hex, printableText } from "../common/payload.ts";
