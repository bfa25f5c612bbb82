/**
 * The capture file: the raw kernel events of a session, so it can be
 * replayed later through the same workers and parsers without root.
 *
 * Layout (little-endian):
 *
 *   header  "L7TRACE\n" magic (8) | format version u32 | event ABI u32 |
 *           realtime offset ns f64 | reserved (8)            = 32 bytes
 *   blocks  "L7BK" (4) | payload length u32 | CRC-32 of payload u32 |
 *           source ring u32 | payload: events exactly as l7_drain lays
 *           them out (8-byte aligned, each starting with its size)
 *
 * The source ring matters for process-exit events, which the kernel copies
 * into every ring: each copy is in order only with its own ring's events.
 *
 * Every block is written whole by one worker with one write, so blocks of
 * different workers never interleave. A reader stops at the first block
 * that is cut short or fails its CRC, and names its offset.
 *
 * @module
 */
import zlib from "node:zlib";
import { ABI_VERSION } from "../../ffi/shim.ts";

/** First bytes of every capture file. */
export const MAGIC = new TextEncoder().encode("L7TRACE\n");
/** Version of this file layout. */
export const FORMAT_VERSION = 1;
/** Bytes of the file header. */
export const HEADER_BYTES = 32;
/** Bytes of a block header. */
export const BLOCK_HEADER_BYTES = 16;
const BLOCK_MAGIC = 0x4b42374c; // "L7BK" read as a little-endian u32
/** A block larger than this is corruption, not data. */
export const MAX_BLOCK_BYTES = 64 * 1024 * 1024;

/** Settings recorded in the header. */
export interface CaptureHeader {
  formatVersion: number;
  abiVersion: number;
  realtimeOffsetNs: number;
}

/** CRC-32 (IEEE) of bytes: zlib's, 30x faster than table lookups in JS. */
export function crc32(bytes: Uint8Array): number {
  return zlib.crc32(bytes) >>> 0;
}

/** The file header for a capture made now. */
export function encodeHeader(realtimeOffsetNs: number): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  const v = new DataView(out.buffer);
  out.set(MAGIC, 0);
  v.setUint32(8, FORMAT_VERSION, true);
  v.setUint32(12, ABI_VERSION, true);
  v.setFloat64(16, realtimeOffsetNs, true);
  return out;
}

/** One block holding `events` (as laid out by l7_drain) drained from `ring`. */
export function encodeBlock(events: Uint8Array, ring: number): Uint8Array {
  const out = new Uint8Array(BLOCK_HEADER_BYTES + events.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, BLOCK_MAGIC, true);
  v.setUint32(4, events.length, true);
  v.setUint32(8, crc32(events), true);
  v.setUint32(12, ring, true);
  out.set(events, BLOCK_HEADER_BYTES);
  return out;
}

/** A capture file that cannot be read, with the offset where reading stopped. */
export class CaptureError extends Error {
  /** Byte offset in the file of the damaged part. */
  readonly offset: number;
  constructor(path: string, offset: number, why: string) {
    super(`Cannot replay ${path}: ${why} at offset ${offset}`);
    this.name = "CaptureError";
    this.offset = offset;
  }
}

/** Parses and checks the header. */
export function decodeHeader(path: string, bytes: Uint8Array): CaptureHeader {
  if (bytes.length < HEADER_BYTES) {
    throw new CaptureError(path, 0, "the file is shorter than its header");
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new CaptureError(path, 0, "not an l7trace capture (bad magic)");
    }
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const formatVersion = v.getUint32(8, true);
  const abiVersion = v.getUint32(12, true);
  if (formatVersion !== FORMAT_VERSION) {
    throw new CaptureError(
      path,
      8,
      `format version ${formatVersion}, this l7trace reads version ${FORMAT_VERSION}`,
    );
  }
  if (abiVersion !== ABI_VERSION) {
    throw new CaptureError(
      path,
      12,
      `event ABI ${abiVersion}, this l7trace reads ABI ${ABI_VERSION}`,
    );
  }
  return {
    formatVersion,
    abiVersion,
    realtimeOffsetNs: v.getFloat64(16, true),
  };
}

/** Streams a capture file's blocks, checking each. */
export class CaptureReader {
  readonly #path: string;
  readonly #file: Deno.FsFile;
  #offset = 0;
  #buf = new Uint8Array(1 << 20);
  /** Unconsumed bytes are #buf[#start, #start + #len). */
  #start = 0;
  #len = 0;
  #eof = false;
  /** With `reuse`, the shared buffers blocks are read into, in turn. */
  readonly #slots: SharedArrayBuffer[] = [];
  readonly #reuse: number;
  #nextSlot = 0;

