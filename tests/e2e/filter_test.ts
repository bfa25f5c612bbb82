/**
 * Kernel filters end to end (root): for each flag, traffic that matches is
 * reported and traffic that does not is not.
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import { type Server, startTestHttpServer, startTracer } from "./harness.ts";
import { req } from "./http_records.ts";

async function curl(url: string, extra: string[] = []): Promise<number> {
  const child = new Deno.Command("curl", {
    args: ["-s", "-o", "/dev/null", ...extra, url],
  }).spawn();
  assert.equal((await child.status).code, 0, url);
  return child.pid;
}

/** Two servers (a on 127.0.0.1, b on ::1), one curl to each, traced with `args`. */
async function scenario(args: (a: Server, b: Server) => string[]) {
  const a = await startTestHttpServer("127.0.0.1");
  const b = await startTestHttpServer("::1");
  const tracer = await startTracer(args(a, b));
  const curlA = await curl(`http://127.0.0.1:${a.port}/echo?id=a`);
  const curlB = await curl(`http://[::1]:${b.port}/echo?id=b`);
  const { records } = await tracer.stop();
  await a.stop();
  await b.stop();
  const seen = (r: L7Record) => `${r.side}:${req(r).path.slice(-1)}`;
  const ours = records.filter((r) => [a.pid, b.pid, curlA, curlB].includes(r.pid));
  return { a, b, curlA, curlB, got: ours.map(seen).sort() };
}

Deno.test("without filters both sides of both exchanges are reported", async () => {
  const { got } = await scenario(() => []);
  assert.deepEqual(got, ["client:a", "client:b", "server:a", "server:b"]);
});

Deno.test("--pids keeps only the listed processes", async () => {
  let pidA = 0;
  const { got } = await scenario((a) => {
    pidA = a.pid;
    return ["--pids", String(a.pid)];
  });
  assert.ok(pidA > 0);
  assert.deepEqual(got, ["server:a"]);
});

Deno.test("--comm keeps only processes with that name", async () => {
  const { got } = await scenario(() => ["--comm", "curl"]);
  assert.deepEqual(got, ["client:a", "client:b"]);
});

Deno.test("--local-ports keeps only connections with that local port", async () => {
  const { got } = await scenario((_a, b) => ["--local-ports", String(b.port)]);
  assert.deepEqual(got, ["server:b"]);
});

Deno.test("--remote-ports keeps only connections to that port", async () => {
  const { got } = await scenario((a) => ["--remote-ports", String(a.port)]);
  assert.deepEqual(got, ["client:a"]);
});

Deno.test("--remote-ips keeps only connections to that address", async () => {
  const { got } = await scenario(() => ["--remote-ips", "::1"]);
  assert.deepEqual(got, ["client:b", "server:b"]);
});

Deno.test("--side keeps one role", async () => {
  assert.deepEqual((await scenario(() => ["--side", "server"])).got, [
    "server:a",
    "server:b",
  ]);
  assert.deepEqual((await scenario(() => ["--side", "client"])).got, [
    "client:a",
    "client:b",
  ]);
});

Deno.test("a protocol argument keeps only that protocol", async () => {
  assert.deepEqual((await scenario(() => ["http"])).got, [
    "client:a",
    "client:b",
    "server:a",
    "server:b",
  ]);
});
