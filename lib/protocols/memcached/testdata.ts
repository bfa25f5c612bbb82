/**
 * Helpers shared by the memcached tests: byte builders, a seeded PRNG, the
 * captured fixtures' decoder, and a miniature connection tracker.
 *
 * @module
 */

import { type Exchange, Stream } from "../common/parser.ts";
import { ParserSim } from "../common/parser_sim.ts";
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

/** The tracker in small over this protocol's parser: see {@linkcode ParserSim}. */
export class Sim extends ParserSim<McState> {
  constructor(maxBodyBytes = 1024) {
    super(memcachedParser, maxBodyBytes);
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
