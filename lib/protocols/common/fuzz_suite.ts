/**
 * Test support: the three hostile-input tests every parser runs, with its
 * own bounds, tokens and captures. Random bytes, a soup of the protocol's
 * own frames joined at random, and captured reads with bytes flipped, each
 * fed through {@linkcode driveParser}: none may throw, stall or let the
 * state grow past its bounds.
 *
 * @module
 */
import assert from "node:assert/strict";
import { driveParser } from "./fuzz_drive.ts";
import { type Parser, Stream } from "./parser.ts";
import { type Chunk, load, rng } from "./testdata.ts";

/** What one protocol's suite needs. */
export interface FuzzSuiteOptions<S> {
  parser: Parser<S>;
  /** Checks what the parser keeps bounded; run after every piece fed. */
  invariants: (state: S) => void;
  /** The soup test's name, e.g. "NATS-shaped soup". */
  soup: string;
  /** Frames or lines of the protocol, good and bad, that the soup joins. */
  tokens: readonly Uint8Array[];
  /** At most this many tokens in one soup (default 30). */
  maxTokens?: number;
  /** Soups made (default 3000). */
  soupRounds?: number;
  /** Connections captured from the real server, whose reads are mutated. */
  captures: readonly (readonly Chunk[])[];
  /** Seeds of the random bytes, the soup and the mutations (default 99, 2024, 5). */
  seeds?: readonly [number, number, number];
  /**
   * Random-bytes test: adjusts a fresh state and its input (a version the
   * connect would have set, a first byte that reaches the frame code).
   */
  prepare?: (state: S, buf: Uint8Array, round: number) => void;
}

/** Registers the three tests of `o.parser`. */
export function fuzzSuite<S>(o: FuzzSuiteOptions<S>): void {
  const { parser: p } = o;
  const [bytesSeed, soupSeed, mutateSeed] = o.seeds ?? [99, 2024, 5];
  const drive = (st: S, rand: () => number, stream: Stream, buf: Uint8Array) =>
    driveParser(p, st, rand, stream, buf, o.invariants);

  Deno.test("random bytes never throw and keep memory bounded", () => {
    const rand = rng(bytesSeed);
    for (let it = 0; it < 3000; it++) {
      const st = p.createState({ maxBodyBytes: Math.floor(rand() * 40), datagram: false });
      const buf = new Uint8Array(1 + Math.floor(rand() * 300));
      for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(rand() * 256);
      o.prepare?.(st, buf, it);
      drive(st, rand, it % 2 ? Stream.Request : Stream.Response, buf);
    }
  });

  Deno.test(`${o.soup} never throws`, () => {
    const rand = rng(soupSeed);
    const max = o.maxTokens ?? 30;
    for (let it = 0; it < (o.soupRounds ?? 3000); it++) {
      const st = p.createState({ maxBodyBytes: 16, datagram: false });
      const parts = Array.from(
        { length: 1 + Math.floor(rand() * max) },
        () => o.tokens[Math.floor(rand() * o.tokens.length)]!,
      );
      const buf = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
      let at = 0;
      for (const x of parts) buf.set(x, at), at += x.length;
      drive(st, rand, Stream.Request, buf);
      drive(st, rand, Stream.Response, buf);
    }
  });

  Deno.test("mutated captures never throw", async () => {
    const rand = rng(mutateSeed);
    const reads: [Stream, Uint8Array][] = [];
    for (const conn of o.captures) {
      for (const [stream, b] of await load(conn)) if (b.length < 4096) reads.push([stream, b]);
    }
    assert.ok(reads.length > 0, "no captured reads");
    for (let it = 0; it < 2000; it++) {
      const st = p.createState({ maxBodyBytes: 64, datagram: false });
      for (let k = 0; k < 6; k++) {
        const [stream, b] = reads[Math.floor(rand() * reads.length)]!;
        const m = b.slice();
        const flips = 1 + Math.floor(rand() * 4);
        for (let f = 0; f < flips; f++) m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
        drive(st, rand, stream, m);
      }
    }
  });
}
