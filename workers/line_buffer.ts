/**
 * NDJSON lines encoded straight into an off-heap byte buffer that is handed
 * to the main thread whole (transferred, not copied).
 *
 * Holding a batch's lines as strings until they are posted made them
 * survive young-generation collections: each scavenge copied and promoted
 * megabytes of text, seconds of GC per million records. Encoded at once,
 * a line's string dies young, and the main thread writes the bytes as they
 * are.
 *
 * @module
 */

/** Default capacity of one buffer, in bytes. */
export const LINE_BUFFER_BYTES = 256 * 1024;

/** Accumulates encoded lines; `take` hands them over and starts a new buffer. */
export class LineBuffer {
  #bytes: Uint8Array<ArrayBuffer>;
  #used = 0;
  /** Lines in the buffer. */
  count = 0;
  readonly #capacity: number;
  readonly #encoder = new TextEncoder();
  readonly #onFull: () => void;

  /** `onFull` must `take` what is buffered; it is called before a line that does not fit. */
  constructor(onFull: () => void, capacity = LINE_BUFFER_BYTES) {
    this.#capacity = capacity;
    this.#bytes = new Uint8Array(capacity);
    this.#onFull = onFull;
  }

  /** Bytes buffered. */
  get length(): number {
    return this.#used;
  }

  /** Appends `line` (which ends with "\n"), UTF-8 encoded. */
  push(line: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.#used + line.length * 3 > this.#bytes.length) {
      if (this.#used > 0) this.#onFull();
      if (line.length * 3 > this.#bytes.length) this.#bytes = new Uint8Array(line.length * 3);
    }
    this.#used += this.#encoder.encodeInto(line, this.#bytes.subarray(this.#used)).written;
    this.count++;
  }

  /**
   * The buffered lines as bytes that the caller now owns (and may transfer);
   * the buffer restarts empty. A mostly full buffer is handed over whole,
   * a mostly empty one copied out: a fresh full-size buffer per small flush
   * would pile up off-heap memory until the receiver's next GC.
   */
  take(): Uint8Array<ArrayBuffer> {
    let out: Uint8Array<ArrayBuffer>;
    if (this.#used * 2 < this.#bytes.length) {
      out = this.#bytes.slice(0, this.#used);
    } else {
      out = this.#bytes.subarray(0, this.#used);
      this.#bytes = new Uint8Array(this.#capacity);
    }
    this.#used = 0;
    this.count = 0;
    return out;
  }
}
