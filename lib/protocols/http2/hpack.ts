/**
 * HPACK header block decoder (RFC 7541) that never guesses.
 *
 * A decoder normally tracks the peer's dynamic table exactly. When it cannot
 * (the connection predates capture, bytes were lost, or the peer's table is
 * larger than our 64 KiB cap) entries past the ones we know may exist: any
 * reference to them yields {@linkcode UNKNOWN} instead of a value, so a
 * header is either right or marked unknown, never wrong.
 *
 * @module
 */
import { huffmanDecode } from "./huffman.ts";

/** The value shown for a header that needs dynamic table state we never saw. */
export const UNKNOWN = "<unknown: connection predates capture>";

/** Our dynamic table never holds more than this, whatever the peer announces. */
export const MAX_TABLE_BYTES = 64 * 1024;
/** Decoded header lists larger than this are rejected (bounded memory). */
const MAX_LIST_BYTES = 256 * 1024;

/** The RFC 7541 Appendix A static table; entry i is index i + 1. */
export const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

/** One decoded field; `name` or `value` may be {@linkcode UNKNOWN}. */
export type HeaderField = [name: string, value: string];

// One character per octet keeps entry sizes (RFC 7541 §4.1, in octets) equal to string lengths.
const latin1 = new TextDecoder("latin1");

/** Thrown internally on malformed blocks; never escapes {@linkcode HpackDecoder.decode}. */
class HpackError extends Error {}

/** Decodes the header blocks of one direction of one connection. */
export class HpackDecoder {
  /** Dynamic table entries, newest first. */
  entries: HeaderField[] = [];
  /** Sum of entry sizes (name + value + 32 each, RFC 7541 §4.1). */
  size = 0;
  /** Our table's maximum size (the peer's, capped at MAX_TABLE_BYTES). */
  maxSize = 4096;
  /** Upper bound for size updates, from SETTINGS_HEADER_TABLE_SIZE. */
  allowedMax = 4096;
  /** Entries we do not know may exist past ours. */
  tailUnknown = false;
  /** We know the table's maximum size, so our newest entries stay exact. */
  trackInserts = true;

  /**
   * Makes the decoder forget the peer's state: the connection predates
   * capture, or header blocks were lost. Until a size update tells us the
   * table's maximum size, new entries cannot be placed, so none are kept.
   */
  loseSync(): void {
    this.entries = [];
    this.size = 0;
    this.tailUnknown = true;
    this.trackInserts = false;
  }

  /** True when every dynamic-table reference can be resolved. */
  get synced(): boolean {
    return !this.tailUnknown;
  }

  /** SETTINGS_HEADER_TABLE_SIZE from the decoding side bounds the encoder's table. */
  setAllowedMax(n: number): void {
    this.allowedMax = n;
  }

  /**
   * Decodes one complete header block. Returns the fields, or an error
   * string; after an error the decoder has lost sync (entries may have been
   * half-applied) and reports unknown references from then on.
   */
  decode(block: Uint8Array): HeaderField[] | string {
    try {
      return this.#decode(block);
    } catch (e) {
      this.loseSync();
      return e instanceof HpackError ? e.message : "hpack: internal error";
    }
  }

