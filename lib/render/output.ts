/**
 * Ordered, batched writes to stdout. A closed stdout (`| head -1`) is not an
 * error: it calls `onClosed` once so the tool can stop cleanly.
 *
 * @module
 */

/** Anything with Deno's stdout write method. */
export interface ByteWriter {
  write(bytes: Uint8Array): Promise<number>;
}

/** Serialises text writes to a writer, one at a time, in order. */
export class OutputWriter {
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #encoder = new TextEncoder();
  readonly #writer: ByteWriter;
  readonly #onClosed: () => void;

  constructor(writer: ByteWriter, onClosed: () => void) {
    this.#writer = writer;
    this.#onClosed = onClosed;
  }

  /** Queues `text` for writing. */
  write(text: string): void {
    if (this.#closed || text.length === 0) return;
    this.writeBytes(this.#encoder.encode(text));
  }

  /**
   * Queues UTF-8 `bytes` for writing; the caller must not change them
   * before `written` is called (once they are written, or dropped because
   * stdout closed).
   */
  writeBytes(bytes: Uint8Array, written?: () => void): void {
    if (this.#closed || bytes.length === 0) return written?.();
    this.#chain = this.#chain.then(() => this.#writeAll(bytes)).then(written);
  }

  /** Resolves when everything queued so far is written. */
  flush(): Promise<void> {
    return this.#chain;
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return;
    try {
      let off = 0;
      while (off < bytes.length) {
        off += await this.#writer.write(bytes.subarray(off));
      }
    } catch (error) {
      if (
        error instanceof Deno.errors.BrokenPipe ||
        error instanceof Deno.errors.BadResource
      ) {
        this.#closed = true;
        this.#onClosed();
        return;
      }
      throw error;
    }
  }
}
