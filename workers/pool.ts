/**
 * The main thread's side of the shard workers: start one per ring, forward
 * their records, and stop them all.
 *
 * @module
 */
import type { TrackerStats } from "../lib/conn/tracker.ts";
import type { FromWorker, StartMessage } from "./messages.ts";

/** What the pool needs besides the per-worker ring index. */
export type PoolStart = Omit<StartMessage, "type" | "ring">;

/** Callbacks for what workers send. */
export interface PoolHandlers {
  /** NDJSON text holding `count` records. */
  onRecords(text: string, count: number): void;
  /** A worker failed: its shard is lost, the tool must stop non-zero. */
  onError(ring: number, message: string): void;
}

/** A running set of shard workers. */
export class WorkerPool {
  readonly #workers: Worker[] = [];
  readonly #done: Promise<TrackerStats>[] = [];

  constructor(count: number, start: PoolStart, handlers: PoolHandlers) {
    for (let ring = 0; ring < count; ring++) {
      const worker = new Worker(new URL("./shard_worker.ts", import.meta.url), {
        type: "module",
      });
      const done = Promise.withResolvers<TrackerStats>();
      worker.onmessage = (event: MessageEvent<FromWorker>) => {
        const msg = event.data;
        if (msg.type === "records") handlers.onRecords(msg.text, msg.count);
        else if (msg.type === "done") done.resolve(msg.stats);
        else if (msg.type === "error") {
          handlers.onError(ring, msg.message);
          done.reject(new Error(msg.message));
        }
      };
      worker.onerror = (event) => {
        event.preventDefault();
        handlers.onError(ring, event.message);
        done.reject(new Error(event.message));
      };
      worker.postMessage(
        { type: "start", ring, ...start } satisfies StartMessage,
      );
      this.#workers.push(worker);
      this.#done.push(done.promise);
    }
  }

  /** Asks every worker to drain and stop; resolves with their counters. */
  async stop(): Promise<TrackerStats[]> {
    for (const worker of this.#workers) worker.postMessage({ type: "stop" });
    const results = await Promise.allSettled(this.#done);
    for (const worker of this.#workers) worker.terminate();
    return results.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
  }
}
