/**
 * Messages between the main thread and the shard workers.
 *
 * @module
 */
import type { TrackerStats } from "../lib/conn/tracker.ts";

/** Main to worker: start reading ring `ring`. */
export interface StartMessage {
  type: "start";
  shimPath: string;
  ring: number;
  maxBodyBytes: number;
  realtimeOffsetNs: number;
  batchBytes: number;
}

/** Main to worker: drain what is left, report, and stop. */
export interface StopMessage {
  type: "stop";
}

/** Worker to main: finished records as NDJSON lines (each ends with "\n"). */
export interface RecordsMessage {
  type: "records";
  text: string;
  count: number;
}

/** Worker to main: the worker stopped; its final counters. */
export interface DoneMessage {
  type: "done";
  stats: TrackerStats;
}

/** Worker to main: the worker failed and its shard is lost. */
export interface ErrorMessage {
  type: "error";
  message: string;
}

/** Anything a worker receives. */
export type ToWorker = StartMessage | StopMessage;
/** Anything a worker sends. */
export type FromWorker = RecordsMessage | DoneMessage | ErrorMessage;
