/**
 * `l7trace watch`: load the tracer, run one worker per ring buffer, print
 * records until a signal, the duration or a closed stdout stops it; or
 * replay a capture file through the same workers.
 *
 * @module
 */
import { defaultShimPath, lastError, loadShim, readCounters, type Shim } from "../../ffi/shim.ts";
import type { TrackerStats } from "../conn/tracker.ts";
import { type PoolHandlers, WorkerPool } from "../../workers/pool.ts";
import { OutputWriter } from "../render/output.ts";
import { tableHeader, tableRow } from "../render/table.ts";
import type { L7Record } from "../record.ts";
import type { WatchOptions } from "./args.ts";
import { CliError } from "./errors.ts";
import { preflight } from "./preflight.ts";
import { filterFlags, installKernelFilters, sideMask } from "./kernel_filters.ts";
import { installProtocolPorts } from "./protocol_ports.ts";
import { protocolMask } from "../protocols/registry.ts";
import { CaptureError, CaptureReader, encodeHeader } from "../capture/format.ts";
import { REPLAY_BLOCK_BUFFERS, replayBlocks } from "../capture/replay.ts";
import { TlsAttacher } from "../tls/attach.ts";
import { StatPrinter } from "./stat_printer.ts";

/**
 * A new program's executable can be probed at once (Go, static OpenSSL);
 * the libraries it maps appear after the dynamic loader ran: look again.
 */
const EXEC_SCAN_DELAYS_MS = [0, 20, 300];

const BATCH_BYTES = 4 * 1024 * 1024;
const STOP_SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
const utf8 = new TextDecoder();

function log(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`l7trace: ${line}\n`));
}

