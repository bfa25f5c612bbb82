/**
 * Helpers shared by the DNS tests: hex, a message builder for hand-made
 * cases, a seeded PRNG and a miniature connection tracker. Messages
 * captured from real servers are in testdata/captured.ts.
 *
 * @module
 */

import { type Exchange, Stream } from "../common/parser.ts";
import { dnsParser } from "./mod.ts";
import type { DnsState } from "./types.ts";

/** Bytes of a hex string (whitespace ignored). */
export function unhex(s: string): Uint8Array {
  const h = s.replace(/\s+/g, "");
  const b = new Uint8Array(h.length >> 1);
  for (let i = 0; i < b.length; i++) {
    b[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  }
  return b;
}

/** Concatenation of byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o)), (o += p.length);
  return out;
}

/** A message with its two-byte TCP length prefix. */
export function tcp(msg: Uint8Array): Uint8Array {
  return concat(new Uint8Array([msg.length >> 8, msg.length & 0xff]), msg);
}

/** Wire form of a dotted name, uncompressed (`"."` is the root). */
export function wireName(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split(".")) {
    if (label === "") continue;
    out.push(label.length, ...[...label].map((c) => c.charCodeAt(0)));
  }
  out.push(0);
  return out;
}

/** One record for {@linkcode build}: owner, type, ttl, data bytes. */
export type Rec = [string, number, number, number[]];

/** What {@linkcode build} puts in a message. */
export interface MsgSpec {
  id: number;
  /** Header flags word (QR, opcode, AA, TC, RD, RA, Z, rcode). */
  flags: number;
  /** Questions as [name, type]; class IN. */
  questions?: [string, number][];
  answers?: Rec[];
  authority?: Rec[];
  additional?: Rec[];
}

/** An uncompressed message from a spec. */
export function build(spec: MsgSpec): Uint8Array {
  const qs = spec.questions ?? [];
  const secs = [
    spec.answers ?? [],
    spec.authority ?? [],
    spec.additional ?? [],
  ];
  const out: number[] = [
    spec.id >> 8,
    spec.id & 0xff,
    spec.flags >> 8,
    spec.flags & 0xff,
  ];
  for (const n of [qs.length, ...secs.map((s) => s.length)]) {
    out.push(n >> 8, n & 0xff);
  }
  for (const [name, type] of qs) {
    out.push(...wireName(name), type >> 8, type & 0xff, 0, 1);
  }
  for (const sec of secs) {
    for (const [name, type, ttl, data] of sec) {
      out.push(...wireName(name), type >> 8, type & 0xff, 0, 1);
      out.push(ttl >>> 24, (ttl >> 16) & 0xff, (ttl >> 8) & 0xff, ttl & 0xff);
      out.push(data.length >> 8, data.length & 0xff, ...data);
    }
  }
  return new Uint8Array(out);
}

/** SOA record data with the given serial. */
export function soa(serial: number): number[] {
  return [
    ...wireName("ns.zone.test"),
    ...wireName("hostmaster.zone.test"),
    serial >>> 24,
    (serial >> 16) & 0xff,
    (serial >> 8) & 0xff,
    serial & 0xff,
    ...[0, 0, 4, 176, 0, 0, 0, 120, 0, 18, 117, 0, 0, 0, 2, 88],
  ];
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

/**
 * What the connection tracker does, in small. TCP: keep each stream's
 * unconsumed bytes with the time of each read, call parseFrame until it
 * returns 0, drop consumed bytes (overwriting them, so a parser that kept
 * views into them is caught), resync with findBoundary after -1. UDP: one
 * parseFrame call per datagram. Match after every read.
 */
export class Sim {
  /** The parser state under test. */
  readonly state: DnsState;
  /** Exchanges matched so far. */
  readonly out: Exchange[] = [];
  /** Number of -1 results seen. */
  invalid = 0;
  private bufs: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)];
  private reads: { end: number; ts: number }[][] = [[], []];

  constructor(datagram = false, maxBodyBytes = 1024) {
    this.state = dnsParser.createState({ maxBodyBytes, datagram });
  }

  /** One read (TCP) or one datagram (UDP) of `data` on `stream` at `ts`. */
  push(stream: Stream, data: Uint8Array | string, ts: number): void {
    const d = typeof data === "string" ? unhex(data) : data;
    if (this.state.datagram) {
      const copy = d.slice();
      const n = dnsParser.parseFrame(this.state, stream, copy, ts, ts);
      if (n < 0) this.invalid++;
      else if (n !== d.length) {
        throw new Error(`datagram consumed ${n} of ${d.length}`);
      }
      copy.fill(0xee);
      dnsParser.match(this.state, this.out, false);
      return;
    }
    const buf = concat(this.bufs[stream]!, d);
    this.bufs[stream] = buf;
    const reads = this.reads[stream]!;
    reads.push({ end: buf.length, ts });
    for (;;) {
      const b = this.bufs[stream]!;
      if (b.length === 0) break;
      const r = dnsParser.parseFrame(
        this.state,
        stream,
        b,
        reads[0]!.ts,
        reads[reads.length - 1]!.ts,
      );
      if (r === 0) break;
      if (r > 0) this.drop(stream, r);
      else {
        this.invalid++;
        const at = dnsParser.findBoundary(this.state, stream, b, 1);
        this.drop(stream, at < 0 ? b.length : at);
      }
    }
    dnsParser.match(this.state, this.out, false);
  }

  /** Bytes still held for `stream`. */
  held(stream: Stream): number {
    return this.bufs[stream]!.length;
  }

  /** The connection closed. */
  close(ts: number): void {
    dnsParser.finish(this.state, ts);
    dnsParser.match(this.state, this.out, true);
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

/** Request and response stream ids, for brevity. */
export const Req = Stream.Request;
/** The response stream. */
export const Resp = Stream.Response;
