/**
 * NDJSON lines encoded into shared byte buffers that are handed to the
 * main thread and come back to be reused.
 *
 * Shared, not transferred: Deno's postMessage copies a transferred
 * ArrayBuffer, its whole capacity, at about 1 GB/s (1 MiB: ~1 ms; and a
 * view of it costs as much), while a SharedArrayBuffer goes by reference in
 * ~5 µs. Posting 1 MiB buffers once per drain had made postMessage the
 * worker's top entry with 16 KiB responses (11% of its time). Ownership is
 * by protocol: after `take`, the worker does not touch a buffer until the
 * main thread releases it.
 *
 * Holding a batch's lines as strings until they are posted made them
 * survive young-generation collections: each scavenge copied and promoted
 * megabytes of text, seconds of GC per million records. Here a few lines
 * are joined and encoded at once (one encodeInto call per ~8K characters,
 * not per line), so strings die young. A fresh buffer per flush cost more
 * than the post itself (a 256 KiB ArrayBuffer is mmapped and faulted in
 * each time): buffers are reused once the main thread has written them.
 *
 * Lines are written into a plain buffer and copied into a shared one when
 * taken. V8 copies into a SharedArrayBuffer with relaxed atomics, a byte
 * at a time unless source and target are equally word-aligned, which a
 * line's fields at arbitrary offsets never are: copying each record's
 * connection fields and rendered heads straight into shared memory took
 * 7.6% of l7trace's CPU tracing nginx (perf), and the copies left cost
 * under half of that.
 *
 * @module
 */

/** Default capacity of one buffer, in bytes. */
export const LINE_BUFFER_BYTES = 1024 * 1024;
/** Lines are encoded once this many UTF-16 code units are pending. */
const ENCODE_CHARS = 8192;
/** Buffers kept for reuse; beyond them a full buffer is left to the garbage collector. */
const MAX_SLOTS = 16;
/**
 * Each buffer starts with a state word, then its bytes: the main thread
 * frees a buffer by storing FREE there, with no message. A recycle message
 * had to wait for the worker's event loop, which a busy worker does not
 * reach while its ring keeps filling: at saturation every take got a fresh
 * buffer, and the worker spent a sixth of its time faulting in new pages.
 */
const STATE_BYTES = 8;
const FREE = 0;
const TAKEN = 1;

/** Accumulates encoded lines; `take` hands them over and starts another buffer. */
export class LineBuffer {
  /** Where lines are written until they are taken. */
  #bytes: Uint8Array;
  #used = 0;
  /** Lines joined but not yet encoded. */
  #pending = "";
  #pendingLines = 0;
  #encodedLines = 0;
  /** Shared buffers lines are copied into when taken, kept for reuse. */
  readonly #slots: Uint8Array<SharedArrayBuffer>[] = [];
  readonly #capacity: number;
  readonly #encodeChars: number;
  readonly #encoder = new TextEncoder();
  readonly #onFull: () => void;

  /**
   * `onFull` must `take` what is buffered; it is called before lines that
   * do not fit. Lines are encoded in groups of about `encodeChars` UTF-16
   * code units.
   */
  constructor(onFull: () => void, capacity = LINE_BUFFER_BYTES, encodeChars = ENCODE_CHARS) {
    this.#capacity = capacity;
    this.#encodeChars = encodeChars;
    this.#bytes = new Uint8Array(capacity);
    this.#onFull = onFull;
  }

  /** Lines buffered. */
  get count(): number {
    return this.#encodedLines + this.#pendingLines;
  }

  /** Bytes buffered (after encoding what is pending). */
  get length(): number {
    this.#encodePending();
    return this.#used;
  }

  /** Buffers kept for reuse so far. */
  get pooled(): number {
    return this.#slots.length;
  }

