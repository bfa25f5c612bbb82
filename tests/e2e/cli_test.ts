/**
 * The CLI's contract with its user (root): bad input gives one line and the
 * right exit code, stopping detaches every probe, and the summary is printed.
 */
import assert from "node:assert/strict";
import { sleep } from "./harness.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
/** Program names of bpf/l7trace.bpf.c as the kernel shows them (15 chars). */
const OUR_PROGRAMS =
  /\bname (sys_enter|sys_exit|sock_send_lengt|sock_recv_lengt|process_exit|process_exec|ssl_|go_tls_|tail_)/;

async function l7trace(
  args: string[],
  env: Record<string, string> = {},
  prefix: string[] = [],
) {
  const argv = [
    ...prefix,
    Deno.execPath(),
    "run",
    "--allow-all",
    MAIN,
    ...args,
  ];
  const out = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    env,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

async function ourProgramCount(): Promise<number> {
  const out = await new Deno.Command("bpftool", {
    args: ["prog", "list"],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => OUR_PROGRAMS.test(l)).length;
}

/**
 * Waits until none of our programs is loaded. The kernel frees tail-call
 * targets asynchronously after their prog arrays go, so allow a few seconds.
 */
async function assertNothingLoaded(): Promise<void> {
  const deadline = Date.now() + 8000;
  let n = await ourProgramCount();
  while (n > 0 && Date.now() < deadline) {
    await sleep(200);
    n = await ourProgramCount();
  }
  assert.equal(n, 0, "BPF programs of l7trace still loaded");
}

function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line, got: ${stderr}`);
  assert.match(lines[0]!, pattern);
}

Deno.test("an unknown flag is a one-line usage error with exit code 2", async () => {
  const r = await l7trace(["watch", "--bogus"]);
  assert.equal(r.code, 2);
  assertOneLine(
    r.stderr,
    /^l7trace: Unknown option '--bogus' \(see 'l7trace --help'\)$/,
  );
});

Deno.test("a bad flag value is a one-line usage error with exit code 2", async () => {
  for (
    const args of [
      ["watch", "--workers", "0"],
      ["watch", "--duration", "soon"],
      ["watch", "-o", "xml"],
      ["frobnicate"],
    ]
  ) {
    const r = await l7trace(args);
    assert.equal(r.code, 2, args.join(" "));
    assertOneLine(r.stderr, /^l7trace: .+ \(see 'l7trace --help'\)$/);
  }
});

Deno.test("without root l7trace says to use sudo and exits 1", async () => {
  const denoDir = await Deno.makeTempDir();
  await Deno.chmod(denoDir, 0o777);
  const r = await l7trace(["watch"], { DENO_DIR: denoDir, HOME: denoDir }, [
    "setpriv",
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
    "--inh-caps=-all",
  ]);
  await Deno.remove(denoDir, { recursive: true });
  assert.equal(r.code, 1, r.stderr);
  assertOneLine(r.stderr, /needs root \(or CAP_BPF and CAP_PERFMON\).*sudo/);
});

Deno.test("a kernel without BTF is reported in one line, exit 1", async () => {
  const r = await l7trace(["watch"], { L7TRACE_BTF: "/nonexistent/vmlinux" });
  assert.equal(r.code, 1);
  assertOneLine(
    r.stderr,
    /no BTF type information \(\/nonexistent\/vmlinux is missing\).*CONFIG_DEBUG_INFO_BTF/,
  );
  await assertNothingLoaded();
});

Deno.test("a kernel without a needed tracepoint is reported in one line, exit 1", async () => {
  const fake = await Deno.makeTempDir();
  await Deno.mkdir(`${fake}/events/sock/sock_send_length`, { recursive: true });
  const r = await l7trace(["watch"], { L7TRACE_TRACEFS: fake });
  await Deno.remove(fake, { recursive: true });
  assert.equal(r.code, 1);
  assertOneLine(r.stderr, /lacks the tracepoint sock\/sock_recv_length/);
  await assertNothingLoaded();
});

Deno.test("tracefs not mounted: l7trace mounts it and runs", async () => {
  // In a mount namespace of its own, so the host keeps its tracefs.
  const r = await l7trace(["watch", "--json", "--duration", "1"], {}, [
    "unshare",
    "--mount",
    "--propagation",
    "private",
    "sh",
    "-c",
    "umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug/tracing 2>/dev/null; " +
    'if [ -e /sys/kernel/tracing/events ]; then echo "still mounted" >&2; exit 9; fi; exec "$0" "$@"',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /ready: \d+ probes attached/);
  await assertNothingLoaded();
});

Deno.test("tracefs that cannot be found is one line saying how to mount it, exit 1", async () => {
  const r = await l7trace(["watch"], { L7TRACE_TRACEFS: "/nonexistent/tracing" });
  assert.equal(r.code, 1);
  assertOneLine(
    r.stderr,
    /^l7trace: Cannot find tracefs at \/nonexistent\/tracing: mount it with 'mount -t tracefs nodev \/sys\/kernel\/tracing'$/,
  );
  await assertNothingLoaded();
});

Deno.test("--duration stops by itself, exits 0, prints the summary, leaves nothing attached", async () => {
  await assertNothingLoaded();
  const r = await l7trace(["watch", "--json", "--duration", "1"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /ready: \d+ probes attached/);
  assert.match(
    r.stderr,
    /\d+ records, \d+ events, \d+ bytes, \d+ events lost in the kernel/,
  );
  await assertNothingLoaded();
});

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.test(`${signal} detaches every probe and exits 0`, async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", MAIN, "watch", "--json"],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream())
      .getReader();
    let stderr = "";
    while (!stderr.includes("ready")) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    // All 19 programs loaded (TLS ones are attached once per library, so links outnumber them).
    assert.ok((await ourProgramCount()) >= 19, stderr);
    await sleep(100);
    child.kill(signal);
    const status = await child.status;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    assert.equal(status.code, 0, stderr);
    assert.match(stderr, /events lost in the kernel/);
    await assertNothingLoaded();
  });
}

Deno.test("l7trace loads while signals keep arriving (a sampling profiler's SIGPROF)", async () => {
  // The verifier gives up with EAGAIN on a pending signal; V8's profiler
  // sends SIGPROF every few hundred µs.
  const dir = await Deno.makeTempDir({ prefix: "l7trace-prof-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--cpu-prof", `--cpu-prof-dir=${dir}`, "--cpu-prof-interval=200", MAIN, "watch"]
        .concat(["--json", "--duration", "1"]),
      stdout: "null",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.match(stderr, /ready: \d+ probes attached/);
    const profiles = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.ok(profiles.some((n) => n.endsWith(".cpuprofile")), `the profiler ran: ${profiles}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  await assertNothingLoaded();
});

