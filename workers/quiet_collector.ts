/**
 * Gives memory back to the system once a burst of traffic is over.
 *
 * V8 shrinks its heap only in a full collection started by its memory
 * reducer, which it arms after a full collection that grew the heap. After
 * 10,000 connections had opened and closed, a storm of 230,000 short ones
 * left the worker with a 60 MiB heap holding 8-20 MiB, and RSS 60 MiB above
 * the baseline for as long as the benchmark waited: no full collection
 * had grown the heap, so nothing was armed. A worker knows better when its
 * traffic stopped: after many events, a quiet spell starts one collection
 * that also returns the pages it frees.
 *
 * @module
 */

import v8 from "node:v8";
import vm from "node:vm";

/** When to collect. */
export interface QuietOptions {
  /** Events handled since the last collection before one is worth it. */
  minEvents: number;
  /** Length of the spell over which the event rate is measured, ms. */
  quietMs: number;
  /** Below this many events a second a spell is quiet. */
  quietEventsPerSec: number;
  /** Collections are at least this far apart, ms. */
  minIntervalMs: number;
}

/** The thresholds the live worker uses. */
export const QUIET_DEFAULTS: QuietOptions = {
  minEvents: 50_000,
  quietMs: 3_000,
  quietEventsPerSec: 1_000,
  minIntervalMs: 10_000,
};

/** Decides, from events counted as they are drained, when to collect. */
export class QuietCollector {
  readonly #collect: () => void;
  readonly #options: QuietOptions;
  #eventsSinceCollect = 0;
  /** A spell at or above the quiet rate has ended since the last collection. */
  #busySinceCollect = false;
  #spellStart: number;
  #spellEvents = 0;
  #lastCollect = -Infinity;
  /** Collections run so far. */
  collections = 0;

  constructor(collect: () => void, nowMs: number, options: QuietOptions = QUIET_DEFAULTS) {
    this.#collect = collect;
    this.#options = options;
    this.#spellStart = nowMs;
  }

  /** `events` more were handled by `nowMs`; collects if a busy time just ended. */
  observe(events: number, nowMs: number): void {
    this.#eventsSinceCollect += events;
    this.#spellEvents += events;
    const elapsed = nowMs - this.#spellStart;
    if (elapsed < this.#options.quietMs) return;
    const o = this.#options;
    const quiet = this.#spellEvents * 1000 / elapsed < o.quietEventsPerSec;
    this.#spellStart = nowMs;
    this.#spellEvents = 0;
    // Steady traffic just under the quiet rate adds up to minEvents too, but
    // nothing ended: only a quiet spell after a busy one is worth a pause.
    if (!quiet) {
      this.#busySinceCollect = true;
      return;
    }
    if (!this.#busySinceCollect || this.#eventsSinceCollect < o.minEvents) return;
    if (nowMs - this.#lastCollect < o.minIntervalMs) return;
    this.#eventsSinceCollect = 0;
    this.#busySinceCollect = false;
    this.#lastCollect = nowMs;
    this.collections++;
    this.#collect();
  }
}

/**
 * V8's collector of this isolate, as `gc` is with --expose-gc: a full
 * collection that also shrinks the heap and releases what it freed. Null
 * if this V8 does not allow it.
 */
export function heapCollector(): (() => void) | null {
  try {
    // The flag applies to contexts made from now on: a new one has `gc`.
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc");
    if (typeof gc !== "function") return null;
    return () => gc({ type: "major", execution: "sync", flavor: "last-resort" });
  } catch {
    return null;
  }
}
