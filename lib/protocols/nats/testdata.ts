/**
 * Helpers shared by the NATS tests: a seeded PRNG, the captured fixtures'
 * decoder and a miniature connection tracker.
 *
 * @module
 */
import type { Exchange } from "../common/parser.ts";
import { natsParser } from "./mod.ts";
import type { NatsState } from "./state.ts";
import type { Chunk } from "./testdata/captured.ts";
import { load } from "../common/testdata.ts";
import { FrameSim } from "../common/parser_sim.ts";
export { chunkBytes, concat, load, rng } from "../common/testdata.ts";

const enc = new TextEncoder();

/** The bytes of a string. */
export function bytes(s: string): Uint8Array {
  return enc.encode(s);
}

/** The strict tracker in small over this protocol's parser: see {@linkcode FrameSim}. */
export class Sim extends FrameSim<NatsState> {
  constructor(maxBodyBytes = 1024) {
    super(natsParser, maxBodyBytes);
  }
}

/** Replays a captured connection (reads 10 ns apart), closed at the end. */
export async function replay(conn: readonly Chunk[], maxBodyBytes = 1024): Promise<Sim> {
  const sim = new Sim(maxBodyBytes);
  let ts = 0;
  for (const [stream, b] of await load(conn)) sim.push(stream, b, ts += 10);
  sim.close(ts + 10);
  return sim;
}

/** One line per exchange, as the table prints it. */
export function lines(out: Exchange[]): string[] {
  return out.map((x) => natsParser.summarize(x.req, x.resp));
}
