/**
 * Test support: the connection tracker in small, for parser tests that
 * replay captured reads.
 *
 * @module
 */
import { type Exchange, type Parser, Stream } from "./parser.ts";

/**
 * What the connection tracker does, in small: keep each stream's unconsumed
 * bytes with the time of each read, call parseFrame until it returns 0, drop
 * consumed bytes (overwriting them, so a parser that kept views into them is
 * caught), and match after every read. After -1 the connection is desynced
 * as in the tracker: the parser is reset, both buffers dropped, and parsing
 * resumes at a request read that findBoundary accepts at offset 0 (the
 * response stream then seeks with findBoundary).
 */
export class ParserSim<S> {
  /** The parser state under test. */
  readonly state: S;
  readonly #parser: Parser<S>;
  /** Exchanges matched so far. */
  readonly out: Exchange[] = [];
  /** Number of -1 results seen. */
  invalid = 0;
  /** Largest unconsumed buffer held, in bytes. */
  maxHeld = 0;
  /** True while waiting for a request start, as after a loss of sync. */
  desynced = false;
  private seeking = false;
  private bufs: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)];
  private reads: { end: number; ts: number }[][] = [[], []];

  constructor(parser: Parser<S>, maxBodyBytes = 1024) {
    this.#parser = parser;
    this.state = parser.createState({ maxBodyBytes, datagram: false });
  }

  /** One read of `data` on `stream` at time `ts`. */
  push(stream: Stream, data: string | Uint8Array, ts: number): void {
    let d = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const p = this.#parser;
    if (this.desynced) {
      if (stream === Stream.Response) return;
      if (p.findBoundary(this.state, Stream.Request, d, 0) !== 0) return;
      p.reset(this.state);
      this.desynced = false;
      this.seeking = true;
    }
    if (stream === Stream.Response && this.seeking) {
      const at = p.findBoundary(this.state, stream, d, 0);
      if (at < 0) return;
      this.seeking = false;
      d = d.subarray(at);
    }
    const old = this.bufs[stream]!;
    const buf = new Uint8Array(old.length + d.length);
    buf.set(old);
    buf.set(d, old.length);
    this.bufs[stream] = buf;
    const reads = this.reads[stream]!;
    reads.push({ end: buf.length, ts });
    this.maxHeld = Math.max(this.maxHeld, buf.length);
    for (;;) {
      const b = this.bufs[stream]!;
      if (b.length === 0) break;
      const r = p.parseFrame(
        this.state,
        stream,
        b,
        reads[0]!.ts,
        reads[reads.length - 1]!.ts,
      );
      if (r === 0) break;
      if (r > 0) {
        if (r > b.length) throw new Error(`consumed ${r} of ${b.length}`);
        this.drop(stream, r);
        continue;
      }
      this.invalid++;
      this.desynced = true;
      p.reset(this.state);
      for (const s of [0, 1]) this.drop(s, this.bufs[s]!.length);
      break;
    }
    p.match(this.state, this.out, false);
  }

  /** Bytes the kernel did not copy, then match; false means desynced. */
  skip(stream: Stream, len: number, ts: number): boolean {
    const ok = this.#parser.skip(this.state, stream, len, ts);
    if (!ok) {
      this.desynced = true;
      this.#parser.reset(this.state);
    }
    this.#parser.match(this.state, this.out, false);
    return ok;
  }

  /** The connection closed at `ts`. */
  close(ts: number): void {
    this.#parser.finish(this.state, ts);
    this.#parser.match(this.state, this.out, true);
  }

  private drop(stream: number, n: number): void {
    const b = this.bufs[stream]!;
    b.fill(0xee, 0, n);
    this.bufs[stream] = b.subarray(n);
    const reads = this.reads[stream]!;
    for (const r of reads) r.end -= n;
    while (reads.length > 0 && reads[0]!.end <= 0) reads.shift();
  }
}

/**
 * A stricter tracker in small, for protocols that never resync inside a
 * connection: keep each stream's unconsumed bytes, call parseFrame until it
 * returns 0, drop consumed bytes (overwriting them, so a parser that kept
 * views into them is caught), and match after every read. After -1 both
 * streams are dropped and the parser reset; `invalid` counts them.
 */
export class FrameSim<S> {
  /** The parser state under test. */
  readonly state: S;
  /** Exchanges matched so far. */
  readonly out: Exchange[] = [];
  /** Number of -1 results seen. */
  invalid = 0;
  readonly #parser: Parser<S>;
  #bufs: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)];

  constructor(parser: Parser<S>, maxBodyBytes = 1024) {
    this.#parser = parser;
    this.state = parser.createState({ maxBodyBytes, datagram: false });
  }

  /** One read of `data` on `stream` at time `ts`. */
  push(stream: Stream, data: Uint8Array, ts: number): void {
    const held = this.#bufs[stream]!;
    let b = new Uint8Array(held.length + data.length);
    b.set(held);
    b.set(data, held.length);
    for (;;) {
      if (b.length === 0) break;
      const n = this.#parser.parseFrame(this.state, stream, b, ts, ts);
      if (n === 0) break;
      if (n < 0) {
        this.invalid++;
        this.#parser.reset(this.state);
        this.#bufs = [new Uint8Array(0), new Uint8Array(0)];
        b = new Uint8Array(0);
        break;
      }
      b.fill(0xee, 0, n); // consumed bytes must not be referenced
      b = b.slice(n);
    }
    this.#bufs[stream] = b;
    this.#parser.match(this.state, this.out, false);
  }

  /** A gap of `len` bytes on `stream`. */
  gap(stream: Stream, len: number, ts: number): void {
    if (!this.#parser.skip(this.state, stream, len, ts)) {
      this.#parser.reset(this.state);
      this.#bufs = [new Uint8Array(0), new Uint8Array(0)];
    }
    this.#parser.match(this.state, this.out, false);
  }

  /** The connection closed. */
  close(ts: number): void {
    this.#parser.finish(this.state, ts);
    this.#parser.match(this.state, this.out, true);
  }
}