Deno.test("the ready line comes once every worker drains its ring: traffic right after it is not lost", async () => {
  const { startNginx, socketClient } = await import("./harness.ts");
  const nginx = await startNginx(`keepalive_requests 100000; location /e { return 200 "$arg_id"; }`);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "watch", "--json", "--ring-size", "512K", "--workers", "1"],
    env: { L7TRACE_TEST_WORKER_DELAY_MS: "4000" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new Response(child.stdout).text();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  while (!stderr.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += value;
  }
  // 2000 requests 0.5 ms apart: over 1 MiB of events within the worker's
  // start-up delay, and some 10 KiB per 10 ms once the worker drains.
  const client = await socketClient(["paced", "127.0.0.1", String(nginx.port), "2000", "0.5"]);
  await sleep(300);
  child.kill("SIGINT");
  await child.status;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += value;
  }
  await nginx.stop();
  assert.deepEqual(client.lines, ["2000"]);
  assert.match(stderr, / 0 events lost in the kernel/);
  const records = (await stdout).trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(records.filter((r) => r.pid === client.pid).length, 2000, stderr);
  assert.equal(records.filter((r) => r.pid === nginx.pid).length, 2000, stderr);
});

Deno.test("events read in place from a 64 KiB ring, wrapping round it some 20 times, come out whole", async () => {
  const { startNginx, socketClient, startTracer } = await import("./harness.ts");
  const nginx = await startNginx(`keepalive_requests 100000; location /e { return 200 "$arg_id"; }`);
  // 64 KiB holds ~80 ms of this traffic: a 16 KiB ring had lost an event
  // in one run of seven while the worker was late by 20 ms.
  const tracer = await startTracer(["--ring-size", "64K", "--workers", "1"]);
  // Events of 130 to 250 bytes, headers included (~1.5 MB in all): their ends fall all over the ring.
  const client = await socketClient(["paced", "127.0.0.1", String(nginx.port), "2000", "0.5"]);
  const { records, stderr } = await tracer.stop();
  await nginx.stop();
  assert.deepEqual(client.lines, ["2000"]);
  assert.match(stderr, / 0 events lost in the kernel/);
  for (const pid of [client.pid, nginx.pid]) {
    const mine = records.filter((r) => r.pid === pid);
    const ids = Array.from({ length: 2000 }, (_, i) => String(i));
    assert.deepEqual(mine.map((r) => (r.req as { path: string }).path), ids.map((i) => `/e?id=${i}`));
    assert.deepEqual(mine.map((r) => (r.resp as { body: string }).body), ids);
  }
});

