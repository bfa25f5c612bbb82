import assert from "node:assert/strict";
import { redact } from "./mod.ts";

Deno.test("redis redact hides AUTH, HELLO AUTH and MIGRATE AUTH passwords", () => {
  const cases: [string, string[], string[]][] = [
    ["AUTH", ["s3cret"], ["***"]],
    ["AUTH", ["user", "s3cret"], ["***", "***"]],
    ["HELLO", ["3", "AUTH", "user", "s3cret", "SETNAME", "x"], ["3", "AUTH", "***", "***", "SETNAME", "x"]],
    ["MIGRATE", ["h", "6379", "k", "0", "5000", "AUTH", "pw"], ["h", "6379", "k", "0", "5000", "AUTH", "***"]],
    ["MIGRATE", ["h", "6379", "k", "0", "5000", "AUTH2", "u", "pw"], [
      "h",
      "6379",
      "k",
      "0",
      "5000",
      "AUTH2",
      "***",
      "***",
    ]],
    ["GET", ["AUTH"], ["AUTH"]],
  ];
  for (const [command, args, expected] of cases) {
    const req = { command, args: [...args] };
    redact(req, null);
    assert.deepEqual(req.args, expected, `${command} ${args.join(" ")}`);
  }
});
