import assert from "node:assert/strict";
import { BUSY_POLL_MS, nextPollMs, POLL_MS } from "./poll.ts";

const MiB = 1 << 20;

Deno.test("nextPollMs: an empty ring waits the longest", () => {
  assert.equal(nextPollMs(0, 10, 8 * MiB), POLL_MS);
});

Deno.test("nextPollMs: sleeps until the ring would be a quarter full", () => {
  // 100 KiB in 10 ms fills 2 MiB in 200 ms: capped at POLL_MS.
  assert.equal(nextPollMs(100 * 1024, 10, 8 * MiB), POLL_MS);
  // 800 KiB a millisecond fills 2 MiB in 2.56 ms.
  assert.equal(nextPollMs(800 * 1024, 1, 8 * MiB), 2);
  // The same rate measured over 5 ms.
  assert.equal(nextPollMs(4000 * 1024, 5, 8 * MiB), 2);
  // A 1 MiB ring at 50 KiB/ms: 256 KiB in 5 ms.
  assert.equal(nextPollMs(500 * 1024, 10, MiB), 5);
});

Deno.test("nextPollMs: never below BUSY_POLL_MS, even for a ring filling faster than that", () => {
  assert.equal(nextPollMs(8 * MiB, 1, 8 * MiB), BUSY_POLL_MS);
  // A timer that fired early is counted as BUSY_POLL_MS.
  assert.equal(nextPollMs(3 * MiB, 0, 8 * MiB), BUSY_POLL_MS);
});