  #decode(b: Uint8Array): HeaderField[] {
    const out: HeaderField[] = [];
    const pos = { i: 0 };
    let total = 0;
    let fieldsSeen = false;
    while (pos.i < b.length) {
      const first = b[pos.i]!;
      let field: HeaderField;
      if (first & 0x80) {
        const index = readInt(b, pos, 7);
        if (index === 0) throw new HpackError("hpack: index 0");
        field = this.#lookup(index);
      } else if ((first & 0xe0) === 0x20) {
        // Size updates must come first in a block (RFC 7541 §4.2).
        if (fieldsSeen) throw new HpackError("hpack: size update after a field");
        this.#resize(readInt(b, pos, 5));
        continue;
      } else {
        const indexing = (first & 0xc0) === 0x40;
        const index = readInt(b, pos, indexing ? 6 : 4);
        const name = index === 0 ? readString(b, pos) : this.#lookup(index)[0];
        field = [name, readString(b, pos)];
        if (indexing) this.#insert(field);
      }
      fieldsSeen = true;
      total += field[0].length + field[1].length + 32;
      if (total > MAX_LIST_BYTES) throw new HpackError("hpack: header list too large");
      out.push(field);
    }
    return out;
  }

  #lookup(index: number): HeaderField {
    if (index <= STATIC_TABLE.length) {
      const [n, v] = STATIC_TABLE[index - 1]!;
      return [n, v];
    }
    const entry = this.entries[index - STATIC_TABLE.length - 1];
    if (entry) return [entry[0], entry[1]];
    if (this.tailUnknown) return [UNKNOWN, UNKNOWN];
    throw new HpackError(`hpack: index ${index} out of range`);
  }

  #insert(field: HeaderField): void {
    // Without the maximum size we cannot know which entry a later index means.
    if (!this.trackInserts) return;
    // An entry with an unknown part would poison later references; drop
    // our knowledge instead of storing a guess.
    if (field[0] === UNKNOWN || field[1] === UNKNOWN) {
      this.loseSync();
      return;
    }
    const size = field[0].length + field[1].length + 32;
    if (size > this.maxSize) {
      // RFC 7541 §4.4: the table is emptied, unknown entries included...
      this.entries = [];
      this.size = 0;
      // ...unless the peer's real table is larger than our cap.
      this.tailUnknown = this.maxSize < this.realMaxAtLeast;
      return;
    }
    this.entries.unshift(field);
    this.size += size;
    this.#evict();
  }

  /** The peer's table may exceed our cap; this remembers how large it said. */
  realMaxAtLeast = 0;

  #resize(n: number): void {
    if (n > this.allowedMax && n > 4096) throw new HpackError(`hpack: table size ${n} above the allowed maximum`);
    this.realMaxAtLeast = n;
    this.maxSize = Math.min(n, MAX_TABLE_BYTES);
    // Our newest entries match the peer's from now on, since its maximum is
    // known (or at least as large as ours).
    this.trackInserts = true;
    if (n > MAX_TABLE_BYTES) this.tailUnknown = true;
    else if (n === 0) this.tailUnknown = false;
    this.#evict();
  }

  #evict(): void {
    while (this.size > this.maxSize && this.entries.length > 0) {
      const [n, v] = this.entries.pop()!;
      this.size -= n.length + v.length + 32;
      // Evicted because of our cap, not the peer's limit: it still has it.
      if (this.realMaxAtLeast > MAX_TABLE_BYTES) this.tailUnknown = true;
    }
  }
}

/** RFC 7541 §5.1 integer with an N-bit prefix; absurd values (> 2^28) are errors. */
function readInt(b: Uint8Array, pos: { i: number }, prefix: number): number {
  const mask = (1 << prefix) - 1;
  let value = b[pos.i++]! & mask;
  if (value < mask) return value;
  let shift = 0;
  for (;;) {
    if (pos.i >= b.length) throw new HpackError("hpack: truncated integer");
    const byte = b[pos.i++]!;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (value > 1 << 28) throw new HpackError("hpack: integer too large");
    if ((byte & 0x80) === 0) return value;
  }
}

/** RFC 7541 §5.2 string literal, Huffman-coded or raw. */
function readString(b: Uint8Array, pos: { i: number }): string {
  if (pos.i >= b.length) throw new HpackError("hpack: truncated string");
  const huffman = (b[pos.i]! & 0x80) !== 0;
  const len = readInt(b, pos, 7);
  if (pos.i + len > b.length) throw new HpackError("hpack: truncated string");
  const raw = b.subarray(pos.i, pos.i + len);
  pos.i += len;
  if (!huffman) return latin1.decode(raw);
  const decoded = huffmanDecode(raw);
  if (!decoded) throw new HpackError("hpack: invalid huffman string");
  return latin1.decode(decoded);
}
