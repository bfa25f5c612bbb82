/**
 * Command-line parsing: `l7trace watch|stat [PROTOCOL] [options]`, and
 * `l7trace PROTOCOL [options]` as a shorthand for `watch PROTOCOL`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { usageError } from "./errors.ts";
import { type KernelFilters, parseKernelFilters } from "./kernel_filters.ts";
import { parseProtocolPorts } from "./protocol_ports.ts";
import { filterHelp, PROTOCOL_ALIASES, protocolFilterFlags, protocolNames } from "../protocols/registry.ts";
import { buildRecordFilter, type RecordFilterSpec } from "../record_filter.ts";
import { checkSort, parseGroupBy } from "../stat/mod.ts";

/** Options of `stat`. */
export interface StatOptions {
  groupBy: string;
  /** Seconds between live tables; null prints one table at the end. */
  intervalSec: number | null;
  sort: string;
  top: number | null;
}

/** Options shared by `watch` and `stat`. */
export interface WatchOptions {
  output: "json" | "table";
  durationSec: number | null;
  workers: number;
  maxBodyBytes: number;
  maxCaptureBytes: number;
  ringBytes: number;
  /** Write the raw kernel events to this capture file. */
  savePath: string | null;
  /** Replay this capture file instead of tracing (no root needed). */
  fromPath: string | null;
  /** Attach the TLS uprobes, OpenSSL, GnuTLS and Go (false with --no-tls). */
  tls: boolean;
  /** Only this protocol (a registry name), or null for all. */
  protocol: string | null;
  filters: KernelFilters;
  /** --protocol-port: [server port, kernel protocol id] pairs, taken without inference. */
  protocolPorts: [number, number][];
  /** Filters on finished records (latency, sizes, protocol flags). */
  recordFilter: RecordFilterSpec;
  /** Set for `stat`: aggregate instead of printing records. */
  stat: StatOptions | null;
  /** Drain the kernel's events and discard them (a baseline for benchmarks). */
  captureOnly: boolean;
  /** Seconds between stats lines on stderr in JSON mode; null for none. */
  statsIntervalSec: number | null;
  /** Replace credentials (Authorization, Cookie, AUTH arguments) with ***. */
  redact: boolean;
}

/** A parsed command line. */
export type Command =
  | { command: "watch"; options: WatchOptions }
  | { command: "help" }
  | { command: "version" };

function protocolHelp(): string {
  return protocolNames().map((name) =>
    filterHelp(name).map(([flag, help]) => `  ${name.padEnd(9)} --${flag.padEnd(14)} ${help}`).join("\n")
  ).join("\n");
}

/** Text of `l7trace --help`. */
export function helpText(): string {
  return `l7trace: every application-layer request and response on this host, with latency

Usage: l7trace watch [PROTOCOL] [options]    print each request/response pair as it completes
       l7trace stat [PROTOCOL] [options]     per-endpoint counts, errors and latency percentiles
       l7trace PROTOCOL [options]            same as 'watch PROTOCOL'
PROTOCOL: ${[...protocolNames(), ...Object.keys(PROTOCOL_ALIASES)].join(", ")} (grpc: the http2 calls that are gRPC)

Output:
  --json                 NDJSON (watch) or JSON documents (stat) (same as --output json)
  -o, --output FORMAT    json or table (default: table)
  --duration SECONDS     stop after this many seconds
  --stats-interval S     with --json, a 'stats {...}' line on stderr every S seconds
                         (records, events lost per ring, kernel connections; 0: none; default 10)
  --max-body-bytes N     keep at most N bytes of each body or value (default: 1024)
  --redact               show Authorization, Proxy-Authorization, Cookie, Set-Cookie,
                         Redis AUTH passwords and MQTT user names as ***

stat:
  --group-by KEYS        one or two of remote-ip, remote-port, local-port, protocol, pid,
                         comm, conn, http-path, http-host, http-status, redis-command,
                         memcached-command, sql, dns-host, mqtt-topic, nats-subject, amqp-method,
                         amqp-routing-key, none, joined by a comma (default: protocol)
  --interval SECONDS     redraw every interval (default: 1; with --duration: one table at the end)
  --sort COLUMN          count, errors, no_resp, rate, min, avg, p50, p90, p99, max,
                         req_bytes, resp_bytes or a group-by column (default: count)
  --top N                only the first N rows

Filters on records (any protocol):
  --latency MS           only exchanges at least this slow
  --req-size BYTES       only requests at least this large
  --resp-size BYTES      only responses at least this large

Filters of one protocol (name the protocol first):
${protocolHelp()}

Filters applied in the kernel (lists are comma-separated, flags repeatable):
  --pids LIST            only these process ids
  --comm LIST            only processes with these names (as in ps -o comm)
  --local-ports LIST     only connections with these local ports
  --remote-ports LIST    only connections with these remote ports
  --remote-ips LIST      only connections to these IPv4/IPv6 addresses
  --side SIDE            client, server or all (default: all)

Capture:
  --workers N            worker threads, one ring buffer each (default: 1 per 4 CPUs)
  --max-capture-bytes N  copy at most N bytes of one syscall; the rest is skipped by length (default: 256K)
  --ring-size BYTES      ring buffer per worker, a power of two (default: 32M; 256M in all past 8 workers)
  --protocol-port P=PORTS
                         connections to these server ports speak protocol P, no inference asked
                         (e.g. mqtt=1883,8883; repeatable): for connections opened before
                         l7trace whose protocol is only recognised at its start, custom ports
  --no-tls               do not read TLS plaintext (OpenSSL, GnuTLS, Go crypto/tls)
  --save FILE            also write the raw kernel events to FILE
  --from FILE            replay FILE instead of tracing (no root needed)
  --capture-only         drain the kernel's events and discard them (a benchmark baseline)

  -h, --help             show this help
  --version              show the version
`;
}

