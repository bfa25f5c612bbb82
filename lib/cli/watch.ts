/**
 * `l7trace watch`: load the tracer, run one worker per ring buffer, print
 * records until a signal, the duration or a closed stdout stops it.
 *
 * @module
 */
import {
  defaultShimPath,
  lastError,
  loadShim,
  readCounters,
  type Shim,
} from "../../ffi/shim.ts";
import type { TrackerStats } from "../conn/tracker.ts";
import { WorkerPool } from "../../workers/pool.ts";
import { OutputWriter } from "../render/output.ts";
import { tableHeader, tableRow } from "../render/table.ts";
import type { L7Record } from "../record.ts";
import type { WatchOptions } from "./args.ts";
import { CliError } from "./errors.ts";
import { preflight } from "./preflight.ts";
import {
  filterFlags,
  installKernelFilters,
  sideMask,
} from "./kernel_filters.ts";
import { protocolMask } from "../protocols/registry.ts";

const BATCH_BYTES = 4 * 1024 * 1024;
const STOP_SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

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
  );
  if (rc === 0) rc = installKernelFilters(shim, f);
  if (rc === 0) rc = shim.l7_attach();
  if (rc !== 0) {
    const why = lastError(shim);
    shim.l7_close();
    throw new CliError(why || `Cannot start the tracer: errno ${-rc}`);
  }
  return { shim, path };
}

function sum(stats: TrackerStats[], key: keyof TrackerStats): number {
  return stats.reduce((n, s) => n + s[key], 0);
}

/** Runs `watch` until stopped; resolves with the exit code. */
export async function watch(options: WatchOptions): Promise<number> {
  preflight();
  const { shim, path } = openTracer(options);
  let failed = false;
  let records = 0;
  const stopped = Promise.withResolvers<void>();
  const out = new OutputWriter(Deno.stdout, () => stopped.resolve());
  const table = options.output === "table";
  if (table) out.write(tableHeader());

  let pool: WorkerPool;
  try {
    pool = new WorkerPool(options.workers, {
      shimPath: path,
      maxBodyBytes: options.maxBodyBytes,
      realtimeOffsetNs: Number(shim.l7_realtime_offset_ns()),
      batchBytes: BATCH_BYTES,
    }, {
      onRecords(text, count) {
        records += count;
        if (!table) return out.write(text);
        let rows = "";
        for (const line of text.split("\n")) {
          if (line) rows += tableRow(JSON.parse(line) as L7Record);
        }
        out.write(rows);
      },
      onError(ring, message) {
        log(`worker ${ring} failed, its connections are lost: ${message}`);
        failed = true;
        stopped.resolve();
      },
    });
  } catch (error) {
    shim.l7_close();
    throw error;
  }

  const onSignal = () => stopped.resolve();
  for (const sig of STOP_SIGNALS) Deno.addSignalListener(sig, onSignal);
  const timer = options.durationSec === null
    ? undefined
    : setTimeout(onSignal, options.durationSec * 1000);
  log(
    `ready: ${shim.l7_attached_count()} probes attached, ${options.workers} workers`,
  );

  await stopped.promise;
  clearTimeout(timer);
  for (const sig of STOP_SIGNALS) Deno.removeSignalListener(sig, onSignal);
  const stats = await pool.stop();
  const lost = readCounters(shim).lostPerRing.reduce((a, b) => a + b, 0);
  shim.l7_close();
  await out.flush();
  log(
    `${records} records, ${sum(stats, "events")} events, ${
      sum(stats, "bytes")
    } bytes, ` +
      `${lost} events lost in the kernel, ${sum(stats, "desyncs")} resyncs, ${
        sum(stats, "invalidFrames")
      } invalid frames`,
  );
  return failed ? 1 : 0;
}
