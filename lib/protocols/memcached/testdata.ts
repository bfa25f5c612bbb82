/**
 * Helpers shared by the memcached tests: byte builders, a seeded PRNG, the
 * captured fixtures' decoder, and a miniature connection tracker.
 *
 * @module
 */

import { type Exchange, Stream } from "../common/parser.ts";
import { memcachedParser } from "./mod.ts";
import type { McRequest, McResponse, McState } from "./types.ts";
import type { Chunk } from "./testdata/captured.ts";

/** Bytes of a Latin-1/ASCII string. */
export function bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

/** Concatenation of byte arrays. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o)), (o += p.length);
  return out;
}

/** Deterministic PRNG (mulberry32) returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The bytes of one captured chunk (hex, or "gz:" + base64 of gzip). */
export async function chunkBytes(s: string): Promise<Uint8Array> {
  if (!s.startsWith("gz:")) {
    const b = new Uint8Array(s.length / 2);
    for (let i = 0; i < b.length; i++) {
      b[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
    }
    return b;
  }
  const gz = Uint8Array.from(atob(s.slice(3)), (c) => c.charCodeAt(0));
  const stream = new Blob([gz]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A captured connection's reads: stream, bytes, and time (10 ns apart). */
export async function load(
  conn: readonly Chunk[],
): Promise<[Stream, Uint8Array, number][]> {
  const out: [Stream, Uint8Array, number][] = [];
  for (let i = 0; i < conn.length; i++) {
    const [d, hex] = conn[i]!;
    out.push([
      d === 0 ? Stream.Request : Stream.Response,
      await chunkBytes(hex),
      10 * (i + 1),
    ]);
  }
  return out;
}

/** `[command, response status]` of each exchange, for compact asserts. */
export function brief(out: Exchange[]): [string, string | null][] {
  return out.map((x) => [(x.req as McRequest).command, (x.resp as McResponse | null)?.status ?? null]);
}

/**
 * What the connection tracker does, in small: keep each stream's unconsumed
 * bytes with the time of each read, call parseFrame until it returns 0, drop
 * consumed bytes (overwriting them, so a parser that kept views into them is
 * caught), and match after every read. After -1 the connection is desynced
 * as in the tracker: the parser is reset, both buffers dropped, and parsing
 * resumes at a request read that findBoundary accepts at offset 0 (the
 * response stream then seeks with findBoundary).
 */
export class Sim {
  /** The parser state under test. */
  readonly state: McState;
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

  constructor(maxBodyBytes = 1024) {
    this.state = memcachedParser.createState({ maxBodyBytes, datagram: false });
  }

  /** One read of `data` on `stream` at time `ts`. */
  push(stream: Stream, data: string | Uint8Array, ts: number): void {
    let d = typeof data === "string" ? bytes(data) : data;
    const p = memcachedParser;
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
    const ok = memcachedParser.skip(this.state, stream, len, ts);
    if (!ok) {
      this.desynced = true;
      memcachedParser.reset(this.state);
    }
    memcachedParser.match(this.state, this.out, false);
    return ok;
  }

  /** The connection closed at `ts`. */
  close(ts: number): void {
    memcachedParser.finish(this.state, ts);
    memcachedParser.match(this.state, this.out, true);
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

/** Replays a captured connection into a fresh Sim. */
export async function replay(
  conn: readonly Chunk[],
  maxBodyBytes = 1024,
): Promise<Sim> {
  const s = new Sim(maxBodyBytes);
  for (const [stream, b, ts] of await load(conn)) s.push(stream, b, ts);
  return s;
}
