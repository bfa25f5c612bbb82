/**
 * Test support the protocols' testdata modules share: a seeded PRNG and the
 * decoder of chunks captured by their testdata/capture.py scripts.
 *
 * @module
 */
import { Stream } from "./parser.ts";

/** One captured read: 0 client to server, 1 back; hex, or "gz:" + base64 of gzip. */
export type Chunk = readonly [0 | 1, string];

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
  if (!s.startsWith("gz:")) return Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
  const gz = Uint8Array.from(atob(s.slice(3)), (c) => c.charCodeAt(0));
  const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A captured connection's reads: stream, bytes, and time (10 ns apart). */
export async function loadTimed(conn: readonly Chunk[]): Promise<[Stream, Uint8Array, number][]> {
  const out: [Stream, Uint8Array, number][] = [];
  for (let i = 0; i < conn.length; i++) {
    const [d, hex] = conn[i]!;
    out.push([d === 0 ? Stream.Request : Stream.Response, await chunkBytes(hex), 10 * (i + 1)]);
  }
  return out;
}

/** A captured connection's reads: stream and bytes. */
export async function load(conn: readonly Chunk[]): Promise<[Stream, Uint8Array][]> {
  const out: [Stream, Uint8Array][] = [];
  for (const [d, h] of conn) out.push([d === 0 ? Stream.Request : Stream.Response, await chunkBytes(h)]);
  return out;
}

/** Concatenation of byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), o += p.length;
  return out;
}
