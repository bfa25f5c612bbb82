import assert from "node:assert/strict";
import { defaultRingBytes, defaultWorkers, parseBytes, parseCommandLine, type WatchOptions } from "./args.ts";
import { CliError } from "./errors.ts";

function usage(args: string[]): string {
  try {
    parseCommandLine(args, 2);
  } catch (error) {
    assert.ok(error instanceof CliError);
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  throw new Error(`${args.join(" ")} was accepted`);
}

/** What `l7trace watch` alone means, on a 2-CPU machine. */
const DEFAULT_OPTIONS: WatchOptions = {
  output: "table",
  durationSec: null,
  workers: 1,
  maxBodyBytes: 1024,
  maxCaptureBytes: 256 * 1024,
  ringBytes: 32 * 1024 * 1024,
  savePath: null,
  fromPath: null,
  tls: true,
  protocol: null,
  filters: { pids: [], comms: [], localPorts: [], remotePorts: [], remoteAddrs: [], side: "all" },
  protocolPorts: [],
  recordFilter: { protocol: null, values: {}, minLatencyMs: null, minReqBytes: null, minRespBytes: null },
  stat: null,
  captureOnly: false,
  statsIntervalSec: 10,
  redact: false,
};

Deno.test("parseCommandLine gives watch its defaults", () => {
  assert.deepEqual(parseCommandLine(["watch"], 2), { command: "watch", options: DEFAULT_OPTIONS });
});

Deno.test("parseCommandLine reads every watch flag", () => {
  const cmd = parseCommandLine(
    ["watch", "--json", "--duration", "2.5", "--workers", "3", "--max-body-bytes", "10"]
      .concat(["--max-capture-bytes", "64K", "--ring-size", "1M"]),
    8,
  );
  assert.deepEqual(cmd, {
    command: "watch",
    options: {
      ...DEFAULT_OPTIONS,
      output: "json",
      durationSec: 2.5,
      workers: 3,
      maxBodyBytes: 10,
      maxCaptureBytes: 65536,
      ringBytes: 1048576,
    },
  });
  assert.equal(
    (parseCommandLine(["watch", "-o", "json"], 1) as {
      options: { output: string };
    }).options.output,
    "json",
  );
});

Deno.test("parseCommandLine answers help and version", () => {
  assert.deepEqual(parseCommandLine(["--help"], 1), { command: "help" });
  assert.deepEqual(parseCommandLine(["watch", "-h"], 1), { command: "help" });
  assert.deepEqual(parseCommandLine(["--version"], 1), { command: "version" });
});

Deno.test("parseCommandLine turns bad input into one-line usage errors", () => {
  assert.equal(
    usage(["watch", "--nope"]),
    "Unknown option '--nope' (see 'l7trace --help')",
  );
  assert.match(usage([]), /^Missing command/);
  assert.match(usage(["dance"]), /^Unknown command 'dance'/);
  assert.match(
    usage(["watch", "extra"]),
    /^Unknown protocol 'extra' \(use one of http/,
  );
  assert.match(
    usage(["watch", "http", "extra"]),
    /^Unexpected argument 'extra'/,
  );
  assert.match(
    usage(["watch", "--pids", "12,x"]),
    /--pids: 'x' is not an integer/,
  );
  assert.match(
    usage(["watch", "--local-ports", "70000"]),
    /--local-ports: '70000'/,
  );
  assert.match(
    usage(["watch", "--remote-ips", "10.0.0.300"]),
    /--remote-ips: '10.0.0.300' is not an IPv4 or IPv6/,
  );
  assert.match(usage(["watch", "--side", "both"]), /--side: 'both'/);
  assert.match(
    usage(["watch", "--comm", "a-very-long-process-name"]),
    /--comm: .* 15-byte/,
  );
  assert.match(
    usage(["watch", "--workers", "65"]),
    /--workers: '65' is not an integer from 1 to 64/,
  );
  assert.match(usage(["watch", "--workers", "1.5"]), /--workers/);
  assert.match(usage(["watch", "--duration", "-1"]), /--duration/);
  assert.match(usage(["watch", "--output", "yaml"]), /--output: 'yaml'/);
  assert.match(usage(["watch", "--json", "--output", "table"]), /contradict/);
  assert.match(usage(["watch", "--ring-size", "3000"]), /power of two/);
  assert.match(
    usage(["watch", "--max-capture-bytes", "lots"]),
    /not a byte count/,
  );
  for (
    const msg of [
      usage(["watch", "--nope"]),
      usage(["watch", "--duration", "x"]),
    ]
  ) {
    assert.ok(!msg.includes("\n"));
  }
});

Deno.test("parseBytes accepts suffixes", () => {
  assert.equal(parseBytes("x", "4096"), 4096);
  assert.equal(parseBytes("x", "8k"), 8192);
  assert.equal(parseBytes("x", "2MiB"), 2 * 1024 * 1024);
  assert.equal(parseBytes("x", "1G"), 1024 ** 3);
});

Deno.test("parseCommandLine reads the protocol and kernel filters", () => {
  const cmd = parseCommandLine([
    "watch",
    "http",
    "--pids",
    "1,2",
    "--pids",
    "3",
    "--comm",
    "nginx",
    "--local-ports",
    "80,443",
    "--remote-ports",
    "5432",
    "--remote-ips",
    "127.0.0.1,::1",
    "--side",
    "server",
  ], 1);
  assert.ok(cmd.command === "watch");
  const { protocol, filters } = cmd.options;
  assert.equal(protocol, "http");
  assert.deepEqual(filters.pids, [1, 2, 3]);
  assert.deepEqual(filters.comms, ["nginx"]);
  assert.deepEqual(filters.localPorts, [80, 443]);
  assert.deepEqual(filters.remotePorts, [5432]);
  assert.deepEqual(filters.remoteAddrs.map((a) => [...a]), [
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 127, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
  ]);
  assert.equal(filters.side, "server");
});

Deno.test("parseCommandLine reads stat options and defaults", () => {
  const live = parseCommandLine(
    ["stat", "http", "--group-by", "http-path,http-status", "--sort", "p99", "--top", "5"],
    2,
  );
  assert.ok(live.command === "watch");
  assert.deepEqual(live.options.stat, { groupBy: "http-path,http-status", intervalSec: 1, sort: "p99", top: 5 });
  assert.equal(live.options.protocol, "http");
  const once = parseCommandLine(["stat", "--duration", "3"], 2);
  assert.ok(once.command === "watch");
  assert.deepEqual(once.options.stat, { groupBy: "protocol", intervalSec: null, sort: "count", top: null });
  assert.match(usage(["stat", "--group-by", "colour"]), /--group-by: 'colour'/);
  assert.match(usage(["stat", "--sort", "speed"]), /--sort: 'speed'/);
  assert.match(usage(["watch", "--group-by", "pid"]), /--group-by is an option of 'l7trace stat'/);
});

Deno.test("parseCommandLine reads record and protocol filters", () => {
  const cmd = parseCommandLine(["redis", "--command", "GET,SET", "--latency", "2.5", "--resp-size", "1K"], 2);
  assert.ok(cmd.command === "watch");
  assert.equal(cmd.options.protocol, "redis");
  assert.deepEqual(cmd.options.recordFilter, {
    protocol: "redis",
    values: { command: ["GET,SET"] },
    minLatencyMs: 2.5,
    minReqBytes: null,
    minRespBytes: 1024,
  });
  assert.match(
    usage(["watch", "--command", "GET"]),
    /--command is a filter of redis, mysql, memcached: name the protocol/,
  );
  assert.match(usage(["watch", "http", "--command", "GET"]), /--command is a filter of redis, mysql/);
  assert.match(usage(["watch", "http", "--path-regex", "("]), /Invalid value for --path-regex: '\('/);
  assert.match(usage(["watch", "--latency", "soon"]), /--latency: 'soon'/);
});

Deno.test("parseCommandLine reads grpc as http2 calls that are gRPC", () => {
  for (const args of [["grpc", "--grpc-status", "5"], ["watch", "grpc", "--grpc-status", "5"]]) {
    const cmd = parseCommandLine(args, 2);
    assert.ok(cmd.command === "watch");
    assert.equal(cmd.options.protocol, "http2");
    assert.deepEqual(cmd.options.recordFilter.values, { "grpc-only": ["true"], "grpc-status": ["5"] });
    assert.equal(cmd.options.recordFilter.protocol, "http2");
  }
  const stat = parseCommandLine(["stat", "grpc"], 2);
  assert.ok(stat.command === "watch" && stat.options.stat !== null && stat.options.protocol === "http2");
  assert.match(usage(["watch", "http2", "--grpc-only", "maybe"]), /--grpc-only: 'maybe' \(use true\)/);
});

Deno.test("workers default to one per 4 CPUs, at least 1, at most 64", () => {
  assert.deepEqual([1, 2, 4, 5, 8, 9, 16, 64, 255, 256, 1024].map(defaultWorkers), [
    1,
    1,
    1,
    2,
    2,
    3,
    4,
    16,
    64,
    64,
    64,
  ]);
  const options = (cpus: number) => (parseCommandLine(["watch"], cpus) as { options: WatchOptions }).options;
  assert.equal(options(12).workers, 3);
  assert.equal((parseCommandLine(["watch", "--workers", "5"], 2) as { options: WatchOptions }).options.workers, 5);
});

Deno.test("the default ring is 32 MiB a worker, within 256 MiB in all and no smaller than 4 MiB", () => {
  const M = 1024 * 1024;
  assert.deepEqual([1, 2, 8, 9, 16, 32, 64].map(defaultRingBytes), [
    32 * M,
    32 * M,
    32 * M,
    16 * M,
    16 * M,
    8 * M,
    4 * M,
  ]);
  const ring = (args: string[], cpus: number) =>
    (parseCommandLine(["watch", ...args], cpus) as { options: WatchOptions }).options.ringBytes;
  // 64 CPUs: 16 workers. --workers and --ring-size change it.
  assert.equal(ring([], 64), 16 * M);
  assert.equal(ring(["--workers", "64"], 2), 4 * M);
  assert.equal(ring(["--workers", "64", "--ring-size", "64M"], 2), 64 * M);
});

Deno.test("--protocol-port maps server ports to protocol ids; bad values are one-line usage errors", () => {
  const ports = (...values: string[]) =>
    (parseCommandLine(["watch", ...values.flatMap((v) => ["--protocol-port", v])], 2) as { options: WatchOptions })
      .options.protocolPorts;
  assert.deepEqual(ports("mqtt=1883,8883", "Redis=7000"), [[1883, 8], [8883, 8], [7000, 2]]);
  assert.deepEqual(ports("nats=4222", "nats=4222"), [[4222, 9]]);
  assert.match(usage(["watch", "--protocol-port", "1883"]), /--protocol-port: '1883' \(use PROTOCOL=PORT/);
  assert.match(usage(["watch", "--protocol-port", "kafka=9092"]), /PROTOCOL one of http, redis/);
  assert.match(usage(["watch", "--protocol-port", "mqtt=0"]), /'0' is not a port from 1 to 65535/);
  assert.match(usage(["watch", "--protocol-port", "mqtt=1883x"]), /'1883x' is not a port/);
  assert.match(
    usage(["watch", "--protocol-port", "mqtt=1883", "--protocol-port", "redis=1883"]),
    /port 1883 is given two protocols/,
  );
});
