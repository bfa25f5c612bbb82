/**
 * Command-line parsing: `l7trace <command> [options]`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { usageError } from "./errors.ts";
import { type KernelFilters, parseKernelFilters } from "./kernel_filters.ts";
import { protocolNames } from "../protocols/registry.ts";

/** Options of `l7trace watch`. */
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
  /** Attach the OpenSSL uprobes (false with --no-tls). */
  tls: boolean;
  /** Only this protocol (a registry name), or null for all. */
  protocol: string | null;
  filters: KernelFilters;
}

/** A parsed command line. */
export type Command =
  | { command: "watch"; options: WatchOptions }
  | { command: "help" }
  | { command: "version" };

/** Text of `l7trace --help`. */
export const HELP = `l7trace: every application-layer request and response on this host, with latency

Usage: l7trace watch [PROTOCOL] [options]

Commands:
  watch [PROTOCOL]   print each request/response pair as it completes;
                     PROTOCOL limits it to one of: ${protocolNames().join(", ")}

Options (watch):
  --json                 NDJSON output, one record per line (same as --output json)
  -o, --output FORMAT    json or table (default: table)
  --duration SECONDS     stop after this many seconds
  --workers N            worker threads, one ring buffer each (default: CPUs)
  --max-body-bytes N     keep at most N bytes of each body (default: 1024)
  --max-capture-bytes N  copy at most N bytes of one syscall; the rest is
                         skipped by length (default: 256K)
  --ring-size BYTES      ring buffer per worker, a power of two (default: 8M)
  --no-tls               do not read TLS plaintext at the OpenSSL library

Captures:
  --save FILE            also write the raw kernel events to FILE
  --from FILE            replay FILE instead of tracing (no root needed)

Filters, applied in the kernel (lists are comma-separated, flags repeatable):
  --pids LIST            only these process ids
  --comm LIST            only processes with these names (as in ps -o comm)
  --local-ports LIST     only connections with these local ports
  --remote-ports LIST    only connections with these remote ports
  --remote-ips LIST      only connections to these IPv4/IPv6 addresses
  --side SIDE            client, server or all (default: all)
  -h, --help             show this help
  --version              show the version
`;

const DEFAULTS = {
  maxBodyBytes: 1024,
  maxCaptureBytes: 256 * 1024,
  ringBytes: 8 * 1024 * 1024,
};

/** Parses a byte count with an optional K/M/G suffix (powers of 1024). */
export function parseBytes(flag: string, text: string): number {
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(text.trim());
  if (!m) {
    throw usageError(
      `Invalid value for --${flag}: '${text}' is not a byte count like 4096 or 8M`,
    );
  }
  const unit = {
    "": 1,
    K: 1024,
    M: 1024 ** 2,
    G: 1024 ** 3,
  }[m[2]!.toUpperCase()]!;
  return Number(m[1]) * unit;
}

function parseInteger(
  flag: string,
  text: string,
  min: number,
  max: number,
): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw usageError(
      `Invalid value for --${flag}: '${text}' is not an integer from ${min} to ${max}`,
    );
  }
  return n;
}

/** Parses `args` (without the program name). Throws CliError on bad input. */
export function parseCommandLine(args: string[], cpus: number): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
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
        side: { type: "string" },
        save: { type: "string" },
        "no-tls": { type: "boolean" },
        from: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
      },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    throw usageError(message.replace(/\. To specify a positional.*$/, ""));
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: "help" };
  if (values.version) return { command: "version" };
  const [command, ...rest] = positionals;
  if (command === undefined) {
    throw usageError("Missing command: try 'l7trace watch'");
  }
  if (command === "help") return { command: "help" };
  if (command === "version") return { command: "version" };
  if (command !== "watch") throw usageError(`Unknown command '${command}'`);
  const [protocol = null, ...extra] = rest;
  if (protocol !== null && !protocolNames().includes(protocol)) {
    throw usageError(
      `Unknown protocol '${protocol}' (use one of ${protocolNames().join(", ")})`,
    );
  }
  if (extra.length > 0) throw usageError(`Unexpected argument '${extra[0]}'`);

  let output: "json" | "table" = values.json ? "json" : "table";
  if (values.output !== undefined) {
    if (values.output !== "json" && values.output !== "table") {
      throw usageError(
        `Invalid value for --output: '${values.output}' (use json or table)`,
      );
    }
    if (values.json && values.output === "table") {
      throw usageError("--json and --output table contradict each other");
    }
    output = values.output;
  }
  let durationSec: number | null = null;
  if (values.duration !== undefined) {
    durationSec = Number(values.duration);
    if (!Number.isFinite(durationSec) || durationSec <= 0) {
      throw usageError(
        `Invalid value for --duration: '${values.duration}' is not a positive number of seconds`,
      );
    }
  }
  const ringBytes = values["ring-size"] === undefined
    ? DEFAULTS.ringBytes
    : parseBytes("ring-size", values["ring-size"]);
  if (
    ringBytes < 4096 || ringBytes > 1024 ** 3 ||
    (ringBytes & (ringBytes - 1)) !== 0
  ) {
    throw usageError(
      `Invalid value for --ring-size: ${ringBytes} is not a power of two from 4K to 1G`,
    );
  }
  if (values.save !== undefined && values.from !== undefined) {
    throw usageError("--save and --from cannot be used together");
  }
  const maxCaptureBytes = values["max-capture-bytes"] === undefined
    ? DEFAULTS.maxCaptureBytes
    : parseBytes("max-capture-bytes", values["max-capture-bytes"]);
  return {
    command: "watch",
    options: {
      output,
      durationSec,
      workers: values.workers === undefined
        ? Math.min(Math.max(1, cpus), 64)
        : parseInteger("workers", values.workers, 1, 64),
      maxBodyBytes: values["max-body-bytes"] === undefined
        ? DEFAULTS.maxBodyBytes
        : parseInteger("max-body-bytes", values["max-body-bytes"], 0, 1 << 30),
      maxCaptureBytes,
      ringBytes,
      savePath: values.save ?? null,
      tls: !values["no-tls"],
      fromPath: values.from ?? null,
      protocol,
      filters: parseKernelFilters(values),
    },
  };
}
