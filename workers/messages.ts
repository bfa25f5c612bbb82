/**
 * Messages between the main thread and the shard workers.
 *
 * @module
 */
import type { TrackerStats } from "../lib/conn/tracker.ts";
import type { RecordFilterSpec } from "../lib/record_filter.ts";
import type { StatSnapshot } from "../lib/stat/mod.ts";

/** Settings every worker gets. */
export interface WorkerSettings {
  maxBodyBytes: number;
  realtimeOffsetNs: number;
  recordFilter: RecordFilterSpec;
  /**
   * Report only this protocol (`l7trace http2`), or null for all. The kernel
   * also sends the protocols it can be reached from (HTTP/1.1 upgrading to h2c).
   */
  onlyProtocol: string | null;
  /** `stat --group-by` value: aggregate instead of posting records; null for watch. */
  statGroupBy: string | null;
  /** --redact: replace secrets with *** before anything leaves the worker. */
  redact: boolean;
}

/** Main to worker: read ring `ring` of the live tracer. */
export interface StartLiveMessage extends WorkerSettings {
  type: "start-live";
  shimPath: string;
  ring: number;
  batchBytes: number;
  /** Append every drained batch to this capture file, or null. */
  savePath: string | null;
  /** Count and discard events: no parsing (benchmark baseline). */
  captureOnly: boolean;
}

/** Main to worker: events will come as `events` messages (replay). */
export interface StartReplayMessage extends WorkerSettings {
  type: "start-replay";
  /** Other workers replay too: tag each line with its sort key. */
  merged: boolean;
}

/**
 * Main to worker (replay): events of this worker's shard, laid out as
 * l7_drain lays them out; `seqs[i]` is the file-wide index of event i.
 */
export interface EventsMessage {
  type: "events";
  batch: number;
  /** Shared, not transferred (see workers/line_buffer.ts); the worker only reads it. */
  bytes: Uint8Array<SharedArrayBuffer>;
  seqs: Float64Array;
  /** The ring each event was drained from when it was recorded. */
  sources: Uint8Array;
}

/** Main to worker (stat): post what was aggregated since the last tick. */
export interface TickMessage {
  type: "tick";
  tick: number;
}

/** Main to worker: drain what is left, report, and stop. */
export interface StopMessage {
  type: "stop";
}

/**
 * Worker to main (live): finished records as UTF-8 NDJSON lines (each ends
 * with "\n"), in a shared buffer the worker leaves alone until releaseLines.
 */
export interface RecordsMessage {
  type: "records";
  bytes: Uint8Array<SharedArrayBuffer>;
  count: number;
}

/**
 * Worker to main (replay): the records batch `batch` completed, as UTF-8
 * NDJSON in `chunks` (shared; `counts[i]` lines each; give them back with
 * releaseLines once written). With more than one worker each line also
 * has its sort key: the completing event's index and the connection id.
 */
export interface BatchMessage {
  type: "batch";
  batch: number;
  chunks: Uint8Array<SharedArrayBuffer>[];
  counts: number[];
  /** Empty when the replay has a single worker: nothing to merge. */
  seqs: Float64Array;
  connIds: Float64Array;
}

/** Worker to main (live): a process exec'd; look for TLS libraries in it. */
export interface ExecMessage {
  type: "exec";
  pid: number;
}

/** Worker to main (stat): the aggregate since the last tick. */
export interface StatMessage {
  type: "stat";
  tick: number;
  snapshot: StatSnapshot;
}

/** Worker to main (live): the worker drains its ring from now on. */
export interface ReadyMessage {
  type: "ready";
}

/** Worker to main: the worker stopped; its final counters and (stat) aggregate. */
export interface DoneMessage {
  type: "done";
  stats: TrackerStats;
  snapshot: StatSnapshot | null;
}

/** Worker to main: the worker failed and its shard is lost. */
export interface ErrorMessage {
  type: "error";
  message: string;
}

/** Anything a worker receives. */
export type ToWorker =
  | StartLiveMessage
  | StartReplayMessage
  | EventsMessage
  | TickMessage
  | StopMessage;
/** Anything a worker sends. */
export type FromWorker =
  | RecordsMessage
  | BatchMessage
  | ExecMessage
  | ReadyMessage
  | StatMessage
  | DoneMessage
  | ErrorMessage;
