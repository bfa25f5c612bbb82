// Every captured read split at every byte boundary, and fed a byte at a
// time, gives the same exchanges as the reads whole: the parser never
// depends on where the kernel cut the stream.
import assert from "node:assert/strict";
import type { Exchange } from "../common/parser.ts";
import { load, Sim } from "./testdata.ts";
import * as F from "./testdata/captured.ts";

function shape(out: Exchange[]): unknown[] {
  return out.map((x) => [x.req, x.resp, x.reqBytes, x.respBytes]);
}

const ALL = [...F.SUB_PUB, ...F.ERRORS, ...F.LOGINS, ...F.IDLE];

Deno.test("every read split in two at every boundary: same exchanges", async () => {
  for (const conn of ALL) {
    const reads = await load(conn);
    const whole = new Sim(8);
    reads.forEach(([st, b], i) => whole.push(st, b, i));
    whole.close(1e6);
    assert.ok(whole.out.length >= 2);
    for (let r = 0; r < reads.length; r++) {
      const [stream, b] = reads[r]!;
      if (b.length > 4096) continue; // the 100 KB message: fed a byte at a time below
      for (let cut = 1; cut < b.length; cut++) {
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
  }
});

Deno.test("every byte fed alone: same exchanges, the 100 KB payloads included", async () => {
  for (const conn of ALL) {
    const reads = await load(conn);
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
  }
});
