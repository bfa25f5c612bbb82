/**
 * The main thread's side of the shard workers: start one per ring (live) or
 * per shard of a capture (replay), forward their records, stop them all.
 *
 * @module
 */
import type { TrackerStats } from "../lib/conn/tracker.ts";
import type { StatSnapshot } from "../lib/stat/mod.ts";
import { releaseLines } from "./line_buffer.ts";
import type { BatchMessage, FromWorker, StartLiveMessage, StartReplayMessage, ToWorker } from "./messages.ts";

/** Callbacks for what workers send. */
export interface PoolHandlers {
  /**
   * Live: `count` finished records of a worker, UTF-8 NDJSON. Call
   * `written` once the bytes are no longer needed: the worker reuses them.
   */
  onRecords(bytes: Uint8Array<SharedArrayBuffer>, count: number, written: () => void): void;
  /** A worker failed: its shard is lost, the tool must stop non-zero. */
  onError(ring: number, message: string): void;
  /** Live: a process exec'd. */
  onExec?(pid: number): void;
}

/** One worker's share of a replayed block. */
export interface ReplayPart {
  /** Shared with the worker, which only reads it. */
  bytes: Uint8Array<SharedArrayBuffer>;
  /** File-wide index of each event. */
  seqs: Float64Array;
  /** Ring each event was drained from when it was recorded. */
  sources: Uint8Array;
}

/** A running set of shard workers. */
export class WorkerPool {
  readonly #workers: Worker[] = [];
  readonly #done: Promise<{ stats: TrackerStats; snapshot: StatSnapshot | null }>[] = [];
  readonly #ready: Promise<void>[] = [];
  readonly #ticks = new Map<number, { snapshots: StatSnapshot[]; resolve: (s: StatSnapshot[]) => void }>();
  #nextTick = 0;
  readonly #batches = new Map<
    number,
    { replies: { ring: number; msg: BatchMessage }[]; resolve: (out: ReplayOutput[]) => void }
  >();
  #nextBatch = 0;

  private constructor(
    count: number,
    start: (ring: number) => ToWorker,
    handlers: PoolHandlers,
  ) {
    for (let ring = 0; ring < count; ring++) {
      const worker = new Worker(new URL("./shard_worker.ts", import.meta.url), {
        type: "module",
      });
      const done = Promise.withResolvers<{ stats: TrackerStats; snapshot: StatSnapshot | null }>();
      const ready = Promise.withResolvers<void>();
      // A worker that stops or fails before it is ready is waited for no longer (failures come through done).
      done.promise.then(() => ready.resolve(), () => ready.resolve());
      worker.onmessage = (event: MessageEvent<FromWorker>) => {
        const msg = event.data;
        switch (msg.type) {
          case "records":
            return handlers.onRecords(msg.bytes, msg.count, () => releaseLines(msg.bytes));
          case "batch":
            return this.#batchReply(ring, msg);
          case "exec":
            return handlers.onExec?.(msg.pid);
          case "ready":
            return ready.resolve();
          case "stat":
            return this.#tickReply(msg.tick, msg.snapshot);
          case "done":
            return done.resolve({ stats: msg.stats, snapshot: msg.snapshot });
          case "error":
            handlers.onError(ring, msg.message);
            return done.reject(new Error(msg.message));
        }
      };
      worker.onerror = (event) => {
        event.preventDefault();
        handlers.onError(ring, event.message);
        done.reject(new Error(event.message));
      };
      worker.postMessage(start(ring));
      this.#workers.push(worker);
      this.#done.push(done.promise);
      this.#ready.push(ready.promise);
    }
  }

  /**
   * Live: resolves once every worker drains its ring (or has failed), so
   * that traffic after it is not lost to rings nobody reads yet.
   */
  async ready(): Promise<void> {
    await Promise.all(this.#ready);
  }

  /** Workers that read the live tracer's rings, one each. */
  static live(
    count: number,
    settings: Omit<StartLiveMessage, "type" | "ring">,
    handlers: PoolHandlers,
  ): WorkerPool {
    return new WorkerPool(
      count,
      (ring) => ({ type: "start-live", ring, ...settings }),
      handlers,
    );
  }

  /** Workers that parse shards of a capture file. */
  static replay(
    count: number,
    settings: Omit<StartReplayMessage, "type" | "merged">,
    handlers: PoolHandlers,
  ): WorkerPool {
    return new WorkerPool(
      count,
      () => ({ ...settings, type: "start-replay", merged: count > 1 }),
      handlers,
    );
  }

  /** Number of workers. */
  get size(): number {
    return this.#workers.length;
  }

  /**
   * Replay: hands each worker its part of one block; resolves with the
   * records all workers produced, in the order of the events that
   * completed them (ties: connection id, then worker order).
   */
  replayBatch(parts: ReplayPart[]): Promise<ReplayOutput[]> {
    const batch = this.#nextBatch++;
    const { promise, resolve } = Promise.withResolvers<ReplayOutput[]>();
    this.#batches.set(batch, { replies: [], resolve });
    parts.forEach((part, i) => {
      this.#workers[i]!.postMessage(
        { type: "events", batch, bytes: part.bytes, seqs: part.seqs, sources: part.sources } satisfies ToWorker,
      );
    });
    return promise;
  }