/** Opens and attaches the tracer, or throws a CliError with nothing left attached. */
function openTracer(options: WatchOptions): { shim: Shim; path: string } {
  const path = defaultShimPath();
  let shim: Shim;
  try {
    shim = loadShim(path);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
  const f = options.filters;
  let rc = shim.l7_open(
    options.workers,
    options.ringBytes,
    options.maxCaptureBytes,
    Deno.pid,
    filterFlags(f),
    protocolMask(options.protocol),
    sideMask(f),
    options.tls ? 1 : 0,
  );
  if (rc === 0) rc = installKernelFilters(shim, f);
  if (rc === 0) rc = installProtocolPorts(shim, options.protocolPorts);
  if (rc === 0) rc = shim.l7_attach();
  if (rc !== 0) {
    const why = lastError(shim) || `Cannot start the tracer: errno ${-rc}`;
    shim.l7_close();
    // EMFILE: every map, program and link is a file descriptor.
    const hint = why.includes("Too many open files")
      ? ": l7trace needs a few hundred file descriptors; raise the limit (ulimit -n 4096)"
      : "";
    throw new CliError(why + hint);
  }
  return { shim, path };
}

function sum(stats: TrackerStats[], key: keyof TrackerStats): number {
  return stats.reduce((n, s) => n + s[key], 0);
}

/** Where records go: NDJSON as is, or table rows; counts them. */
class RecordPrinter {
  records = 0;
  readonly #out: OutputWriter;
  readonly #table: boolean;

  constructor(out: OutputWriter, table: boolean) {
    this.#out = out;
    this.#table = table;
    if (table) out.write(tableHeader());
  }

  /**
   * NDJSON holding `count` records, as text or as UTF-8 bytes (the
   * writer's until `written` is called).
   */
  print(ndjson: string | Uint8Array, count: number, written?: () => void): void {
    this.records += count;
    if (!this.#table) {
      return typeof ndjson === "string" ? this.#out.write(ndjson) : this.#out.writeBytes(ndjson, written);
    }
    const text = typeof ndjson === "string" ? ndjson : utf8.decode(ndjson);
    written?.();
    let rows = "";
    for (const line of text.split("\n")) {
      if (line) rows += tableRow(JSON.parse(line) as L7Record);
    }
    this.#out.write(rows);
  }
}

/** Resolves when a stop signal, the duration or a closed stdout says so. */
function stopWhen(
  durationSec: number | null,
): { stopped: Promise<void>; stop: () => void; dispose: () => void } {
  const { promise, resolve } = Promise.withResolvers<void>();
  for (const sig of STOP_SIGNALS) Deno.addSignalListener(sig, resolve);
  const timer = durationSec === null ? undefined : setTimeout(resolve, durationSec * 1000);
  return {
    stopped: promise,
    stop: resolve,
    dispose() {
      clearTimeout(timer);
      for (const sig of STOP_SIGNALS) Deno.removeSignalListener(sig, resolve);
    },
  };
}

/** Runs `watch` until stopped; resolves with the exit code. */
export function watch(options: WatchOptions): Promise<number> {
  return options.fromPath === null ? watchLive(options) : watchReplay(options, options.fromPath);
}

/** Settings every worker gets, from the options. */
function workerSettings(options: WatchOptions, realtimeOffsetNs: number) {
  return {
    maxBodyBytes: options.maxBodyBytes,
    realtimeOffsetNs,
    recordFilter: options.recordFilter,
    onlyProtocol: options.protocol,
    statGroupBy: options.stat?.groupBy ?? null,
    redact: options.redact,
  };
}

function statPrinter(options: WatchOptions, out: OutputWriter): StatPrinter | null {
  return options.stat ? new StatPrinter(options.stat, options.output, out, Deno.stdout.isTerminal()) : null;
}

async function watchLive(options: WatchOptions): Promise<number> {
  preflight();
  const { shim, path } = openTracer(options);
  const realtimeOffsetNs = Number(shim.l7_realtime_offset_ns());
  if (options.savePath !== null) {
    try {
      await Deno.writeFile(options.savePath, encodeHeader(realtimeOffsetNs));
    } catch (error) {
      shim.l7_close();
      throw new CliError(`Cannot write ${options.savePath}: ${error instanceof Error ? error.message : error}`);
    }
  }
  let failed = false;
  const stop = stopWhen(options.durationSec);
  const out = new OutputWriter(Deno.stdout, stop.stop);
  const stat = statPrinter(options, out);
  const printer = new RecordPrinter(out, options.output === "table" && !stat);
  const tls = options.tls ? new TlsAttacher(shim, log) : null;
  tls?.scanAll();
  const handlers: PoolHandlers = {
    onRecords: (bytes, count, written) => printer.print(bytes, count, written),
    onExec(pid) {
      for (const ms of EXEC_SCAN_DELAYS_MS) setTimeout(() => tls?.scanPid(pid), ms);
    },
    onError(ring, message) {
      log(`worker ${ring} failed, its connections are lost: ${message}`);
      failed = true;
      stop.stop();
    },
  };
  let pool: WorkerPool;
  try {
    pool = WorkerPool.live(options.workers, {
      ...workerSettings(options, realtimeOffsetNs),
      shimPath: path,
      batchBytes: BATCH_BYTES,
      savePath: options.savePath,
      captureOnly: options.captureOnly,
    }, handlers);
  } catch (error) {
    shim.l7_close();
    throw error;
  }
  await pool.ready();
  const tlsNote = tls ? `, TLS probes on ${tls.attached.length} files` : "";
  log(`ready: ${shim.l7_attached_count()} probes attached, ${options.workers} workers${tlsNote}`);

  // In JSON mode, a machine-readable health line on stderr every few seconds.
  const statsTimer = options.output === "json" && options.statsIntervalSec !== null
    ? setInterval(
      () => log(statsLine(shim, options.workers, printer.records + (stat?.records ?? 0))),
      options.statsIntervalSec * 1000,
    )
    : undefined;
  const started = performance.now();
  let lastTick = started;
  const interval = stat && options.stat?.intervalSec
    ? setInterval(async () => {
      const snapshots = await pool.tick();
      const now = performance.now();
      stat.merge(snapshots);
      stat.print((now - lastTick) / 1000);
      lastTick = now;
    }, options.stat.intervalSec * 1000)
    : undefined;

  await stop.stopped;
  stop.dispose();
  clearInterval(interval);
  clearInterval(statsTimer);
  const { stats, snapshots } = await pool.stop();
  if (stat) {
    stat.merge(snapshots);
    stat.print((performance.now() - lastTick) / 1000);
  }
  const lost = readCounters(shim).lostPerRing.reduce((a, b) => a + b, 0);
  shim.l7_close();
  await out.flush();
  const records = stat ? stat.records : printer.records;
  log(summary(records, stats, `${lost} events lost in the kernel, `));
  return failed ? 1 : 0;
}

/** `stats {...}`: records so far, events lost per ring, kernel connection-map size. */
function statsLine(shim: Shim, rings: number, records: number): string {
  const c = readCounters(shim);
  const lostPerRing = c.lostPerRing.slice(0, rings);
  return `stats ${
    JSON.stringify({
      records,
      lost_events: lostPerRing.reduce((a, b) => a + b, 0),
      lost_events_per_ring: lostPerRing,
      kernel_connections: shim.l7_conn_map_entries(),
      tls_without_socket: c.tlsNoFd,
    })
  }`;
}

function summary(records: number, stats: TrackerStats[], lost: string): string {
  return `${records} records, ${sum(stats, "events")} events, ${sum(stats, "bytes")} bytes, ${lost}` +
    `${sum(stats, "desyncs")} resyncs, ${sum(stats, "invalidFrames")} invalid frames, ` +
    `${sum(stats, "openAtStop")} connections open`;
}

async function watchReplay(options: WatchOptions, path: string): Promise<number> {
  let opened;
  try {
    opened = await CaptureReader.open(path, { reuse: REPLAY_BLOCK_BUFFERS });
  } catch (error) {
    if (error instanceof CaptureError) throw new CliError(error.message);
    throw error;
  }
  const { reader, header } = opened;
  let failed = false;
  const stop = stopWhen(options.durationSec);
  const out = new OutputWriter(Deno.stdout, stop.stop);
  const stat = statPrinter(options, out);
  const printer = new RecordPrinter(out, options.output === "table" && !stat);
  let stopped = false;
  stop.stopped.then(() => stopped = true);
  const pool = WorkerPool.replay(options.workers, workerSettings(options, header.realtimeOffsetNs), {
    onRecords: (bytes, count) => printer.print(bytes, count),
    onError(ring, message) {
      log(`worker ${ring} failed: ${message}`);
      failed = true;
      stop.stop();
    },
  });
  const result = await replayBlocks(reader, pool, (outputs) => {
    for (const o of outputs) printer.print(o.bytes, o.count, o.written);
  }, () => stopped);
  reader.close();
  stop.dispose();
  const { stats, snapshots } = await pool.stop();
  if (stat) {
    // Rates come from the records' own timestamps: the capture's time, not ours.
    stat.merge(snapshots);
    stat.print(null);
  }
  await out.flush();
  log(summary(stat ? stat.records : printer.records, stats, ""));
  if (result.error) {
    log(result.error.message);
    return 1;
  }
  return failed ? 1 : 0;
}
