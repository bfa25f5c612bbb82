/**
 * A child process's output read as text as it comes: wait for a marker
 * (a server's or client's "ready"), then collect the rest.
 *
 * @module
 */

/** Text read so far from a stream, with a way to wait for more. */
export class TextOutput {
  /** Everything read so far. */
  text = "";
  readonly #reader: ReadableStreamDefaultReader<string>;
  #rest: Promise<string> | null = null;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  /**
   * Reads until `marker` has been printed. Throws, with what was printed,
   * when the output ends first or `timeoutMs` passes.
   */
  async until(marker: string, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.text.includes(marker)) {
      const { value, done } = await this.#reader.read();
      if (done || Date.now() > deadline) throw new Error(`${what} ended before printing '${marker}': ${this.text}`);
      this.text += value;
    }
  }

  /** Stops reading: the rest of the output is discarded. */
  cancel(): Promise<void> {
    return this.#reader.cancel();
  }

  /** Reads to the end (once, however often it is called); resolves with all the text. */
  rest(): Promise<string> {
    this.#rest ??= (async () => {
      for (;;) {
        const { value, done } = await this.#reader.read();
        if (done) return this.text;
        this.text += value;
      }
    })();
    return this.#rest;
  }
}
