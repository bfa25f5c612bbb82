/**
 * TLS end to end (root): plaintext read at OpenSSL by uprobes, for nginx and
 * curl, Python's ssl module, a server started after l7trace, Redis over
 * TLS, large responses, --no-tls, and a library that cannot be probed; and
 * at GnuTLS, for wget.
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import {
  freePort,
  makeCertificate,
  recordsOf,
  run,
  sleep,
  startNginx,
  startTestHttpServer,
  startTracer,
  waitForPort,
} from "./harness.ts";
import { req, resp } from "./http_records.ts";

const cert = await makeCertificate();

function byTime(records: L7Record[]): L7Record[] {
  return [...records].sort((a, b) => a.ts.localeCompare(b.ts));
}

async function curl(args: string[]): Promise<number> {
  const child = new Deno.Command("curl", { args: ["-sk", "-o", "/dev/null", ...args] }).spawn();
  assert.equal((await child.status).code, 0, `curl ${args.join(" ")}`);
  return child.pid;
}

/** Python's urllib over TLS (unverified context); returns its pid and bodies. */
async function urllib(urls: string[]): Promise<{ pid: number; bodies: string[] }> {
  const code = "import ssl,sys,urllib.request\nctx=ssl._create_unverified_context()\n" +
    "for u in sys.argv[1:]: print(urllib.request.urlopen(u, context=ctx).read().decode())";
  const child = new Deno.Command("python3", { args: ["-c", code, ...urls], stdout: "piped" }).spawn();
  const out = await child.output();
  assert.ok(out.success);
  return { pid: child.pid, bodies: new TextDecoder().decode(out.stdout).trim().split("\n") };
}

/** The types of the kernel's links to the BPF programs named (bpftool's names: uprobe_multi is 12 to bpftool 7.1). */
async function linkTypes(programs: string[]): Promise<Set<string>> {
  const progs = JSON.parse(await run("bpftool", ["-j", "prog", "show"])) as { id: number; name?: string }[];
  const ids = new Set(progs.filter((p) => programs.includes(p.name ?? "")).map((p) => p.id));
  const links = JSON.parse(await run("bpftool", ["-j", "link", "show"])) as {
    type: string | number;
    prog_id: number;
  }[];
  return new Set(links.filter((l) => ids.has(l.prog_id)).map((l) => String(l.type)));
}

// uprobe_multi links where the kernel has them (6.6), which detach in parallel; perf-event uprobes before.
for (
  const [how, env, types] of [
    ["uprobe_multi links", {}, ["12"]],
    ["perf-event uprobes (kernels before 6.6)", { L7TRACE_NO_UPROBE_MULTI: "1" }, ["perf_event"]],
  ] as const
) {
  Deno.test(`curl to nginx over TLS, ${how}: both sides in plaintext, keep-alive, a 1 MiB response`, async () => {
    const big = new Uint8Array(1 << 20).fill(98);
    const nginx = await startNginx(`location = /api { return 200 "tls ok\\n"; }`, { "big.bin": big }, cert);
    const tracer = await startTracer([], env);
    const attachedAs = await linkTypes(["ssl_write_entry", "ssl_read_return"]);
    const base = `https://127.0.0.1:${nginx.port}`;
    const curlPid = await curl([`${base}/api`, "-o", "/dev/null", `${base}/big.bin`, "-o", "/dev/null", `${base}/api`]);
    const { records, stderr } = await tracer.stop();
    await nginx.stop();
    assert.match(stderr, /TLS probes on [1-9]\d* files/);
    assert.deepEqual([...attachedAs], types);
    assert.deepEqual([...await linkTypes(["ssl_write_entry", "ssl_read_return"])], [], "nothing stays attached");

    for (const [pid, side] of [[curlPid, "client"], [nginx.pid, "server"]] as const) {
      const rs = byTime(recordsOf(records, pid, side));
      assert.deepEqual(rs.map((r) => [req(r).path, resp(r).status, r.tls]), [
        ["/api", 200, true],
        ["/big.bin", 200, true],
        ["/api", 200, true],
      ], `${side}: ${JSON.stringify(rs)}`);
      assert.equal(resp(rs[0]!).body, "tls ok\n");
      assert.equal(resp(rs[1]!).headers["content-length"], String(1 << 20));
      assert.ok(rs[1]!.resp_bytes > 1 << 20 && rs[1]!.resp_bytes < (1 << 20) + 400, `${rs[1]!.resp_bytes}`);
      assert.equal(resp(rs[1]!).body, "b".repeat(1024));
      assert.equal(new Set(rs.map((r) => r.remote_port + r.local_port)).size, 1, "one keep-alive connection");
    }
  });
}

