/**
 * Helpers shared by the MQTT tests: packet builders, a seeded PRNG, the
 * captured fixtures' decoder and a miniature connection tracker.
 *
 * @module
 */
import { type Exchange, Stream } from "../common/parser.ts";
import { mqttParser } from "./mod.ts";
import type { MqttState } from "./state.ts";
import type { Chunk } from "./testdata/captured.ts";
import type { MqttRequest, MqttResponse } from "./types.ts";
import { chunkBytes } from "../common/testdata.ts";
export { chunkBytes, rng } from "../common/testdata.ts";

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

/** Concatenation of byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), o += p.length;
  return out;
}

/** A captured connection's reads: stream and bytes. */
export async function load(conn: readonly Chunk[]): Promise<[Stream, Uint8Array][]> {
  const out: [Stream, Uint8Array][] = [];
  for (const [d, h] of conn) out.push([d === 0 ? Stream.Request : Stream.Response, await chunkBytes(h)]);
  return out;
}

/**
 * What the connection tracker does, in small: keep each stream's
 * unconsumed bytes, call parseFrame until it returns 0, drop consumed bytes
 * (overwriting them, so a parser that kept views into them is caught), and
 * match after every read. After -1 both streams are dropped and the parser
 * reset; `invalid` counts them.
 */
export class Sim {
  readonly state: MqttState;
  readonly out: Exchange[] = [];
  invalid = 0;
  #bufs: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)];

  constructor(maxBodyBytes = 1024) {
    this.state = mqttParser.createState({ maxBodyBytes, datagram: false });
  }

  /** One read of `data` on `stream` at time `ts`. */
  push(stream: Stream, data: Uint8Array, ts: number): void {
    let b = concat(this.#bufs[stream]!, data);
    for (;;) {
      if (b.length === 0) break;
      const n = mqttParser.parseFrame(this.state, stream, b, ts, ts);
      if (n === 0) break;
      if (n < 0) {
        this.invalid++;
        mqttParser.reset(this.state);
        this.#bufs = [new Uint8Array(0), new Uint8Array(0)];
        b = new Uint8Array(0);
        break;
      }
      b.fill(0xee, 0, n); // consumed bytes must not be referenced
      b = b.slice(n);
    }
    this.#bufs[stream] = b;
    mqttParser.match(this.state, this.out, false);
  }

  /** A gap of `len` bytes on `stream`. */
  gap(stream: Stream, len: number, ts: number): void {
    if (!mqttParser.skip(this.state, stream, len, ts)) {
      mqttParser.reset(this.state);
      this.#bufs = [new Uint8Array(0), new Uint8Array(0)];
    }
    mqttParser.match(this.state, this.out, false);
  }

  /** The connection closed. */
  close(ts: number): void {
    mqttParser.finish(this.state, ts);
    mqttParser.match(this.state, this.out, true);
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