  /** Appends `line` (which ends with "\n"). */
  push(line: string): void {
    this.#pending += line;
    this.#pendingLines++;
    if (this.#pending.length >= this.#encodeChars) this.#encodePending();
  }

  /**
   * The buffer to write one line of at most `n` bytes into, from
   * {@linkcode used}; {@linkcode commit} then adds it. Lines pushed as text
   * before it are encoded first, so lines keep their order.
   */
  reserve(n: number): Uint8Array {
    this.#encodePending();
    if (this.#used + n > this.#bytes.length) {
      if (this.#used > 0) this.#onFull();
      if (n > this.#bytes.length) this.#bytes = new Uint8Array(n);
    }
    return this.#bytes;
  }

  /** Where the next line goes in the buffer {@linkcode reserve} returned. */
  get used(): number {
    return this.#used;
  }

  /** Adds the line written after a {@linkcode reserve}, which ends at `end`. */
  commit(end: number): void {
    this.#used = end;
    this.#encodedLines++;
  }

  #encodePending(): void {
    const text = this.#pending;
    if (text.length === 0) return;
    this.#pending = "";
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.#used + text.length * 3 > this.#bytes.length) {
      if (this.#used > 0) {
        // onFull takes the encoded lines only: these are not counted yet.
        const lines = this.#pendingLines;
        this.#pendingLines = 0;
        this.#onFull();
        this.#pendingLines = lines;
      }
      if (text.length * 3 > this.#bytes.length) this.#bytes = new Uint8Array(text.length * 3);
    }
    this.#used += this.#encoder.encodeInto(text, this.#bytes.subarray(this.#used)).written;
    this.#encodedLines += this.#pendingLines;
    this.#pendingLines = 0;
  }

  /**
   * The buffered lines as bytes that the caller now owns (and may post;
   * {@linkcode releaseLines} gives them back); buffering goes on in a free
   * or new buffer.
   */
  take(): Uint8Array<SharedArrayBuffer> {
    return this.takeLines().bytes;
  }

  /**
   * {@linkcode take}, with the number of lines in the bytes. Read `count`
   * before `take` and it may be wrong: encoding what is pending can fill
   * the buffer, and `onFull` then hands some of the lines over first.
   */
  takeLines(): { bytes: Uint8Array<SharedArrayBuffer>; count: number } {
    this.#encodePending();
    const count = this.#encodedLines;
    const used = this.#used;
    // Nothing to hand over: an empty view (releasing it is harmless).
    if (used === 0) return { bytes: EMPTY, count };
    const slot = used > this.#capacity ? lineBytes(used) : this.#freeSlot();
    slot.set(this.#bytes.subarray(0, used));
    Atomics.store(stateOf(slot), 0, TAKEN);
    // A one-off buffer for an oversized line goes; the usual one is reused.
    if (this.#bytes.length > this.#capacity) this.#bytes = new Uint8Array(this.#capacity);
    this.#used = 0;
    this.#encodedLines = 0;
    return { bytes: slot.subarray(0, used), count };
  }

  #freeSlot(): Uint8Array<SharedArrayBuffer> {
    for (const slot of this.#slots) if (Atomics.load(stateOf(slot), 0) === FREE) return slot;
    const fresh = lineBytes(this.#capacity);
    if (this.#slots.length < MAX_SLOTS) this.#slots.push(fresh);
    return fresh;
  }
}

/**
 * Gives back bytes {@linkcode LineBuffer.take} handed out, once they are no
 * longer needed; from any thread.
 */
export function releaseLines(bytes: Uint8Array<SharedArrayBuffer>): void {
  Atomics.store(stateOf(bytes), 0, FREE);
}

function stateOf(bytes: Uint8Array<SharedArrayBuffer>): Int32Array<SharedArrayBuffer> {
  return new Int32Array(bytes.buffer, 0, 1);
}

const EMPTY = lineBytes(0);

function lineBytes(length: number): Uint8Array<SharedArrayBuffer> {
  return new Uint8Array(new SharedArrayBuffer(STATE_BYTES + length), STATE_BYTES, length);
}
