// Every captured read split at every byte boundary, and fed a byte at a
// time, gives the same exchanges as the reads whole: the parser never
// depends on where the kernel cut the stream (beam.smp batches frames in
// one write, and reads them in pieces of any size).
import assert from "node:assert/strict";
import type { Exchange } from "../common/parser.ts";
import { load, Sim } from "./testdata.ts";
import * as F from "./testdata/captured.ts";

/** Exchanges without timestamps (split reads change which read a byte came in). */
function shape(out: Exchange[]): unknown[] {
  return out.map((x) => [x.req, x.resp, x.reqBytes, x.respBytes]);
}

/** The captured pika session (its 200 KB message included). */
const SESSION = F.SESSION[0]!;

Deno.test("every read split in two at every boundary: same exchanges", async () => {
  const reads = await load(SESSION);
  const whole = new Sim(8);
  reads.forEach(([st, b], i) => whole.push(st, b, i));
  whole.close(1e6);
  assert.equal(whole.invalid, 0);
  assert.ok(whole.out.length >= 30);
  for (let r = 0; r < reads.length; r++) {
    const [stream, b] = reads[r]!;
    // Large reads: every boundary of their first and last 300 bytes (frame heads and tails are there).
    const cuts = b.length <= 2048
      ? Array.from({ length: b.length - 1 }, (_, k) => k + 1)
      : [...Array.from({ length: 300 }, (_, k) => k + 1), ...Array.from({ length: 300 }, (_, k) => b.length - 300 + k)];
    for (const cut of cuts) {
      const s = new Sim(8);
      reads.forEach(([st, bytes], i) => {
        if (i !== r) return s.push(st, bytes, i);
        s.push(stream, bytes.subarray(0, cut), i);
        s.push(stream, bytes.subarray(cut), i);
      });
      s.close(1e6);
      assert.equal(s.invalid, 0);
      assert.deepEqual(shape(s.out), shape(whole.out), `read ${r} cut at ${cut}`);
    }
  }
});

Deno.test("every byte fed alone: same exchanges, the 200 KB message included", async () => {
  const reads = await load(SESSION);
  const whole = new Sim(64);
  reads.forEach(([st, b], i) => whole.push(st, b, i));
  whole.close(1e6);
  const s = new Sim(64);
  reads.forEach(([st, b], i) => {
    for (let k = 0; k < b.length; k++) s.push(st, b.subarray(k, k + 1), i);
  });
  s.close(1e6);
  assert.equal(s.invalid, 0);
  assert.deepEqual(shape(s.out), shape(whole.out));
});
