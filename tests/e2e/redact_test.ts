/**
 * --redact end to end (root): credentials never reach the output.
 */
import assert from "node:assert/strict";
import { freePort, startTestHttpServer, startTracer, waitForPort } from "./harness.ts";
import { req, resp } from "./http_records.ts";

async function curlWithSecrets(port: number): Promise<number> {
  const child = new Deno.Command("curl", {
    args: [
      "-s",
      "-o",
      "/dev/null",
      "-H",
      "Authorization: Bearer t0p-secret",
      "-b",
      "session=abc123",
      `http://127.0.0.1:${port}/hello`,
    ],
  }).spawn();
  assert.equal((await child.status).code, 0);
  return child.pid;
}

Deno.test("--redact hides Authorization and Cookie values; without it they show", async () => {
  const py = await startTestHttpServer();
  for (const redacting of [true, false]) {
    const tracer = await startTracer(redacting ? ["--redact"] : []);
    const pid = await curlWithSecrets(py.port);
    const { records } = await tracer.stop();
    const mine = records.filter((r) => r.pid === pid);
    assert.equal(mine.length, 1);
    const h = req(mine[0]!).headers;
    assert.equal(h.authorization, redacting ? "***" : "Bearer t0p-secret");
    assert.equal(h.cookie, redacting ? "***" : "session=abc123");
    assert.equal(resp(mine[0]!).body, "hello");
  }
  await py.stop();
});

Deno.test("--redact hides the Redis AUTH password", async () => {
  const port = freePort();
  const dir = await Deno.makeTempDir();
  const redis = new Deno.Command("redis-server", {
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--requirepass",
      "hunter2",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitForPort(port);
    const tracer = await startTracer(["--redact"]);
    const cli = new Deno.Command("redis-cli", {
      args: ["-p", String(port), "-a", "hunter2", "--no-auth-warning", "PING"],
      stdout: "piped",
    }).spawn();
    const out = new TextDecoder().decode((await cli.output()).stdout);
    const { records } = await tracer.stop();
    assert.match(out, /PONG/);
    const mine = records.filter((r) => r.pid === cli.pid);
    assert.deepEqual(mine.map((r) => r.req), [{ command: "AUTH", args: ["***"] }, { command: "PING", args: [] }]);
    assert.ok(!JSON.stringify(records).includes("hunter2"), "the password appears nowhere");
  } finally {
    redis.kill("SIGTERM");
    await redis.status;
    await Deno.remove(dir, { recursive: true });
  }
});
