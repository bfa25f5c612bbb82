/**
 * Go's crypto/tls end to end (root): a Go HTTPS server and client built
 * here (tests/e2e/clients/go_tls), probed in the executable itself, with
 * HTTP/1.1 and HTTP/2, curl (OpenSSL) beside them, a client started after
 * l7trace, a position-independent build, and stripped builds (found through
 * the runtime's own tables).
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import { inspectGo } from "../../lib/tls/go_binary.ts";
import { ElfFile } from "../../lib/tls/elf.ts";
import { itabAddress, pclntabFunctions } from "../../lib/tls/go_runtime_tables.ts";
import {
  freePort,
  makeCertificate,
  moduleTempDir,
  recordsOf,
  type Server,
  startProcess,
  startTracer,
} from "./harness.ts";

const SOURCE = new URL("./clients/go_tls/", import.meta.url).pathname;
const cert = await makeCertificate();
const bin = moduleTempDir("l7trace-go-");

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

function startGoServer(program: string, h2: boolean): Promise<Server> {
  const port = freePort();
  return startProcess(program, ["server", `127.0.0.1:${port}`, cert.cert, cert.key, h2 ? "h2" : "h1"], port, bin);
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

// With uprobe_multi links (one for all of Read's RETs, each with its cookie), and with a perf-event uprobe each.
for (const [how, env] of [["", {}], [", perf-event uprobes", { L7TRACE_NO_UPROBE_MULTI: "1" }]] as const) {
  Deno.test(`Go HTTPS server (HTTP/1.1) and a Go client started after l7trace${how}: both sides in plaintext, curl beside them`, async () => {
    const server = await startGoServer(plain, false);
    const tracer = await startTracer(["http"], env);
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
}

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

/**
 * Go's HTTP/2 server writes its SETTINGS on one thread while another reads
 * the client preface: both reach the connection's first plaintext at once,
 * the moment its stream positions restart at 0. Many fresh connections
 * give the two threads many chances to race.
 */
Deno.test("Go HTTP/2 server: 40 fresh curl --http2 connections, every stream on the server side", async () => {
  const server = await startGoServer(plain, true);
  const tracer = await startTracer(["http2"]);
  const base = `https://127.0.0.1:${server.port}`;
  const curls = Array.from({ length: 40 }, (_, i) => i);
  for (const i of curls) await curl(["--http2", "-d", `body ${i}`, `${base}/echo?i=${i}`]);
  const { records, stderr } = await tracer.stop();
  await server.stop();
  const served = byTime(recordsOf(records, server.pid, "server")).map(view);
  assert.deepEqual(served, curls.map((i) => ["http2", "POST", `/echo?i=${i}`, 200, `body ${i}`, true]), stderr);
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

Deno.test("the runtime's tables name the same functions and itab as the symbol table", () => {
  const elf = ElfFile.open(plain)!;
  const names = ["crypto/tls.(*Conn).Write", "crypto/tls.(*Conn).Read"];
  const fromSymbols = elf.symbols([...names, "go.itab.*net.TCPConn,net.Conn", "go:itab.*net.TCPConn,net.Conn"]);
  const fromTables = pclntabFunctions(elf, names);
  for (const n of names) {
    assert.equal(fromTables.get(n)?.value, fromSymbols.get(n)!.value, n);
    // The table's size runs to the next function, over the padding.
    assert.ok(fromTables.get(n)!.size >= fromSymbols.get(n)!.size, n);
  }
  const itab = fromSymbols.get("go.itab.*net.TCPConn,net.Conn") ?? fromSymbols.get("go:itab.*net.TCPConn,net.Conn");
  assert.equal(itabAddress(elf, "*net.TCPConn", "net.Conn"), itab!.value);
  assert.equal(itabAddress(elf, "*net.UDPConn", "net.Conn") === itab!.value, false);
  elf.close();
});

const STRIPPED: [string, string[]][] = [
  ["stripped", ["-ldflags=-s -w"]],
  ["stripped PIE", ["-ldflags=-s -w", "-buildmode=pie"]],
];
for (const [name, flags] of STRIPPED) {
  Deno.test(`a ${name} Go executable is probed through its runtime tables`, async () => {
    const stripped = await build(`go_tls_${name.replace(" ", "_")}`, flags);
    assert.equal(ElfFile.open(stripped)?.section(".symtab"), undefined);
    const server = await startGoServer(stripped, false);
    const tracer = await startTracer(["http"]);
    const client = await goClient(stripped, `https://127.0.0.1:${server.port}/hello`, 2, false);
    const { records, stderr } = await tracer.stop();
    await server.stop();
    const expected = [0, 1].map((i) => ["http", "GET", `/hello?i=${i}`, 200, `hello ${i}\n`, true]);
    assert.deepEqual(byTime(recordsOf(records, server.pid, "server")).map(view), expected, stderr);
    // The client runs the executable already probed for the server: covered from its first call.
    assert.deepEqual(byTime(recordsOf(records, client.pid, "client")).map(view), expected, stderr);
  });
}
