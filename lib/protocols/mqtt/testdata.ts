/**
 * Helpers shared by the MQTT tests: packet builders, a seeded PRNG, the
 * captured fixtures' decoder and a miniature connection tracker.
 *
 * @module
 */
import type { Exchange } from "../common/parser.ts";
import { mqttParser } from "./mod.ts";
import type { MqttState } from "./state.ts";
import type { Chunk } from "./testdata/captured.ts";
import type { MqttRequest, MqttResponse } from "./types.ts";
import { load } from "../common/testdata.ts";
import { FrameSim } from "../common/parser_sim.ts";
export { chunkBytes, concat, load, rng } from "../common/testdata.ts";

/** A Variable Byte Integer. */
export function varint(n: number): number[] {
  const out: number[] = [];
  do {
    const b = n % 128;
    n = Math.floor(n / 128);
    out.push(n > 0 ? b | 0x80 : b);
  } while (n > 0);
  return out;
}

/** A UTF-8 String: two-byte length, then the bytes. */
export function str(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [b.length >> 8, b.length & 0xff, ...b];
}

/** A control packet: first byte, Remaining Length, body. */
export function packet(first: number, ...body: (number | number[])[]): Uint8Array {
  const flat = body.flat();
  return Uint8Array.from([first, ...varint(flat.length), ...flat]);
}

/** The strict tracker in small over this protocol's parser: see {@linkcode FrameSim}. */
export class Sim extends FrameSim<MqttState> {
  constructor(maxBodyBytes = 1024) {
    super(mqttParser, maxBodyBytes);
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
  return out.map((x) => mqttParser.summarize(x.req as MqttRequest, x.resp as MqttResponse | null));
}
