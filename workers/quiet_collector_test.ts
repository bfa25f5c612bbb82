import assert from "node:assert/strict";
import { heapCollector, QuietCollector, type QuietOptions } from "./quiet_collector.ts";

const OPTIONS: QuietOptions = { minEvents: 1000, quietMs: 3000, quietEventsPerSec: 100, minIntervalMs: 30_000 };

/** Drives a collector with `perSec` events a second, a drain each 10 ms, from `from` ms for `ms`. */
function run(q: QuietCollector, perSec: number, from: number, ms: number): number {
  for (let t = from + 10; t <= from + ms; t += 10) q.observe(perSec / 100, t);
  return from + ms;
}

Deno.test("QuietCollector collects once when a busy time is followed by a quiet spell", () => {
  let collected = 0;
  const q = new QuietCollector(() => collected++, 0, OPTIONS);
  let t = run(q, 50_000, 0, 2000);
  assert.equal(collected, 0);
  // The spell that held the burst is not quiet; the next full one is.
  t = run(q, 0, t, 3000);
  assert.equal(collected, 0);
  t = run(q, 0, t, 3100);
  assert.equal(collected, 1);
  // Staying quiet collects no more.
  run(q, 0, t, 60_000);
  assert.equal(collected, 1);
  assert.equal(q.collections, 1);
});

Deno.test("QuietCollector leaves steady traffic and small bursts alone", () => {
  let collected = 0;
  const steady = new QuietCollector(() => collected++, 0, OPTIONS);
  run(steady, 5000, 0, 120_000);
  assert.equal(collected, 0);
  // A trickle under the quiet rate, and a burst under minEvents.
  const small = new QuietCollector(() => collected++, 0, OPTIONS);
  let t = run(small, 50, 0, 10_000);
  t = run(small, 5_000, t, 10);
  run(small, 0, t, 20_000);
  assert.equal(collected, 0);
});

Deno.test("QuietCollector leaves steady traffic just under the quiet rate alone", () => {
  // 90 a second is quiet by OPTIONS, yet it passes minEvents every 11 s:
  // without a busy spell before it, that is no reason to collect.
  let collected = 0;
  const q = new QuietCollector(() => collected++, 0, OPTIONS);
  let t = run(q, 90, 0, 600_000);
  assert.equal(collected, 0);
  // A busy spell ending in that same trickle is collected once.
  t = run(q, 5000, t, 6000);
  t = run(q, 90, t, 7000);
  assert.equal(collected, 1);
  run(q, 90, t, 600_000);
  assert.equal(collected, 1);
});

Deno.test("QuietCollector keeps minIntervalMs between collections", () => {
  const at: number[] = [];
  let now = 0;
  const q = new QuietCollector(() => at.push(now), 0, OPTIONS);
  for (let burst = 0; burst < 6; burst++) {
    for (let i = 0; i < 100; i++) q.observe(100, now += 10);
    for (let i = 0; i < 700; i++) q.observe(0, now += 10);
  }
  // Bursts 8 s apart for 48 s: the first is collected, then one 30 s or more later.
  assert.equal(at.length, 2);
  assert.ok(at[1]! - at[0]! >= OPTIONS.minIntervalMs, String(at));
});

Deno.test("heapCollector runs a full collection of this isolate", () => {
  const collect = heapCollector();
  assert.ok(collect !== null, "this V8 has no gc() to expose");
  let junk: Uint8Array[] | null = Array.from({ length: 20_000 }, () => new Uint8Array(512));
  assert.equal(junk.length, 20_000);
  junk = null;
  const before = Deno.memoryUsage().heapUsed;
  collect();
  assert.ok(Deno.memoryUsage().heapUsed < before, "the collection freed nothing");
});
