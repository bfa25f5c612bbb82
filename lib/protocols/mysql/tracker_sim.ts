/**
 * Test helper: the connection tracker's resynchronisation rules
 * (lib/conn/tracker.ts) around the MySQL parser, without kernel events. A
 * connection starts desynced; it resumes when a request-stream read starts
 * with something findBoundary(..., 0) === 0 accepts, after every response
 * byte seen; the response stream then seeks with findBoundary.
 *
 * @module
 */

import { type Exchange, Stream } from "../common/parser.ts";
import { mysqlParser as P } from "./mod.ts";
import type { MysqlState } from "./types.ts";

const MAX_HEAD_BYTES = 1 << 20;
const MAX_START_LINE = 8192;
const BOUNDARY_TAIL = 512;

class Buf {
  bytes = new Uint8Array(0);
  reads: { end: number; ts: number }[] = [];
  append(d: Uint8Array, ts: number): void {
    if (d.length === 0) return;
    const b = new Uint8Array(this.bytes.length + d.length);
    b.set(this.bytes);
    b.set(d, this.bytes.length);
    this.bytes = b;
    this.reads.push({ end: b.length, ts });
  }
  consume(n: number): void {
    this.bytes.fill(0xee, 0, n);
    this.bytes = this.bytes.subarray(n);
    for (const r of this.reads) r.end -= n;
    while (this.reads.length > 0 && this.reads[0]!.end <= 0) this.reads.shift();
  }
  clear(): void {
    this.bytes = new Uint8Array(0);
    this.reads = [];
  }
  get headTs(): number {
    return this.reads[0]?.ts ?? 0;
  }
  get lastTs(): number {
    return this.reads[this.reads.length - 1]?.ts ?? 0;
  }
}

/** A tracker in small; `out` collects exchanges, counters mirror TrackerStats. */
export class TrackerSim {
  readonly state: MysqlState;
  readonly out: Exchange[] = [];
  invalidFrames = 0;
  desyncs = 0;
  desynced = true;
  private candidate = false;
  private lastResponseTs = 0;
  private seeking = [true, true];
  private bufs = [new Buf(), new Buf()];

  constructor(maxBodyBytes = 1024) {
    this.state = P.createState({ maxBodyBytes, datagram: false });
  }

  /** One read on `stream` at `ts`. */
  data(stream: Stream, d: Uint8Array, ts: number): void {
    const buf = this.bufs[stream]!;
    if (this.desynced) {
      this.whileDesynced(stream, d, ts);
      return;
    }
    buf.append(d, ts);
    if (stream === Stream.Response) this.lastResponseTs = ts;
    this.pump(stream);
  }

  /** `len` bytes lost on `stream`. */
  gap(stream: Stream, len: number, ts: number): void {
    const buf = this.bufs[stream]!;
    if (
      !this.desynced && buf.bytes.length === 0 && !this.seeking[stream] &&
      P.skip(this.state, stream, len, ts)
    ) {
      P.match(this.state, this.out, false);
      return;
    }
    this.desync();
  }

  /** The connection closed. */
  close(ts: number): void {
    if (this.desynced) return;
    P.finish(this.state, ts);
    P.match(this.state, this.out, true);
  }

  private whileDesynced(stream: Stream, d: Uint8Array, ts: number): void {
    const req = this.bufs[Stream.Request]!;
    if (stream === Stream.Response) {
      this.lastResponseTs = ts;
      this.candidate = false;
      req.clear();
      return;
    }
    if (!this.candidate) {
      if (ts < this.lastResponseTs) return;
      this.candidate = true;
      req.clear();
    }
    req.append(d, ts);
    const at = P.findBoundary(this.state, Stream.Request, req.bytes, 0);
    if (at === 0) {
      P.reset(this.state);
      this.desynced = this.candidate = false;
      this.bufs[Stream.Response]!.clear();
      this.seeking[Stream.Request] = false;
      this.seeking[Stream.Response] = true;
      this.pump(Stream.Request);
    } else if (at > 0 || req.bytes.length > MAX_START_LINE) {
      this.candidate = false;
      req.clear();
    }
  }

  private desync(): void {
    if (!this.desynced) this.desyncs++;
    this.desynced = true;
    this.candidate = false;
    P.reset(this.state);
    for (const b of this.bufs) b.clear();
    this.seeking = [true, true];
  }

  private pump(stream: Stream): void {
    const buf = this.bufs[stream]!;
    while (buf.bytes.length > 0) {
      const view = buf.bytes;
      if (this.seeking[stream]) {
        const at = P.findBoundary(this.state, stream, view, 0);
        if (at < 0) {
          if (view.length > BOUNDARY_TAIL) {
            buf.consume(view.length - BOUNDARY_TAIL);
          }
          break;
        }
        buf.consume(at);
        this.seeking[stream] = false;
        continue;
      }
      const n = P.parseFrame(this.state, stream, view, buf.headTs, buf.lastTs);
      if (n > 0) {
        buf.consume(n);
        continue;
      }
      if (n === 0 && view.length <= MAX_HEAD_BYTES) break;
      this.invalidFrames++;
      this.desync();
      break;
    }
    P.match(this.state, this.out, false);
  }
}
