/**
 * A shard worker: owns every connection the kernel hashed onto its ring.
 *
 * Live: waits on the ring with a nonblocking FFI call, drains whole batches
 * with a synchronous one, optionally appends them to a capture file, and
 * posts finished records to the main thread as NDJSON text.
 * Replay: gets its shard of each capture block from the main thread and
 * answers with the records, each tagged so the main thread can print them
 * in the same order whatever the number of workers.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { Tracker } from "../lib/conn/tracker.ts";
import { toRecord } from "../lib/record.ts";
import { encodeBlock } from "../lib/capture/format.ts";
import { loadShim } from "../ffi/shim.ts";
import type { EventsMessage, FromWorker, StartLiveMessage, StartReplayMessage, ToWorker } from "./messages.ts";

const WAIT_MS = 100;
/** Post records once this much text is pending, even mid-drain. */
const FLUSH_CHARS = 256 * 1024;

let stopping = false;
let replay: Replay | null = null;

function post(message: FromWorker): void {
  self.postMessage(message);
}

function fail(error: unknown): void {
  post({
    type: "error",
    message: error instanceof Error ? error.stack ?? error.message : String(error),
  });
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  try {
    switch (msg.type) {
      case "start-live":
        live(msg).catch(fail);
        return;
      case "start-replay":
        replay = new Replay(msg);
        return;
      case "events":
        replay?.events(msg);
        return;
      case "stop":
        stopping = true;
        if (replay) post({ type: "done", stats: replay.finish() });
        return;
    }
  } catch (error) {
    fail(error);
  }
};

async function live(start: StartLiveMessage): Promise<void> {
  const shim = loadShim(start.shimPath);
  const save = start.savePath === null ? null : await Deno.open(start.savePath, { append: true });
  const buf = new Uint8Array(start.batchBytes);
  let lines: string[] = [];
  let chars = 0;
  const flush = () => {
    if (lines.length === 0) return;
    post({ type: "records", text: lines.join(""), count: lines.length });
    lines = [];
    chars = 0;
  };
  const onExec = (pid: number) => post({ type: "exec", pid });
  const tracker = new Tracker(
    { maxBodyBytes: start.maxBodyBytes, onExec },
    (protocol, conn, ex) => {
      const line = JSON.stringify(toRecord(protocol, conn, ex, start.realtimeOffsetNs)) +
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
      if (save) writeAll(save, encodeBlock(buf.subarray(0, n), start.ring));
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
  save?.close();
  post({ type: "done", stats: tracker.stats });
}

/** One write per block, so blocks of different workers never interleave. */
function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
}

class Replay {
  readonly #tracker: Tracker;
  #lines: string[] = [];
  #seqs: number[] = [];
  #connIds: number[] = [];
  #batchSeqs: Float64Array = new Float64Array(0);

  constructor(start: StartReplayMessage) {
    this.#tracker = new Tracker(
      { maxBodyBytes: start.maxBodyBytes },
      (protocol, conn, ex) => {
        this.#lines.push(
          JSON.stringify(toRecord(protocol, conn, ex, start.realtimeOffsetNs)) +
            "\n",
        );
        this.#seqs.push(
          this.#batchSeqs[this.#tracker.eventIndex] ?? Number.MAX_SAFE_INTEGER,
        );
        this.#connIds.push(conn.connId);
      },
    );
  }

  events(msg: EventsMessage): void {
    this.#batchSeqs = msg.seqs;
    this.#tracker.handleBatch(
      new Uint8Array(msg.bytes),
      msg.length,
      msg.sources,
    );
    post({
      type: "batch",
      batch: msg.batch,
      lines: this.#lines,
      seqs: Float64Array.from(this.#seqs),
      connIds: Float64Array.from(this.#connIds),
    });
    this.#lines = [];
    this.#seqs = [];
    this.#connIds = [];
  }

  finish() {
    this.#tracker.closeAll();
    return this.#tracker.stats;
  }
}
