/**
 * One direction of a connection as a contiguous run of bytes addressed by
 * stream position, with the time each byte arrived.
 *
 * Only the unparsed head is kept, and usually nothing is: an event's bytes
 * are lent to the buffer (no copy), parsed in place, and only what the
 * parser could not consume yet is copied, by {@linkcode StreamBuffer.settle},
 * before the event's memory is reused. An idle connection holds no bytes.
 *
 * @module
 */

const EMPTY = new Uint8Array(0);
const MIN_CAPACITY = 1024;

/** A byte queue whose first byte sits at stream position `headPos`. */
export class StreamBuffer {
  /** Owned storage, or the lent event bytes while `#lent`. */
  #buf: Uint8Array = EMPTY;
  #lent = false;
  #start = 0;
  #end = 0;
  /** Stream position of the first unconsumed byte. */
  headPos = 0;
  // Arrival marks, oldest first: bytes at positions >= a mark's position
  // arrived at its time. The oldest is in #pos0/#ts0; the rest, held only
  // while a frame spans several events, in #morePos/#moreTs. An idle
  // connection keeps one mark and no arrays: 10,000 of them add up.
  #marks = 0;
  #pos0 = 0;
  #ts0 = 0;
  #morePos: number[] | null = null;
  #moreTs: number[] | null = null;

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
    const more = this.#morePos;
    if (more !== null) {
      for (let i = more.length - 1; i >= 0; i--) {
        if (more[i]! <= this.headPos) return this.#moreTs![i]!;
      }
    }
    return this.#marks === 0 ? 0 : this.#ts0;
  }

  /** Arrival time of the last byte held. */
  get lastTs(): number {
    const more = this.#moreTs;
    if (more !== null) return more[more.length - 1]!;
    return this.#marks === 0 ? 0 : this.#ts0;
  }

  /** Bytes of owned storage (for memory accounting and tests). */
  get capacity(): number {
    return this.#lent ? 0 : this.#buf.length;
  }

  /** The held bytes (a view, valid until the next append, consume or settle). */
  view(): Uint8Array {
    // Usually the whole lent event: no new view object on the hot path.
    if (this.#start === 0 && this.#end === this.#buf.length) return this.#buf;
    return this.#buf.subarray(this.#start, this.#end);
  }

  /**
   * Appends bytes that start at `expected`, which arrived at `ts`. When the
   * buffer is empty they are lent, not copied: call settle() before the
   * memory behind `bytes` changes.
   */
  append(bytes: Uint8Array, ts: number): void {
    const n = bytes.length;
    if (n === 0) return;
    if (this.length === 0) {
      // Older marks date bytes already consumed: this one alone dates the head.
      this.#setOnlyMark(this.headPos, ts);
      this.#buf = bytes;
      this.#lent = true;
      this.#start = 0;
      this.#end = n;
      return;
    }
    this.#addMark(this.expected, ts);
    if (this.#lent) this.#own(n);
    else if (this.#end + n > this.#buf.length) this.#makeRoom(n);
    this.#buf.set(bytes, this.#end);
    this.#end += n;
  }

  /** Copies lent bytes that are still unconsumed into owned storage. */
  settle(): void {
    if (this.#lent) this.#own(0);
  }

  /** Drops `n` bytes from the head. */
  consume(n: number): void {
    const take = Math.min(n, this.length);
    this.#start += take;
    this.headPos += take;
    if (this.#start === this.#end) this.#release();
    this.#dropOldMarks();
  }

  /** Drops everything held and moves the head to `pos`. */
  reset(pos: number): void {
    this.#release();
    this.headPos = pos;
    this.#marks = 0;
    this.#morePos = this.#moreTs = null;
  }

  #release(): void {
    this.#buf = EMPTY;
    this.#lent = false;
    this.#start = this.#end = 0;
  }

  /** Moves the held bytes into owned storage with room for `extra` more. */
  #own(extra: number): void {
    const held = this.length;
    let cap = MIN_CAPACITY;
    while (cap < held + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(this.#start, this.#end));
    this.#buf = next;
    this.#lent = false;
    this.#start = 0;
    this.#end = held;
  }

  #setOnlyMark(pos: number, ts: number): void {
    this.#marks = 1;
    this.#pos0 = pos;
    this.#ts0 = ts;
    this.#morePos = this.#moreTs = null;
  }

  #addMark(pos: number, ts: number): void {
    if (this.#marks === 0) return this.#setOnlyMark(pos, ts);
    if (this.#morePos === null) {
      this.#morePos = [pos];
      this.#moreTs = [ts];
    } else {
      this.#morePos.push(pos);
      this.#moreTs!.push(ts);
    }
    this.#marks++;
  }

  #dropOldMarks(): void {
    // Keep the newest mark at or before the head; it dates the head byte.
    const pos = this.#morePos;
    if (pos === null) return;
    let keep = -1;
    while (keep + 1 < pos.length && pos[keep + 1]! <= this.headPos) keep++;
    if (keep < 0) return;
    const ts = this.#moreTs!;
    this.#pos0 = pos[keep]!;
    this.#ts0 = ts[keep]!;
    const n = pos.length - keep - 1;
    this.#marks = n + 1;
    if (n === 0) {
      this.#morePos = this.#moreTs = null;
      return;
    }
    // In place: splice would allocate an array of the removed marks.
    for (let i = 0; i < n; i++) {
      pos[i] = pos[i + keep + 1]!;
      ts[i] = ts[i + keep + 1]!;
    }
    pos.length = n;
    ts.length = n;
  }

  #makeRoom(n: number): void {
    const held = this.length;
    if (held + n <= this.#buf.length) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#start = 0;
      this.#end = held;
      return;
    }
    this.#own(n);
  }
}
