import assert from "node:assert/strict";
import { parseBytes, parseCommandLine } from "./args.ts";
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

Deno.test("parseCommandLine gives watch its defaults", () => {
  assert.deepEqual(parseCommandLine(["watch"], 2), {
    command: "watch",
    options: {
      output: "table",
      durationSec: null,
      workers: 2,
      maxBodyBytes: 1024,
      maxCaptureBytes: 256 * 1024,
      ringBytes: 8 * 1024 * 1024,
    },
  });
});

Deno.test("parseCommandLine reads every watch flag", () => {
  const cmd = parseCommandLine(
    [
      "watch",
      "--json",
      "--duration",
      "2.5",
      "--workers",
      "3",
      "--max-body-bytes",
      "10",
      "--max-capture-bytes",
      "64K",
      "--ring-size",
      "1M",
    ],
    8,
  );
  assert.deepEqual(cmd, {
    command: "watch",
    options: {
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
  assert.match(usage(["watch", "extra"]), /^Unexpected argument 'extra'/);
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