Deno.test("Python's ssl server and urllib client are traced in plaintext", async () => {
  const py = await startTestHttpServer("127.0.0.1", cert);
  const tracer = await startTracer();
  const client = await urllib([`https://127.0.0.1:${py.port}/hello`, `https://127.0.0.1:${py.port}/echo?id=tls`]);
  const { records } = await tracer.stop();
  await py.stop();
  assert.deepEqual(client.bodies, ["hello", "id=tls"]);

  for (const [pid, side] of [[client.pid, "client"], [py.pid, "server"]] as const) {
    const rs = byTime(recordsOf(records, pid, side));
    assert.deepEqual(rs.map((r) => [req(r).path, resp(r).status, resp(r).body, r.tls]), [
      ["/hello", 200, "hello", true],
      ["/echo?id=tls", 200, "id=tls", true],
    ], side);
  }
});

Deno.test("a TLS server started after l7trace is traced without restarting it", async () => {
  const tracer = await startTracer();
  const py = await startTestHttpServer("127.0.0.1", cert);
  await sleep(500);
  const client = await urllib([`https://127.0.0.1:${py.port}/echo?id=late`]);
  const { records } = await tracer.stop();
  await py.stop();
  const server = recordsOf(records, py.pid, "server");
  assert.deepEqual(server.map((r) => [req(r).path, resp(r).body, r.tls]), [["/echo?id=late", "id=late", true]]);
  assert.equal(recordsOf(records, client.pid, "client").length, 1);
});

