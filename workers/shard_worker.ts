/**
 * A shard worker: owns every connection the kernel hashed onto its ring.
 *
 * Live: drains the ring with a synchronous FFI call every POLL_MS, whole
 * batches at a time, optionally appending them to a capture file, and lets
 * the traced application run between chunks of them (cpu_yield.ts).
 * Replay: gets its shard of each capture block from the main thread and
 * answers with the records, each tagged so the main thread can print them
 * in the same order whatever the number of workers.
 * Either way, finished records are filtered, then posted as NDJSON text
 * (watch) or added to an aggregate posted on each tick (stat).
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { Tracker, type TrackerStats } from "../lib/conn/tracker.ts";
import { type ConnectionInfo, toRecord, type WallClock, wallClock, writeRecord } from "../lib/record.ts";
import { encodeBlock } from "../lib/capture/format.ts";
import { buildRecordFilter } from "../lib/record_filter.ts";
import { redactorFor } from "../lib/protocols/registry.ts";
import { parseGroupBy, StatAggregator } from "../lib/stat/mod.ts";
import type { Exchange } from "../lib/protocols/common/parser.ts";
import { loadShim, mapRing } from "../ffi/shim.ts";
import { ContainerIds } from "../lib/container.ts";
import { LineBuffer } from "./line_buffer.ts";
import { nextPollMs } from "./poll.ts";
import { CpuPacer, LARGE_CHUNK_BYTES } from "./cpu_yield.ts";
import { heapCollector, QuietCollector } from "./quiet_collector.ts";
import type {
  EventsMessage,
  FromWorker,
  StartLiveMessage,
  StartReplayMessage,
  ToWorker,
  WorkerSettings,
} from "./messages.ts";

/**
 * Finished lines are posted at most this often (and whenever a buffer
 * fills): each post wakes the main thread, which cost the worker 0.1-0.3 ms
 * on the 2-CPU VM, ~0.4 µs a record when posted every drain under load.
 */
const FLUSH_MS = 50;
/** How often idle connections are checked against the kernel. */
const SWEEP_MS = 10_000;

let stopping = false;
let replay: Replay | null = null;
let sink: RecordSink | null = null;

function post(message: FromWorker): void {
  self.postMessage(message);
}

function fail(error: unknown): void {
  post({ type: "error", message: error instanceof Error ? error.stack ?? error.message : String(error) });
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
      case "tick":
        if (sink?.stat) post({ type: "stat", tick: msg.tick, snapshot: sink.stat.drain() });
        return;
      case "stop":
        stopping = true;
        if (replay) replay.finish();
        return;
    }
  } catch (error) {
    fail(error);
  }
};

/** Where finished exchanges go: filter, then NDJSON lines or the aggregate. */
class RecordSink {
  readonly stat: StatAggregator | null;
  /** NDJSON lines, as bytes. */
  readonly bytes: LineBuffer;
  readonly #keep;
  readonly #clock: WallClock;
  readonly #redact: boolean;
  readonly #only: string | null;

  constructor(settings: WorkerSettings, bytes: LineBuffer) {
    this.bytes = bytes;
    this.#keep = buildRecordFilter(settings.recordFilter);
    this.#only = settings.onlyProtocol;
    this.stat = settings.statGroupBy === null ? null : new StatAggregator(parseGroupBy(settings.statGroupBy).key);
    this.#clock = wallClock(settings.realtimeOffsetNs);
    this.#redact = settings.redact;
  }

