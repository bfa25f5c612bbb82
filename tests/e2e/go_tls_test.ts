/**
 * Go's crypto/tls end to end (root): a Go HTTPS server and client built
 * here (tests/e2e/clients/go_tls), probed in the executable itself, with
 * HTTP/1.1 and HTTP/2, curl (OpenSSL) beside them, a client started after
 * l7trace, a position-independent build, and a stripped one that cannot
 * be probed.
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import { inspectGo } from "../../lib/tls/go_binary.ts";
import { freePort, makeCertificate, recordsOf, startTracer, waitForPort } from "./harness.ts";

const SOURCE = new URL("./clients/go_tls/", import.meta.url).pathname;
const cert = await makeCertificate();
const bin = await Deno.makeTempDir({ prefix: "l7trace-go-" });

/** Builds the test program with `flags`; returns its path. */
async function build(name: string, flags: string[] = []): Promise<string> {
  const out = `${bin}/${name}`;
  const r = await new Deno.Command("go", {
    args: ["build", ...flags, "-o", out, "."],
    cwd: SOURCE,
    env: { CGO_ENABLED: "0", GOFLAGS: "-mod=mod", GOPROXY: "off", HOME: Deno.env.get("HOME") ?? "/root" },
    stderr: "piped",
  }).output();
  assert.ok(r.success, `go build ${flags.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
  return out;
}

const plain = await build("go_tls");

async function startGoServer(
  program: string,
  h2: boolean,
): Promise<{ pid: number; port: number; stop(): Promise<void> }> {
  const port = freePort();
  const child = new Deno.Command(program, {
    args: ["server", `127.0.0.1:${port}`, cert.cert, cert.key, h2 ? "h2" : "h1"],
    stderr: "null",
  }).spawn();
  await waitForPort(port);
  return {
    pid: child.pid,
    port,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/**
 * Runs the Go client. A program l7trace has not probed yet is probed when
 * its exec is seen, some ms after it started: `waitMs` lets it wait first.
 */
async function goClient(
  program: string,
  url: string,
  n: number,
  h2: boolean,
  waitMs = 0,
): Promise<{ pid: number; lines: string[] }> {
  const args = ["client", url, String(n), h2 ? "h2" : "h1", String(waitMs)];
  const child = new Deno.Command(program, { args, stdout: "piped" }).spawn();
  const out = await child.output();
  assert.ok(out.success, `go client ${url}`);
  return { pid: child.pid, lines: new TextDecoder().decode(out.stdout).trim().split("\n") };
}

async function curl(args: string[]): Promise<number> {
  const child = new Deno.Command("curl", { args: ["-sk", "-o", "/dev/null", ...args] }).spawn();
  assert.equal((await child.status).code, 0, `curl ${args.join(" ")}`);
  return child.pid;
}

type Http = { method: string; path: string; version?: string };
type HttpResp = { status: number; body: string };
const view = (r: L7Record) => [
  r.protocol,
  (r.req as Http).method,
  (r.req as Http).path,
  (r.resp as HttpResp).status,
  (r.resp as HttpResp).body,
  r.tls,
];
const byTime = (rs: L7Record[]) => [...rs].sort((a, b) => a.ts.localeCompare(b.ts));

Deno.test("inspectGo finds crypto/tls's Write, Read and every RET of Read, and the *net.TCPConn itab", () => {
  const found = inspectGo(plain);
  assert.equal(found.kind, "go");
  if (found.kind !== "go") return;
  assert.match(found.tls.version, /^go1\.\d+/);
  assert.ok(found.tls.readReturns.length >= 2, JSON.stringify(found.tls));
  // Every RET is inside Read, and a RET byte (C3) is what sits there.
  const file = Deno.readFileSync(plain);
  for (const r of found.tls.readReturns) {
    assert.ok(
      r.offset > found.tls.read.offset && r.address - found.tls.read.address === r.offset - found.tls.read.offset,
    );
    assert.equal(file[r.offset], 0xc3);
  }
  assert.ok(found.tls.tcpConnItab > 0);
  assert.deepEqual(inspectGo("/usr/bin/curl"), { kind: "not-go" });
});

Deno.test("Go HTTPS server (HTTP/1.1) and a Go client started after l7trace: both sides in plaintext, curl beside them", async () => {
  const server = await startGoServer(plain, false);
  const tracer = await startTracer(["http"]);
  const base = `https://127.0.0.1:${server.port}`;
  const curlPid = await curl([`${base}/hello?i=curl`]);
  const client = await goClient(plain, `${base}/hello`, 3, false);
  const { records, stderr } = await tracer.stop();
  await server.stop();
  assert.deepEqual(client.lines, ["200 hello 0", "200 hello 1", "200 hello 2"]);
  const expected = [0, 1, 2].map((i) => ["http", "GET", `/hello?i=${i}`, 200, `hello ${i}\n`, true]);
  assert.deepEqual(byTime(recordsOf(records, client.pid, "client")).map(view), expected, stderr);
  assert.deepEqual(byTime(recordsOf(records, curlPid, "client")).map(view), [
    ["http", "GET", "/hello?i=curl", 200, "hello curl\n", true],
  ]);
  assert.deepEqual(byTime(recordsOf(records, server.pid, "server")).map(view), [
    ["http", "GET", "/hello?i=curl", 200, "hello curl\n", true],
    ...expected,
  ]);
  // The Go client's records carry its connection as the server saw it.
  const c = recordsOf(records, client.pid, "client")[0]!;
  const s = recordsOf(records, server.pid, "server").find((r) => r.remote_port === c.local_port)!;
  assert.deepEqual([c.remote_port, s.local_port, s.remote_ip], [server.port, server.port, "127.0.0.1"]);
});

