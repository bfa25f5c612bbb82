/**
 * Helpers shared by the memcached tests: byte builders, a seeded PRNG, the
 * captured fixtures' decoder, and a miniature connection tracker.
 *
 * @module
 */

import type { Exchange } from "../common/parser.ts";
import { ParserSim } from "../common/parser_sim.ts";
import { memcachedParser } from "./mod.ts";
import type { McRequest, McResponse, McState } from "./types.ts";
import { type Chunk, loadTimed } from "../common/testdata.ts";
export { chunkBytes, loadTimed as load, rng } from "../common/testdata.ts";

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
  for (const [stream, b, ts] of await loadTimed(conn)) s.push(stream, b, ts);
  return s;
}