  /** Returns true when a line was added. */
  add(protocol: string, conn: ConnectionInfo, ex: Exchange): boolean {
    if (this.#only !== null && protocol !== this.#only) return false;
    if (this.#redact) redactorFor(protocol)?.(ex.req, ex.resp);
    if (!this.#keep && !this.stat) {
      // The common case: no record object, straight to NDJSON.
      writeRecord(this.bytes, protocol, conn, ex, this.#clock);
      return true;
    }
    const record = toRecord(protocol, conn, ex, this.#clock);
    if (this.#keep && !this.#keep(record)) return false;
    if (this.stat) {
      this.stat.add(record);
      return false;
    }
    this.bytes.push(JSON.stringify(record) + "\n");
    return true;
  }

  /** Nothing filters, aggregates or edits records: parsers may write them as JSON. */
  get printsUnchanged(): boolean {
    return !this.#keep && !this.stat && !this.#redact;
  }

  final(stats: TrackerStats): FromWorker {
    return { type: "done", stats, snapshot: this.stat ? this.stat.drain() : null };
  }
}

async function live(start: StartLiveMessage): Promise<void> {
  const shim = loadShim(start.shimPath);
  const save = start.savePath === null ? null : await Deno.open(start.savePath, { append: true });
  // Saving needs events laid out as l7_drain copies them; else they are read in place.
  const buf = save === null ? null : new Uint8Array(start.batchBytes);
  const ring = mapRing(shim, start.ring);
  const lines = new LineBuffer(() => flush());
  const out = sink = new RecordSink(start, lines);
  function flush() {
    if (lines.count === 0) return;
    const { bytes, count } = lines.takeLines();
    if (count > 0) post({ type: "records", bytes, count });
  }
  const onExec = (pid: number) => post({ type: "exec", pid });
  const isAlive = (pid: number, fd: number, connId: number) => shim.l7_conn_alive(pid, fd, BigInt(connId)) === 1;
  const containers = new ContainerIds();
  const t = new Tracker({
    maxBodyBytes: start.maxBodyBytes,
    renderJson: out.printsUnchanged,
    onExec,
    isAlive,
    containerOf: (pid) => containers.of(pid),
    onExit: (pid) => containers.forget(pid),
    onOpaque: (pid, fd, connId) => void shim.l7_disable_conn(pid, fd, BigInt(connId)),
  }, (protocol, conn, ex) => {
    out.add(protocol, conn, ex);
  });
  // Test hook: make this worker fail on its first events (tests/e2e/cli_test.ts).
  const failOnData = Deno.env.get("L7TRACE_TEST_FAIL_WORKER") === String(start.ring);
  const ringBytes = shim.l7_ring_size(start.ring);
  // Records read in place are parsed and given back to the kernel a chunk at
  // a time, so it can write while the rest is parsed and the application
  // can run between chunks. Capture-only, the baseline of the overhead
  // bench, parses nothing: it drains as it did before pacing existed.
  const pacer = start.captureOnly ? null : new CpuPacer(ringBytes, performance.now());
  /** Empties the ring; returns the bytes drained. */
  const drain = () => {
    for (let total = 0;;) {
      const n = buf === null
        ? shim.l7_ring_peek(start.ring, pacer?.chunkBytes() ?? LARGE_CHUNK_BYTES, ring.offset)
        : shim.l7_drain(start.ring, buf, buf.length);
      if (n < 0) throw new Error(`Cannot read ring buffer ${start.ring}: errno ${-n}`);
      if (n === 0) return total;
      total += n;
      if (failOnData) throw new Error("injected failure (L7TRACE_TEST_FAIL_WORKER)");
      if (buf !== null) writeAll(save!, encodeBlock(buf.subarray(0, n), start.ring));
      if (start.captureOnly) t.stats.bytes += n;
      else if (buf !== null) t.handleBatch(buf, n);
      else t.handleRing(ring.bytes, ring.view, ring.offset[0]!, n);
      if (buf !== null) continue;
      shim.l7_ring_release(start.ring, n);
      if (pacer?.afterChunk(performance.now(), ring.offset[1]! - n)) shim.l7_yield();
    }
  };
  let nextSweep = Date.now() + SWEEP_MS;
  let nextFlush = 0;
  // Test hook: a worker slow to start (tests/e2e/cli_test.ts).
  const startDelay = Number(Deno.env.get("L7TRACE_TEST_WORKER_DELAY_MS") ?? 0);
  if (startDelay > 0) await new Promise((resolve) => setTimeout(resolve, startDelay));
  post({ type: "ready" });
  let lastDrain = performance.now();
  const collect = heapCollector();
  const quiet = collect === null ? null : new QuietCollector(collect, lastDrain);
  let eventsSeen = 0;
  for (let wait = 0; !stopping;) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    const drained = drain();
    const drainedAt = performance.now();
    wait = nextPollMs(drained, drainedAt - lastDrain, ringBytes);
    lastDrain = drainedAt;
    if (quiet !== null) {
      quiet.observe(t.stats.events - eventsSeen, drainedAt);
      eventsSeen = t.stats.events;
    }
    const now = Date.now();
    if (now >= nextFlush && lines.count > 0) {
      flush();
      nextFlush = now + FLUSH_MS;
    }
    if (now >= nextSweep) {
      t.sweep();
      nextSweep = Date.now() + SWEEP_MS;
    }
  }
  drain();
  t.closeAll();
  flush();
  save?.close();
  post(out.final(t.stats));
}

/** One write per block, so blocks of different workers never interleave. */
function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
}

class Replay {
  readonly #tracker: Tracker;
  readonly #sink: RecordSink;
  readonly #lines: LineBuffer;
  /** Chunks of this batch's lines that filled up before its end. */
  #chunks: Uint8Array<SharedArrayBuffer>[] = [];
  #counts: number[] = [];
  #seqs: number[] = [];
  #connIds: number[] = [];
  #batchSeqs: Float64Array = new Float64Array(0);
  /**
   * Where each shared block is copied before parsing: Deno's TextDecoder
   * copies a view of a SharedArrayBuffer the slow way, 1.2 µs to decode 2
   * bytes of it and 4 µs for 600 (0.15 µs from a plain buffer). Like the
   * live ring's batch buffer, it is reused: the tracker keeps no views.
   */
  #plain = new Uint8Array(0);

  constructor(start: StartReplayMessage) {
    const lines = this.#lines = new LineBuffer(() => this.#takeChunk());
    const out = this.#sink = sink = new RecordSink(start, lines);
    const merged = start.merged;
    this.#tracker = new Tracker({ maxBodyBytes: start.maxBodyBytes, renderJson: out.printsUnchanged }, (
      protocol,
      conn,
      ex,
    ) => {
      if (!out.add(protocol, conn, ex) || !merged) return;
      this.#seqs.push(this.#batchSeqs[this.#tracker.eventIndex] ?? Number.MAX_SAFE_INTEGER);
      this.#connIds.push(conn.connId);
    });
  }

  #takeChunk(): void {
    if (this.#lines.count === 0) return;
    const { bytes, count } = this.#lines.takeLines();
    if (count === 0) return;
    this.#counts.push(count);
    this.#chunks.push(bytes);
  }

  events(msg: EventsMessage): void {
    this.#batchSeqs = msg.seqs;
    const n = msg.bytes.length;
    if (this.#plain.length < n) this.#plain = new Uint8Array(Math.max(n, 2 * this.#plain.length));
    this.#plain.set(msg.bytes);
    this.#tracker.handleBatch(this.#plain, n, msg.sources);
    this.#tracker.sweep();
    this.#takeChunk();
    const chunks = this.#chunks;
    post({
      type: "batch",
      batch: msg.batch,
      chunks,
      counts: this.#counts,
      seqs: Float64Array.from(this.#seqs),
      connIds: Float64Array.from(this.#connIds),
    });
    this.#chunks = [];
    this.#counts = [];
    this.#seqs = [];
    this.#connIds = [];
  }

  finish(): void {
    this.#tracker.closeAll();
    post(this.#sink.final(this.#tracker.stats));
  }
}
