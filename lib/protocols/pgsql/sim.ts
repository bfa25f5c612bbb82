/**
 * A miniature connection tracker for the PostgreSQL tests.
 *
 * @module
 */

import { type Exchange, Stream } from "../common/parser.ts";
import { pgsqlParser as p } from "./mod.ts";
import type { Chunk } from "./testdata.ts";
import type { PgsqlState } from "./types.ts";

/**
 * What the connection tracker does, in small: a connection starts desynced
 * and resyncs when a request-stream read starts where findBoundary(…, 0)
 * is 0 (then the response stream seeks a boundary); each stream's
 * unconsumed bytes are kept with the time of each read; parseFrame is
 * called until it returns 0; consumed bytes are overwritten (so a parser
 * that kept views into them is caught); -1 desyncs; match after each read.
 */
export class Sim {
  readonly state: PgsqlState;
  readonly out: Exchange[] = [];
  /** Times parseFrame returned -1. */
  invalid = 0;
  /** Times the connection was resynced. */
  resyncs = 0;
  /** Largest unconsumed buffer held, in bytes. */
  maxHeld = 0;
  desynced: boolean;
  private seeking = [false, false];
  private candidate = false;
  private lastRespTs = 0;
  private bufs: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)];
  private reads: { end: number; ts: number }[][] = [[], []];

  constructor(maxBodyBytes = 4096, synced = false) {
    this.state = p.createState({ maxBodyBytes, datagram: false });
    this.desynced = !synced;
  }

  /** One read of `data` on `stream` at time `ts`. */
  push(stream: Stream, data: Uint8Array, ts: number): void {
    if (this.desynced) {
      if (stream === Stream.Response) {
        this.lastRespTs = ts;
        this.candidate = false;
        this.clear(Stream.Request);
        return;
      }
      if (!this.candidate) {
        if (ts < this.lastRespTs) return;
        this.candidate = true;
        this.clear(Stream.Request);
      }
      this.append(stream, data, ts);
      const at = p.findBoundary(this.state, Stream.Request, this.bufs[0]!, 0);
      if (at === 0) {
        p.reset(this.state);
        this.desynced = this.candidate = false;
        this.resyncs++;
        this.clear(Stream.Response);
        this.seeking = [false, true];
        this.pump(Stream.Request);
      } else if (at > 0 || this.bufs[0]!.length > 8192) {
        this.candidate = false;
        this.clear(Stream.Request);
      }
      p.match(this.state, this.out, false);
      return;
    }
    this.append(stream, data, ts);
    this.pump(stream);
    p.match(this.state, this.out, false);
  }

  /** Bytes the kernel did not copy; a desync unless the parser absorbs them. */
  skip(stream: Stream, len: number, ts: number): boolean {
    const ok = !this.desynced && this.bufs[stream]!.length === 0 &&
      !this.seeking[stream] &&
      p.skip(this.state, stream, len, ts);
    if (!ok) this.desync();
    p.match(this.state, this.out, false);
    return ok;
  }

  /** The connection closed at `ts`. */
  close(ts: number): void {
    if (this.desynced) return;
    p.finish(this.state, ts);
    p.match(this.state, this.out, true);
  }

  private desync(): void {
    this.desynced = true;
    this.candidate = false;
    p.reset(this.state);
    this.clear(Stream.Request);
    this.clear(Stream.Response);
    this.seeking = [true, true];
  }

  private append(stream: Stream, d: Uint8Array, ts: number): void {
    const old = this.bufs[stream]!;
    const buf = new Uint8Array(old.length + d.length);
    buf.set(old);
    buf.set(d, old.length);
    this.bufs[stream] = buf;
    this.reads[stream]!.push({ end: buf.length, ts });
    this.maxHeld = Math.max(this.maxHeld, buf.length);
  }

  private pump(stream: Stream): void {
    const reads = this.reads[stream]!;
    for (;;) {
      const b = this.bufs[stream]!;
      if (b.length === 0) break;
      if (this.seeking[stream]) {
        const at = p.findBoundary(this.state, stream, b, 0);
        if (at < 0) {
          if (b.length > 512) this.drop(stream, b.length - 512);
          break;
        }
        this.drop(stream, at);
        this.seeking[stream] = false;
        continue;
      }
      const r = p.parseFrame(
        this.state,
        stream,
        b,
        reads[0]!.ts,
        reads[reads.length - 1]!.ts,
      );
      if (r > 0) this.drop(stream, r);
      else if (r === 0 && b.length <= 1 << 20) break;
      else {
        this.invalid++;
        this.desync();
        break;
      }
    }
  }

  private clear(stream: Stream): void {
    this.bufs[stream] = new Uint8Array(0);
    this.reads[stream] = [];
  }

  private drop(stream: Stream, n: number): void {
    const b = this.bufs[stream]!;
    b.fill(0xee, 0, n);
    this.bufs[stream] = b.subarray(n);
    const reads = this.reads[stream]!;
    for (const r of reads) r.end -= n;
    while (reads.length > 0 && reads[0]!.end <= 0) reads.shift();
  }
}

/** Feed capture chunks to a new Sim, one read per chunk, 10 ns apart. */
export function replay(chunks: Chunk[], maxBodyBytes = 4096): Sim {
  const sim = new Sim(maxBodyBytes);
  let ts = 0;
  for (const c of chunks) sim.push(c.stream, c.bytes, ts += 10);
  sim.close(ts + 10);
  return sim;
}
