/**
 * A shard worker: owns ring buffer `ring`, and with it every connection the
 * kernel hashed there. Waits on the ring with a nonblocking FFI call, drains
 * whole batches with a synchronous one, and posts finished records to the
 * main thread as NDJSON text.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { Tracker } from "../lib/conn/tracker.ts";
import { toRecord } from "../lib/record.ts";
import { loadShim } from "../ffi/shim.ts";
import type { FromWorker, StartMessage, ToWorker } from "./messages.ts";

const WAIT_MS = 100;
/** Post records once this much text is pending, even mid-drain. */
const FLUSH_CHARS = 256 * 1024;

let stopping = false;

function post(message: FromWorker): void {
  self.postMessage(message);
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  if (msg.type === "start") {
    run(msg).catch((error) => {
      post({
        type: "error",
        message: error instanceof Error
          ? error.stack ?? error.message
          : String(error),
      });
    });
  } else if (msg.type === "stop") {
    stopping = true;
  }
};

async function run(start: StartMessage): Promise<void> {
  const shim = loadShim(start.shimPath);
  const buf = new Uint8Array(start.batchBytes);
  let lines: string[] = [];
  let chars = 0;
  const flush = () => {
    if (lines.length === 0) return;
    post({ type: "records", text: lines.join(""), count: lines.length });
    lines = [];
    chars = 0;
  };
  const tracker = new Tracker(
    { maxBodyBytes: start.maxBodyBytes },
    (protocol, conn, ex) => {
      const line =
        JSON.stringify(toRecord(protocol, conn, ex, start.realtimeOffsetNs)) +
        "\n";
      lines.push(line);
      chars += line.length;
    },
  );
  const drain = () => {
    for (;;) {
      const n = shim.l7_drain(start.ring, buf, buf.length);
      if (n < 0) {
        throw new Error(`Cannot read ring buffer ${start.ring}: errno ${-n}`);
      }
      if (n === 0) return;
      tracker.handleBatch(buf, n);
      if (chars >= FLUSH_CHARS) flush();
    }
  };
  while (!stopping) {
    const ready = await shim.l7_wait(start.ring, WAIT_MS);
    if (ready < 0) {
      throw new Error(
        `Cannot wait on ring buffer ${start.ring}: errno ${-ready}`,
      );
    }
    drain();
    flush();
  }
  drain();
  tracker.closeAll();
  flush();
  post({ type: "done", stats: tracker.stats });
}
