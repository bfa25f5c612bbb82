/**
 * Helpers shared by the AMQP tests: frame and argument builders, a seeded
 * PRNG, the captured fixtures' decoder and a miniature connection tracker.
 *
 * @module
 */
import type { Exchange } from "../common/parser.ts";
import { amqpParser } from "./mod.ts";
import type { AmqpState } from "./state.ts";
import type { Chunk } from "./testdata/captured.ts";
import { load } from "../common/testdata.ts";
import { FrameSim } from "../common/parser_sim.ts";
export { chunkBytes, concat, load, rng } from "../common/testdata.ts";

const enc = new TextEncoder();

/** A short: two bytes, big-endian. */
export const short = (n: number): number[] => [n >> 8 & 0xff, n & 0xff];
/** A long: four bytes, big-endian. */
export const long = (n: number): number[] => [n >>> 24 & 0xff, n >> 16 & 0xff, n >> 8 & 0xff, n & 0xff];
/** A long-long below 2^32. */
export const longlong = (n: number): number[] => [0, 0, 0, 0, ...long(n)];
/** A short string. */
export function shortstr(s: string): number[] {
  const b = enc.encode(s);
  return [b.length, ...b];
}
/** A long string. */
export function longstr(s: string): number[] {
  const b = enc.encode(s);
  return [...long(b.length), ...b];
}
/** A field table of string values. */
export function table(entries: Record<string, string> = {}): number[] {
  const body = Object.entries(entries).flatMap(([k, v]) => [...shortstr(k), 0x53, ...longstr(v)]);
  return [...long(body.length), ...body];
}

/** A frame: type, channel, payload, frame end. */
export function frame(type: number, channel: number, payload: number[] | Uint8Array): Uint8Array {
  const p = [...payload];
  return Uint8Array.from([type, ...short(channel), ...long(p.length), ...p, 0xce]);
}

/** A method frame. */
export function method(channel: number, cls: number, id: number, ...args: (number | number[])[]): Uint8Array {
  return frame(1, channel, [...short(cls), ...short(id), ...args.flat()]);
}

/** A Basic content header frame with only a content type (or no property). */
export function header(channel: number, size: number, contentType?: string): Uint8Array {
  const props = contentType === undefined ? [0, 0] : [0x80, 0, ...shortstr(contentType)];
  return frame(2, channel, [...short(60), 0, 0, ...longlong(size), ...props]);
}

/** A body frame. */
export function body(channel: number, data: string | Uint8Array): Uint8Array {
  return frame(3, channel, typeof data === "string" ? enc.encode(data) : data);
}

/** The client's protocol header. */
export const PROTOCOL_HEADER = Uint8Array.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);

/** The strict tracker in small over this protocol's parser: see {@linkcode FrameSim}. */
export class Sim extends FrameSim<AmqpState> {
  constructor(maxBodyBytes = 1024) {
    super(amqpParser, maxBodyBytes);
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
  return out.map((x) => amqpParser.summarize(x.req, x.resp));
}