Deno.test("--capture-only drains the kernel's events, prints no record and counts the bytes", async () => {
  const { startNginx, socketClient, startTracer } = await import("./harness.ts");
  const nginx = await startNginx(`keepalive_requests 100000; location /e { return 200 "$arg_id"; }`);
  const tracer = await startTracer(["--capture-only", "--ring-size", "64K", "--workers", "1"]);
  const client = await socketClient(["paced", "127.0.0.1", String(nginx.port), "500", "0.5"]);
  const { records, stderr, code } = await tracer.stop();
  await nginx.stop();
  assert.deepEqual(client.lines, ["500"]);
  assert.equal(code, 0);
  assert.deepEqual(records, []);
  // 2000 events (each side's requests and responses, 41 and about 160
  // bytes), each with an 80-byte event header and an 8-byte ring header.
  const bytes = Number(/ (\d+) bytes,/.exec(stderr)?.[1]);
  assert.ok(bytes > 2000 * 160 && bytes < 2000 * 220, stderr);
  assert.match(stderr, / 0 records, 0 events, .* 0 events lost in the kernel/);
});

Deno.test("a closed stdout (| head -1) ends l7trace cleanly with exit 0", async () => {
  const { startTestHttpServer } = await import("./harness.ts");
  const py = await startTestHttpServer();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "watch", "--json"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderrText = new Response(child.stderr).text();
  const out = child.stdout.getReader();
  const traffic = (async () => {
    await sleep(2500);
    for (let i = 0; i < 20; i++) {
      await new Deno.Command("curl", { args: ["-s", "-o", "/dev/null", `http://127.0.0.1:${py.port}/hello`] }).output();
    }
  })();
  const first = await out.read();
  assert.ok(first.value && first.value.length > 0);
  await out.cancel(); // like head -1 exiting
  await traffic;
  const status = await Promise.race([child.status, sleep(15000).then(() => null)]);
  await py.stop();
  assert.ok(status, "l7trace did not stop after stdout closed");
  assert.equal(status.code, 0);
  const stderr = await stderrText;
  assert.doesNotMatch(stderr, /error| {4}at /i);
  assert.match(stderr, /records, .* events lost in the kernel/);
  await assertNothingLoaded();
});

Deno.test("a worker that fails is reported and l7trace exits 1", async () => {
  const { startTestHttpServer } = await import("./harness.ts");
  const py = await startTestHttpServer();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "watch", "--json", "--workers", "1"],
    env: { L7TRACE_TEST_FAIL_WORKER: "0" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderrText = new Response(child.stderr).text();
  await sleep(2500);
  await new Deno.Command("curl", { args: ["-s", "-o", "/dev/null", `http://127.0.0.1:${py.port}/hello`] }).output();
  const status = await Promise.race([child.status, sleep(15000).then(() => null)]);
  await py.stop();
  assert.ok(status, "l7trace kept running with a dead worker");
  assert.equal(status.code, 1);
  assert.match(await stderrText, /worker 0 failed, its connections are lost: .*injected failure/);
  await assertNothingLoaded();
});

Deno.test("make binary without a denort says what to set and exits non-zero", async () => {
  const script = new URL("../../scripts/compile.sh", import.meta.url).pathname;
  const env = { ...Deno.env.toObject() };
  delete env.DENORT_BIN;
  const out = await new Deno.Command("bash", { args: [script], env, clearEnv: true, stderr: "piped", stdout: "null" })
    .output();
  assert.equal(out.code, 1);
  assert.equal(
    new TextDecoder().decode(out.stderr),
    "make binary: no denort runtime: set DENORT_BIN=/path/to/denort (deno compile cannot download one here)\n",
  );
  const bad = await new Deno.Command("bash", {
    args: [script],
    env: { ...env, DENORT_BIN: "/nonexistent" },
    stderr: "piped",
  })
    .output();
  assert.equal(bad.code, 1);
  assert.match(new TextDecoder().decode(bad.stderr), /DENORT_BIN=\/nonexistent is not an executable file/);
});

Deno.test("too low a file-descriptor limit is one line saying what to do, exit 1, nothing left", async () => {
  const r = await l7trace(["watch", "--json", "--duration", "1"], {}, ["prlimit", "--nofile=64:64"]);
  assert.equal(r.code, 1, r.stderr);
  assertOneLine(r.stderr, /Too many open files.*raise the limit \(ulimit -n 4096\)$/);
  await assertNothingLoaded();
});

Deno.test("two l7trace instances at once both see the traffic", async () => {
  const { startTestHttpServer, startTracer } = await import("./harness.ts");
  const py = await startTestHttpServer();
  const first = await startTracer();
  const second = await startTracer();
  const child = new Deno.Command("curl", { args: ["-s", "-o", "/dev/null", `http://127.0.0.1:${py.port}/hello`] })
    .spawn();
  await child.status;
  const a = await first.stop();
  const b = await second.stop();
  await py.stop();
  for (const run of [a, b]) {
    assert.equal(run.code, 0);
    assert.deepEqual(run.records.filter((r) => r.pid === child.pid).map((r) => (r.req as { path: string }).path), [
      "/hello",
    ]);
  }
  await assertNothingLoaded();
});