  #batchReply(ring: number, msg: BatchMessage): void {
    const entry = this.#batches.get(msg.batch);
    if (!entry) return;
    entry.replies.push({ ring, msg });
    if (entry.replies.length < this.#workers.length) return;
    this.#batches.delete(msg.batch);
    if (entry.replies.length === 1) {
      const { msg } = entry.replies[0]!;
      return entry.resolve(
        msg.chunks.map((bytes, i) => ({ bytes, count: msg.counts[i]!, written: () => releaseLines(bytes) })),
      );
    }
    const merged = mergeReplies(entry.replies.map((r) => r.msg));
    for (const { msg } of entry.replies) for (const bytes of msg.chunks) releaseLines(bytes);
    entry.resolve(merged.count === 0 ? [] : [{ ...merged, written: () => {} }]);
  }

  /** stat: asks every worker for its aggregate since the last tick. */
  tick(): Promise<StatSnapshot[]> {
    const tick = this.#nextTick++;
    const { promise, resolve } = Promise.withResolvers<StatSnapshot[]>();
    this.#ticks.set(tick, { snapshots: [], resolve });
    for (const worker of this.#workers) worker.postMessage({ type: "tick", tick } satisfies ToWorker);
    return promise;
  }

  #tickReply(tick: number, snapshot: StatSnapshot): void {
    const entry = this.#ticks.get(tick);
    if (!entry) return;
    entry.snapshots.push(snapshot);
    if (entry.snapshots.length < this.#workers.length) return;
    this.#ticks.delete(tick);
    entry.resolve(entry.snapshots);
  }

  /**
   * Asks every worker to drain and stop; resolves with their counters and
   * (stat) their last aggregates.
   */
  async stop(): Promise<{ stats: TrackerStats[]; snapshots: StatSnapshot[] }> {
    for (const worker of this.#workers) worker.postMessage({ type: "stop" } satisfies ToWorker);
    const results = await Promise.allSettled(this.#done);
    for (const worker of this.#workers) worker.terminate();
    const ok = results.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
    return {
      stats: ok.map((r) => r.stats),
      snapshots: ok.flatMap((r) => r.snapshot ? [r.snapshot] : []),
    };
  }
}

/** NDJSON bytes of a replayed batch; `written` once they are no longer needed. */
export interface ReplayOutput {
  bytes: Uint8Array;
  count: number;
  written: () => void;
}

/** Reads one worker's lines in order across its chunks. */
class LineCursor {
  #chunk = 0;
  #at = 0;
  /** Index of the current line, in the worker's seqs. */
  index = 0;
  constructor(readonly reply: BatchMessage) {
    this.#skipEmpty();
  }

  get done(): boolean {
    return this.#chunk >= this.reply.chunks.length;
  }

  /** Whether this cursor's line goes before `other`'s. */
  before(other: LineCursor): boolean {
    const a = this.reply.seqs[this.index]!, b = other.reply.seqs[other.index]!;
    return a < b || (a === b && this.reply.connIds[this.index]! < other.reply.connIds[other.index]!);
  }

  /**
   * Copies the current line, and the ones after it in the same chunk that
   * still go before `next` (every line when null), into `out` at `to`;
   * returns the bytes copied.
   */
  copyRun(out: Uint8Array, to: number, next: LineCursor | null): number {
    const bytes = this.reply.chunks[this.#chunk]!;
    const start = this.#at;
    let end = start;
    do {
      // JSON escapes every newline inside strings: a 0x0a byte ends a line.
      const nl = bytes.indexOf(10, end);
      end = nl < 0 ? bytes.length : nl + 1;
      this.index++;
    } while (end < bytes.length && (next === null || this.before(next)));
    out.set(bytes.subarray(start, end), to);
    this.#at = end;
    this.#skipEmpty();
    return end - start;
  }

  #skipEmpty(): void {
    while (!this.done && this.#at >= this.reply.chunks[this.#chunk]!.length) {
      this.#chunk++;
      this.#at = 0;
    }
  }
}

/**
 * Merges the workers' records of one batch in the order of the events that
 * completed them (ties: connection id, then the order a worker produced
 * them). Each worker's records are already in that order.
 */
export function mergeReplies(replies: BatchMessage[]): { bytes: Uint8Array; count: number } {
  let total = 0;
  let count = 0;
  for (const r of replies) {
    for (const c of r.chunks) total += c.length;
    for (const n of r.counts) count += n;
  }
  const out = new Uint8Array(total);
  const cursors = replies.map((r) => new LineCursor(r)).filter((c) => !c.done);
  let at = 0;
  for (;;) {
    // The first line of all, and the first of the other workers' (where its run ends).
    let best: LineCursor | null = null;
    let next: LineCursor | null = null;
    for (const c of cursors) {
      if (c.done) continue;
      if (best === null || c.before(best)) {
        next = best;
        best = c;
      } else if (next === null || c.before(next)) {
        next = c;
      }
    }
    if (best === null) return { bytes: out.subarray(0, at), count };
    at += best.copyRun(out, at, next);
  }
}