  private constructor(path: string, file: Deno.FsFile, reuse: number) {
    this.#path = path;
    this.#file = file;
    this.#reuse = reuse;
  }

  /**
   * Opens `path` and reads its header. With `reuse` n > 0, blocks are read
   * into n shared buffers in turn instead of a fresh one each (a fresh
   * buffer's pages fault in one by one, ~0.3 s of system time per 100 MB
   * on the VM): a block's bytes then hold only until n more are read.
   */
  static async open(
    path: string,
    { reuse = 0 }: { reuse?: number } = {},
  ): Promise<{ reader: CaptureReader; header: CaptureHeader }> {
    let file;
    try {
      file = await Deno.open(path, { read: true });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new CaptureError(path, 0, `cannot open the file (${why})`);
    }
    const reader = new CaptureReader(path, file, reuse);
    await reader.#fill(HEADER_BYTES);
    const header = decodeHeader(path, reader.#buf.subarray(0, reader.#len));
    reader.#consume(HEADER_BYTES);
    return { reader, header };
  }

  /**
   * The next block: its events (a copy in shared memory, so that a worker
   * can take it without another; fresh unless `reuse`) and the ring they
   * were drained from; null at a clean end of file. Throws CaptureError at
   * a damaged block.
   */
  async next(): Promise<{ events: Uint8Array<SharedArrayBuffer>; ring: number } | null> {
    await this.#fill(BLOCK_HEADER_BYTES);
    if (this.#len === 0) return null;
    const at = this.#offset;
    if (this.#len < BLOCK_HEADER_BYTES) {
      throw new CaptureError(
        this.#path,
        at,
        "the file ends inside a block header",
      );
    }
    const v = new DataView(this.#buf.buffer, this.#start, BLOCK_HEADER_BYTES);
    if (v.getUint32(0, true) !== BLOCK_MAGIC) {
      throw new CaptureError(this.#path, at, "no block starts here (corrupt)");
    }
    const length = v.getUint32(4, true);
    const crc = v.getUint32(8, true);
    const ring = v.getUint32(12, true);
    if (length > MAX_BLOCK_BYTES) {
      throw new CaptureError(
        this.#path,
        at,
        `block length ${length} is too large (corrupt)`,
      );
    }
    await this.#fill(BLOCK_HEADER_BYTES + length);
    if (this.#len < BLOCK_HEADER_BYTES + length) {
      throw new CaptureError(
        this.#path,
        at,
        `the file ends inside a block of ${length} bytes (truncated)`,
      );
    }
    const events = this.#blockBuffer(length);
    const from = this.#start + BLOCK_HEADER_BYTES;
    events.set(this.#buf.subarray(from, from + length));
    if (crc32(events) !== crc) {
      throw new CaptureError(
        this.#path,
        at,
        "block checksum mismatch (corrupt)",
      );
    }
    this.#consume(BLOCK_HEADER_BYTES + length);
    return { events, ring };
  }

  #blockBuffer(length: number): Uint8Array<SharedArrayBuffer> {
    if (this.#reuse <= 0) return new Uint8Array(new SharedArrayBuffer(length));
    const i = this.#nextSlot;
    this.#nextSlot = (i + 1) % this.#reuse;
    let slot = this.#slots[i];
    if (slot === undefined || slot.byteLength < length) {
      slot = this.#slots[i] = new SharedArrayBuffer(Math.max(length, slot ? 2 * slot.byteLength : 1 << 20));
    }
    return new Uint8Array(slot, 0, length);
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }

  async #fill(want: number): Promise<void> {
    if (this.#len >= want) return;
    // Unconsumed bytes move to the front only when the wanted ones would
    // not fit after them: moving them after every block was quadratic.
    if (this.#start + want > this.#buf.length) {
      if (want > this.#buf.length) {
        const next = new Uint8Array(Math.max(want, this.#buf.length * 2));
        next.set(this.#buf.subarray(this.#start, this.#start + this.#len));
        this.#buf = next;
      } else this.#buf.copyWithin(0, this.#start, this.#start + this.#len);
      this.#start = 0;
    }
    while (this.#len < want && !this.#eof) {
      const n = await this.#file.read(this.#buf.subarray(this.#start + this.#len));
      if (n === null) this.#eof = true;
      else this.#len += n;
    }
  }

  #consume(n: number): void {
    this.#start += n;
    this.#len -= n;
    if (this.#len === 0) this.#start = 0;
    this.#offset += n;
  }
}
