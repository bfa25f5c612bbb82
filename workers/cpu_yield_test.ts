import assert from "node:assert/strict";
import { BEHIND_SHARE, CpuPacer, LARGE_CHUNK_BYTES, SMALL_CHUNK_BYTES, YIELD_EVERY_MS } from "./cpu_yield.ts";

const RING = 32 << 20;

Deno.test("CpuPacer: yields after YIELD_EVERY_MS of parsing, not before", () => {
  const pacer = new CpuPacer(RING, 1000);
  assert.equal(pacer.afterChunk(1000 + YIELD_EVERY_MS / 2, 0), false);
  assert.equal(pacer.afterChunk(1000 + YIELD_EVERY_MS, 4096), true);
  // The clock restarts at each yield.
  assert.equal(pacer.afterChunk(1000 + YIELD_EVERY_MS * 1.5, 0), false);
  assert.equal(pacer.afterChunk(1000 + YIELD_EVERY_MS * 2, 0), true);
  assert.equal(pacer.chunkBytes(), SMALL_CHUNK_BYTES);
});

Deno.test("CpuPacer: never yields and takes large chunks while behind", () => {
  const behind = RING * BEHIND_SHARE;
  const pacer = new CpuPacer(RING, 0);
  assert.equal(pacer.chunkBytes(), SMALL_CHUNK_BYTES);
  assert.equal(pacer.afterChunk(10, behind), false);
  assert.equal(pacer.chunkBytes(), LARGE_CHUNK_BYTES);
  assert.equal(pacer.afterChunk(20, RING), false);
  assert.equal(pacer.chunkBytes(), LARGE_CHUNK_BYTES);
  // Caught up: small chunks and yields again.
  assert.equal(pacer.afterChunk(30, behind - 1), true);
  assert.equal(pacer.chunkBytes(), SMALL_CHUNK_BYTES);
});

Deno.test("CpuPacer: the same backlog is not behind in a larger ring", () => {
  const pacer = new CpuPacer(2 * RING, 0);
  assert.equal(pacer.afterChunk(10, RING * BEHIND_SHARE), true);
  assert.equal(pacer.chunkBytes(), SMALL_CHUNK_BYTES);
});
