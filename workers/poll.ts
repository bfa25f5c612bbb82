/**
 * When a worker drains its ring next.
 *
 * @module
 */

/**
 * How often the ring is drained. A timer costs a few µs; waiting on the
 * ring's epoll fd took a nonblocking FFI call, a thread hop of 40-125 µs,
 * each time. The default 32 MiB ring holds 40 ms of 800 MB/s.
 */
export const POLL_MS = 10;
/** The shortest wait between drains. */
export const BUSY_POLL_MS = 1;

/**
 * How long to sleep after draining `drained` bytes `sinceMs` after the last
 * drain: until the ring would be a quarter full at that rate, between
 * BUSY_POLL_MS and POLL_MS. A fixed 1 MiB threshold for polling fast had
 * let 16 KiB responses at 800 MB/s, 800 KiB a millisecond, wait 10 ms and
 * overflow the 8 MiB ring.
 */
export function nextPollMs(drained: number, sinceMs: number, ringBytes: number): number {
  if (drained <= 0) return POLL_MS;
  const ms = Math.floor((ringBytes / 4) * Math.max(sinceMs, BUSY_POLL_MS) / drained);
  return Math.max(BUSY_POLL_MS, Math.min(POLL_MS, ms));
}