Deno.test("Redis over TLS shows its commands", async () => {
  const port = freePort();
  const dir = await Deno.makeTempDir();
  const redis = new Deno.Command("redis-server", {
    args: [
      "--port",
      "0",
      "--tls-port",
      String(port),
      "--tls-cert-file",
      cert.cert,
      "--tls-key-file",
      cert.key,
      "--tls-auth-clients",
      "no",
      "--bind",
      "127.0.0.1",
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
  await waitForPort(port);
  const tracer = await startTracer();
  const cli = new Deno.Command("redis-cli", {
    args: ["--tls", "--insecure", "-p", String(port)],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const w = cli.stdin.getWriter();
  await w.write(new TextEncoder().encode("SET tls:key hello\nGET tls:key\n"));
  await w.close();
  const out = new TextDecoder().decode((await cli.output()).stdout);
  const { records } = await tracer.stop();
  redis.kill("SIGTERM");
  await redis.status;
  await Deno.remove(dir, { recursive: true });
  assert.match(out, /OK\s+hello/);

  // redis-cli asks for COMMAND DOCS first (for its hints): not ours.
  const mine = byTime(recordsOf(records, cli.pid, "client")).filter((r) =>
    (r.req as { command: string }).command !== "COMMAND DOCS"
  );
  assert.deepEqual(mine.map((r) => [r.protocol, r.tls, r.req, r.resp]), [
    ["redis", true, { command: "SET", args: ["tls:key", "hello"] }, { type: "string", value: "OK" }],
    ["redis", true, { command: "GET", args: ["tls:key"] }, { type: "bulk", value: "hello" }],
  ]);
});

Deno.test("--no-tls leaves TLS traffic alone", async () => {
  const nginx = await startNginx(`location = /api { return 200 "tls ok\\n"; }`, {}, cert);
  const tracer = await startTracer(["--no-tls"]);
  const curlPid = await curl([`https://127.0.0.1:${nginx.port}/api`]);
  const { records, stderr } = await tracer.stop();
  await nginx.stop();
  assert.doesNotMatch(stderr, /TLS probes/);
  assert.deepEqual(records.filter((r) => r.pid === curlPid || r.pid === nginx.pid), []);
});

Deno.test("a library that cannot be probed is reported once, and tracing goes on", async () => {
  const dir = await Deno.makeTempDir();
  const bogus = `${dir}/libssl.so.9`;
  await Deno.writeFile(bogus, new Uint8Array(8192).fill(1));
  // A process that maps a file named like libssl but holding no OpenSSL.
  const holder = new Deno.Command("python3", {
    args: [
      "-c",
      `import mmap,time;f=open("${bogus}","rb");m=mmap.mmap(f.fileno(),0,prot=mmap.PROT_READ);time.sleep(30)`,
    ],
  }).spawn();
  await sleep(300);
  const nginx = await startNginx(`location = /api { return 200 "tls ok\\n"; }`, {}, cert);
  const tracer = await startTracer();
  const curlPid = await curl([`https://127.0.0.1:${nginx.port}/api`]);
  const { records, stderr, code } = await tracer.stop();
  holder.kill("SIGTERM");
  await holder.status;
  await nginx.stop();
  await Deno.remove(dir, { recursive: true });
  assert.equal(code, 0);
  const complaints = stderr.split("\n").filter((l) => l.includes("libssl.so.9"));
  assert.equal(complaints.length, 1, stderr);
  assert.match(
    complaints[0]!,
    /^l7trace: TLS of \/proc\/\d+\/root.*libssl\.so\.9 is not traced: Cannot attach TLS probes/,
  );
  assert.equal(recordsOf(records, curlPid, "client").length, 1);
});

Deno.test("a program with OpenSSL linked in statically, started after l7trace, is traced", async () => {
  const dir = await Deno.makeTempDir();
  const exe = `${dir}/static_https_get`;
  const source = new URL("./clients/static_https_get.c", import.meta.url).pathname;
  // -rdynamic exports OpenSSL's symbols from the executable; no libssl.so is involved.
  await run("gcc", ["-O2", "-rdynamic", source, "-o", exe, "-Wl,-Bstatic", "-lssl", "-lcrypto", "-Wl,-Bdynamic"]);
  assert.doesNotMatch(await run("ldd", [exe]), /libssl/);
  const nginx = await startNginx(`location = /api { return 200 "static ok\\n"; }`, {}, cert);
  const tracer = await startTracer();
  // Like a service: it starts, and serves a second later.
  const child = new Deno.Command(exe, { args: [String(nginx.port), "/api", "1000"], stdout: "piped" }).spawn();
  const body = new TextDecoder().decode((await child.output()).stdout);
  const { records, stderr } = await tracer.stop();
  await nginx.stop();
  await Deno.remove(dir, { recursive: true });
  assert.match(body, /static ok/);
  const mine = recordsOf(records, child.pid, "client");
  assert.deepEqual(mine.map((r) => [r.comm, r.tls, req(r).path, resp(r).status, resp(r).body]), [
    ["static_https_ge", true, "/api", 200, "static ok\n"],
  ], stderr);
});

Deno.test("wget (GnuTLS) to nginx over TLS: both sides in plaintext, keep-alive", async () => {
  const nginx = await startNginx(`location = /api { return 200 "tls ok\\n"; }`, {}, cert);
  const tracer = await startTracer();
  const base = `https://127.0.0.1:${nginx.port}`;
  const wget = new Deno.Command("wget", {
    args: ["-q", "--no-check-certificate", "-O", "/dev/null", `${base}/api`, `${base}/api?n=2`],
  }).spawn();
  assert.equal((await wget.status).code, 0, "wget");
  const { records, stderr } = await tracer.stop();
  await nginx.stop();
  assert.match(stderr, /TLS probes on [1-9]\d* files/);
  for (const [pid, side] of [[wget.pid, "client"], [nginx.pid, "server"]] as const) {
    const rs = byTime(recordsOf(records, pid, side));
    assert.deepEqual(rs.map((r) => [r.protocol, req(r).method, req(r).path, resp(r).status, resp(r).body, r.tls]), [
      ["http", "GET", "/api", 200, "tls ok\n", true],
      ["http", "GET", "/api?n=2", 200, "tls ok\n", true],
    ], `${side}: ${JSON.stringify(rs)}`);
    assert.match(req(rs[0]!).headers["user-agent"]!, /^Wget\//);
    assert.equal(new Set(rs.map((r) => r.remote_port + r.local_port)).size, 1, "one keep-alive connection");
  }
});
