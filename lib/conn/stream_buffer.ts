/**
 * One direction of a connection as a contiguous run of bytes addressed by
 * stream position, with the time each byte arrived.
 *
 * Only the unparsed head is kept: parsers consume bytes as soon as they can
 * (bodies piece by piece), so the buffer holds at most a partial frame.
 *
 * @module
 */

const INITIAL_CAPACITY = 4096;

/** A growable byte queue whose first byte sits at stream position `headPos`. */
export class StreamBuffer {
  #buf = new Uint8Array(INITIAL_CAPACITY);
  #start = 0;
  #end = 0;
  /** Stream position of the first unconsumed byte. */
  headPos = 0;
  // Arrival marks: byte at position >= markPos[i] arrived at markTs[i].
  #markPos: number[] = [];
  #markTs: number[] = [];

  /** Bytes held. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** Position just past the last byte held: where the next event should start. */
  get expected(): number {
    return this.headPos + this.length;
  }

  /** Arrival time of the byte at the head (0 when nothing arrived yet). */
  get headTs(): number {
    const pos = this.#markPos;
    for (let i = pos.length - 1; i >= 0; i--) {
      if (pos[i]! <= this.headPos) return this.#markTs[i]!;
    }
    return this.#markTs[0] ?? 0;
  }

  /** Arrival time of the last byte held. */
  get lastTs(): number {
    return this.#markTs[this.#markTs.length - 1] ?? 0;
  }

  /** The held bytes (a view, valid until the next append or consume). */
  view(): Uint8Array {
    return this.#buf.subarray(this.#start, this.#end);
  }

  /** Appends bytes that start at `expected`, which arrived at `ts`. */
  append(bytes: Uint8Array, ts: number): void {
    const n = bytes.length;
    if (n === 0) return;
    if (this.#end + n > this.#buf.length) this.#makeRoom(n);
    this.#buf.set(bytes, this.#end);
    this.#markPos.push(this.expected);
    this.#markTs.push(ts);
    this.#end += n;
  }

  /** Drops `n` bytes from the head. */
  consume(n: number): void {
    const take = Math.min(n, this.length);
    this.#start += take;
    this.headPos += take;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    this.#dropOldMarks();
  }

  /** Drops everything held and moves the head to `pos`. */
  reset(pos: number): void {
    this.#start = this.#end = 0;
    this.headPos = pos;
    this.#markPos.length = 0;
    this.#markTs.length = 0;
    if (this.#buf.length > INITIAL_CAPACITY * 16) {
      this.#buf = new Uint8Array(INITIAL_CAPACITY);
    }
  }

  #dropOldMarks(): void {
    // Keep the newest mark at or before the head; it dates the head byte.
    const pos = this.#markPos;
    let keep = 0;
    while (keep + 1 < pos.length && pos[keep + 1]! <= this.headPos) keep++;
    if (keep > 0) {
      pos.splice(0, keep);
      this.#markTs.splice(0, keep);
    }
  }

  #makeRoom(n: number): void {
    const held = this.length;
    let cap = this.#buf.length;
    while (held + n > cap) cap *= 2;
    if (cap === this.#buf.length) {
      this.#buf.copyWithin(0, this.#start, this.#end);
    } else {
      const next = new Uint8Array(cap);
      next.set(this.#buf.subarray(this.#start, this.#end));
      this.#buf = next;
    }
    this.#start = 0;
    this.#end = held;
  }
}
