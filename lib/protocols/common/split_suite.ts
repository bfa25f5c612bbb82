/**
 * Test support: a parser must not depend on where the kernel cut a stream.
 * Every captured read split in two at every boundary, and every byte fed
 * alone, must give the exchanges of the reads whole (timestamps aside:
 * a split read changes which read a byte came in).
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Exchange, Parser, Stream } from "./parser.ts";
import { FrameSim } from "./parser_sim.ts";
import { type Chunk, load } from "./testdata.ts";

/** What one protocol's suite needs. */
export interface SplitSuiteOptions<S> {
  parser: Parser<S>;
  /** Captured connections whose reads are cut at every boundary. */
  cut: readonly (readonly Chunk[])[];
  /** Captured connections fed a byte at a time (default: those of `cut`). */
  bytewise?: readonly (readonly Chunk[])[];
  /** What the byte-at-a-time test also covers, for its name ("the 100 KB payloads"). */
  bytewiseNote: string;
  /**
   * Reads longer than this are cut only within their first and last 300
   * bytes, where frame heads and tails are (default 2048).
   */
  fullCutBytes?: number;
  /** Exchanges each connection must give whole, at least (default 1). */
  minExchanges?: number;
}

function shape(out: Exchange[]): unknown[] {
  return out.map((x) => [x.req, x.resp, x.reqBytes, x.respBytes]);
}

/** Registers the two tests of `o.parser`. */
export function splitSuite<S>(o: SplitSuiteOptions<S>): void {
  const replay = (reads: [Stream, Uint8Array][], maxBodyBytes: number, feed: (s: FrameSim<S>) => void) => {
    const s = new FrameSim(o.parser, maxBodyBytes);
    if (reads.length > 0) feed(s);
    s.close(1e6);
    return s;
  };

  Deno.test("every read split in two at every boundary: same exchanges", async () => {
    const full = o.fullCutBytes ?? 2048;
    for (const conn of o.cut) {
      const reads = await load(conn);
      const whole = replay(reads, 8, (s) => reads.forEach(([st, b], i) => s.push(st, b, i)));
      assert.equal(whole.invalid, 0);
      assert.ok(whole.out.length >= (o.minExchanges ?? 1), `${whole.out.length} exchanges`);
      for (let r = 0; r < reads.length; r++) {
        const [stream, b] = reads[r]!;
        const cuts = b.length <= full ? Array.from({ length: b.length - 1 }, (_, k) => k + 1) : [
          ...Array.from({ length: 300 }, (_, k) => k + 1),
          ...Array.from({ length: 300 }, (_, k) => b.length - 300 + k),
        ];
        for (const cut of cuts) {
          const s = replay(reads, 8, (s) =>
            reads.forEach(([st, bytes], i) => {
              if (i !== r) return s.push(st, bytes, i);
              s.push(stream, bytes.subarray(0, cut), i);
              s.push(stream, bytes.subarray(cut), i);
            }));
          assert.equal(s.invalid, 0);
          assert.deepEqual(shape(s.out), shape(whole.out), `read ${r} cut at ${cut}`);
        }
      }
    }
  });

  Deno.test(`every byte fed alone: same exchanges, ${o.bytewiseNote} included`, async () => {
    for (const conn of o.bytewise ?? o.cut) {
      const reads = await load(conn);
      const whole = replay(reads, 64, (s) => reads.forEach(([st, b], i) => s.push(st, b, i)));
      assert.ok(whole.out.length >= 1);
      const s = replay(reads, 64, (s) =>
        reads.forEach(([st, b], i) => {
          for (let k = 0; k < b.length; k++) s.push(st, b.subarray(k, k + 1), i);
        }));
      assert.equal(s.invalid, 0);
      assert.deepEqual(shape(s.out), shape(whole.out));
    }
  });
}