const DEFAULTS = { maxBodyBytes: 1024, maxCaptureBytes: 256 * 1024 };

/** Parses a byte count with an optional K/M/G suffix (powers of 1024). */
export function parseBytes(flag: string, text: string): number {
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(text.trim());
  if (!m) throw usageError(`Invalid value for --${flag}: '${text}' is not a byte count like 4096 or 8M`);
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase()]!;
  return Number(m[1]) * unit;
}

function parseInteger(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw usageError(`Invalid value for --${flag}: '${text}' is not an integer from ${min} to ${max}`);
  }
  return n;
}

function parseSeconds(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    throw usageError(`Invalid value for --${flag}: '${text}' is not a positive number of seconds`);
  }
  return n;
}

const COMMON_OPTIONS = {
  json: { type: "boolean" },
  output: { type: "string", short: "o" },
  duration: { type: "string" },
  workers: { type: "string" },
  "max-body-bytes": { type: "string" },
  "max-capture-bytes": { type: "string" },
  "ring-size": { type: "string" },
  pids: { type: "string", multiple: true },
  comm: { type: "string", multiple: true },
  "local-ports": { type: "string", multiple: true },
  "remote-ports": { type: "string", multiple: true },
  "remote-ips": { type: "string", multiple: true },
  "protocol-port": { type: "string", multiple: true },
  side: { type: "string" },
  save: { type: "string" },
  from: { type: "string" },
  "no-tls": { type: "boolean" },
  "capture-only": { type: "boolean" },
  redact: { type: "boolean" },
  "stats-interval": { type: "string" },
  latency: { type: "string" },
  "req-size": { type: "string" },
  "resp-size": { type: "string" },
  "group-by": { type: "string" },
  interval: { type: "string" },
  sort: { type: "string" },
  top: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

/**
 * One worker per 4 CPUs. A worker turns ~180,000 records/s into NDJSON on
 * one core, more than a small box's workload can produce, and each one
 * costs per-drain wake-ups, its own JIT and garbage collector: on 2 CPUs
 * saturated by nginx and wrk, two workers used 25-40% more CPU per record
 * than one (bench/), CPU the traced workload needs.
 */
export function defaultWorkers(cpus: number): number {
  return Math.min(Math.max(1, Math.ceil(cpus / 4)), 64);
}

const DEFAULT_RING_BYTES = 32 * 1024 * 1024;
const DEFAULT_RINGS_TOTAL_BYTES = 256 * 1024 * 1024;

/**
 * The ring of each of `workers` workers, unless --ring-size says: 32 MiB,
 * 8 MiB for each of the 4 CPUs a worker serves, as Kyanos gives each CPU.
 * On 2 CPUs saturated by nginx serving 16 KiB responses to wrk, a worker
 * sharing a CPU with them drained ~270 MB/s of the ~475 MB/s arriving for
 * up to 140-270 ms at a time: an 8 MiB ring lost 900-8,000 events in 5 s,
 * 32 MiB none. Past 8 workers each gets less, so that they take at most
 * 256 MiB of kernel memory in all.
 */
export function defaultRingBytes(workers: number): number {
  let bytes = DEFAULT_RING_BYTES;
  while (bytes > 4 * 1024 * 1024 && bytes * workers > DEFAULT_RINGS_TOTAL_BYTES) bytes /= 2;
  return bytes;
}

/** Parses `args` (without the program name). Throws CliError on bad input. */
export function parseCommandLine(args: string[], cpus: number): Command {
  const protocolFlags = protocolFilterFlags();
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {
    ...COMMON_OPTIONS,
  };
  for (const flag of protocolFlags.keys()) options[flag] = { type: "string", multiple: true };
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options });
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    throw usageError(message.replace(/\. To specify a positional.*$/, ""));
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const str = (k: string) => values[k] as string | undefined;
  const list = (k: string) => values[k] as string[] | undefined;
  if (values.help) return { command: "help" };
  if (values.version) return { command: "version" };

  let [command, ...rest] = parsed.positionals;
  if (command === undefined) throw usageError("Missing command: try 'l7trace watch'");
  if (command === "help") return { command: "help" };
  if (command === "version") return { command: "version" };
  const known = (name: string) => protocolNames().includes(name) || name in PROTOCOL_ALIASES;
  if (known(command)) rest = [command, ...rest], command = "watch";
  if (command !== "watch" && command !== "stat") throw usageError(`Unknown command '${command}'`);
  let [protocol = null, ...extra] = rest;
  // An alias is a protocol with some of its filters set (grpc: http2 calls that are gRPC).
  const alias = protocol === null ? undefined : PROTOCOL_ALIASES[protocol];
  if (alias) protocol = alias.protocol;
  if (protocol !== null && !protocolNames().includes(protocol)) {
    throw usageError(`Unknown protocol '${protocol}' (use one of ${protocolNames().join(", ")})`);
  }
  if (extra.length > 0) throw usageError(`Unexpected argument '${extra[0]}'`);

  // Protocol filter flags need their protocol named.
  const protocolValues: Record<string, string[]> = { ...alias?.values };
  for (const [flag, owners] of protocolFlags) {
    const v = list(flag);
    if (v === undefined) continue;
    if (protocol === null || !owners.includes(protocol)) {
      throw usageError(
        `--${flag} is a filter of ${owners.join(", ")}: name the protocol, e.g. 'l7trace ${command} ${
          owners[0]
        } --${flag} ...'`,
      );
    }
    protocolValues[flag] = v;
  }
  const recordFilter: RecordFilterSpec = {
    protocol: Object.keys(protocolValues).length > 0 ? protocol : null,
    values: protocolValues,
    minLatencyMs: str("latency") === undefined ? null : nonNegative("latency", str("latency")!),
    minReqBytes: str("req-size") === undefined ? null : parseBytes("req-size", str("req-size")!),
    minRespBytes: str("resp-size") === undefined ? null : parseBytes("resp-size", str("resp-size")!),
  };
  try {
    buildRecordFilter(recordFilter);
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }

  let output: "json" | "table" = values.json ? "json" : "table";
  const out = str("output");
  if (out !== undefined) {
    if (out !== "json" && out !== "table") throw usageError(`Invalid value for --output: '${out}' (use json or table)`);
    if (values.json && out === "table") throw usageError("--json and --output table contradict each other");
    output = out;
  }
  const durationSec = str("duration") === undefined ? null : parseSeconds("duration", str("duration")!);
  const workers = str("workers") === undefined ? defaultWorkers(cpus) : parseInteger("workers", str("workers")!, 1, 64);
  const ringBytes = str("ring-size") === undefined
    ? defaultRingBytes(workers)
    : parseBytes("ring-size", str("ring-size")!);
  if (ringBytes < 4096 || ringBytes > 1024 ** 3 || (ringBytes & (ringBytes - 1)) !== 0) {
    throw usageError(`Invalid value for --ring-size: ${ringBytes} is not a power of two from 4K to 1G`);
  }
  if (str("save") !== undefined && str("from") !== undefined) {
    throw usageError("--save and --from cannot be used together");
  }
  const statOnly = ["group-by", "interval", "sort", "top"].find((k) => values[k] !== undefined);
  if (command === "watch" && statOnly) throw usageError(`--${statOnly} is an option of 'l7trace stat'`);
  return {
    command: "watch",
    options: {
      output,
      durationSec,
      workers,
      maxBodyBytes: str("max-body-bytes") === undefined
        ? DEFAULTS.maxBodyBytes
        : parseInteger("max-body-bytes", str("max-body-bytes")!, 0, 1 << 30),
      maxCaptureBytes: str("max-capture-bytes") === undefined
        ? DEFAULTS.maxCaptureBytes
        : parseBytes("max-capture-bytes", str("max-capture-bytes")!),
      ringBytes,
      savePath: str("save") ?? null,
      fromPath: str("from") ?? null,
      tls: !values["no-tls"],
      protocol,
      filters: parseKernelFilters({
        pids: list("pids"),
        comm: list("comm"),
        "local-ports": list("local-ports"),
        "remote-ports": list("remote-ports"),
        "remote-ips": list("remote-ips"),
        side: str("side"),
      }),
      protocolPorts: parseProtocolPorts(list("protocol-port")),
      recordFilter,
      stat: command === "stat" ? parseStatOptions(str, durationSec) : null,
      captureOnly: values["capture-only"] === true,
      redact: values.redact === true,
      statsIntervalSec: str("stats-interval") === undefined
        ? 10
        : str("stats-interval") === "0"
        ? null
        : parseSeconds("stats-interval", str("stats-interval")!),
    },
  };
}

function nonNegative(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || text.trim() === "") {
    throw usageError(`Invalid value for --${flag}: '${text}' is not a number of milliseconds`);
  }
  return n;
}

function parseStatOptions(str: (k: string) => string | undefined, durationSec: number | null): StatOptions {
  const groupBy = str("group-by") ?? "protocol";
  let columns: string[];
  try {
    columns = parseGroupBy(groupBy).columns;
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  const sort = str("sort") ?? "count";
  try {
    checkSort(sort, columns);
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  const interval = str("interval");
  return {
    groupBy,
    intervalSec: interval !== undefined ? parseSeconds("interval", interval) : durationSec !== null ? null : 1,
    sort,
    top: str("top") === undefined ? null : parseInteger("top", str("top")!, 1, 1_000_000),
  };
}