Deno.test("Go HTTP/2 over TLS: a Go server, a Go client and curl --http2, every stream on both sides", async () => {
  const server = await startGoServer(plain, true);
  const tracer = await startTracer(["http2"]);
  const base = `https://127.0.0.1:${server.port}`;
  const client = await goClient(plain, `${base}/hello`, 3, true);
  const curlPid = await curl(["--http2", "-d", "posted body", `${base}/echo`]);
  const { records, stderr } = await tracer.stop();
  await server.stop();
  const expected = [0, 1, 2].map((i) => ["http2", "GET", `/hello?i=${i}`, 200, `hello ${i}\n`, true]);
  assert.deepEqual(byTime(recordsOf(records, client.pid, "client")).map(view), expected, stderr);
  const posted = ["http2", "POST", "/echo", 200, "posted body", true];
  assert.deepEqual(byTime(recordsOf(records, curlPid, "client")).map(view), [posted]);
  assert.deepEqual(byTime(recordsOf(records, server.pid, "server")).map(view), [...expected, posted]);
});

Deno.test("a position-independent Go executable is probed at its load address", async () => {
  const pie = await build("go_tls_pie", ["-buildmode=pie"]);
  const header = Deno.readFileSync(pie).subarray(16, 18);
  assert.equal(header[0], 3, "ET_DYN");
  const server = await startGoServer(plain, false);
  const tracer = await startTracer(["http"]);
  const client = await goClient(pie, `https://127.0.0.1:${server.port}/hello`, 2, false, 500);
  const { records, stderr } = await tracer.stop();
  await server.stop();
  assert.deepEqual(byTime(recordsOf(records, client.pid, "client")).map(view), [
    ["http", "GET", "/hello?i=0", 200, "hello 0\n", true],
    ["http", "GET", "/hello?i=1", 200, "hello 1\n", true],
  ], stderr);
});

Deno.test("a Go executable stripped of its symbol table is named once as not traced; its ciphertext is not parsed", async () => {
  const stripped = await build("go_tls_stripped", ["-ldflags=-s -w"]);
  const server = await startGoServer(stripped, false);
  const tracer = await startTracer(["http"]);
  const client = await goClient(plain, `https://127.0.0.1:${server.port}/hello`, 2, false, 500);
  const { records, stderr } = await tracer.stop();
  await server.stop();
  assert.equal(stderr.split(`Go TLS of /proc/${server.pid}/exe is not traced: no symbol table`).length, 2, stderr);
  assert.deepEqual(recordsOf(records, server.pid, "server"), []);
  // The client, a probed build, still sees its own exchanges.
  assert.equal(recordsOf(records, client.pid, "client").length, 2, stderr);
});
