/**
 * `deno task bench` (root): what tracing costs and how fast the pipeline is.
 *
 * 1. pipeline: a synthetic capture of HTTP, Redis and MySQL exchanges
 *    replayed through the whole user-space pipeline, 1 and 2 workers (median of 5).
 * 2. overhead: nginx (1 worker) saturated by wrk, 3 rounds of untraced /
 *    --capture-only / traced, every other one backwards; traced vs
 *    capture-only is the median round's; l7trace's CPU per 1000 records.
 * 3. loss: wrk at rising concurrency with the default ring size.
 * 4. memory: l7trace's RSS with 10,000 idle keep-alive connections, and
 *    after a storm of short connections.
 *
 * Prints each section's figures and writes bench/results/<date>.json.
 * L7TRACE_BENCH_QUICK=1 shortens every run; L7TRACE_BENCH_ONLY=<section>
 * runs one section; L7TRACE_BENCH_ARGS="--workers 2" adds options to every
 * live l7trace.
 *
 * @module
 */
import { writeSyntheticCapture } from "./synth.ts";
import { startNginx } from "../tests/e2e/harness.ts";
import { TextOutput } from "../tests/e2e/text_output.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const MAIN = `${ROOT}main.ts`;
const QUICK = Deno.env.get("L7TRACE_BENCH_QUICK") === "1";
const EXTRA_ARGS = (Deno.env.get("L7TRACE_BENCH_ARGS") ?? "").split(/\s+/).filter((a) => a !== "");
const enc = new TextEncoder();

function say(line: string): void {
  Deno.stdout.writeSync(enc.encode(`${line}\n`));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs a shell command under bash's `time`; returns CPU and wall seconds and stderr. */
async function timed(command: string): Promise<{ user: number; sys: number; real: number; stderr: string }> {
  const out = await new Deno.Command("bash", {
    args: ["-c", `TIMEFORMAT='%U %S %R'; { time ${command} > /dev/null 2>/tmp/l7bench.err; } 2>&1`],
    stdout: "piped",
  }).output();
  const [user, sys, real] = new TextDecoder().decode(out.stdout).trim().split(/\s+/).map(Number);
  return { user: user!, sys: sys!, real: real!, stderr: await Deno.readTextFile("/tmp/l7bench.err") };
}

/** Replays per worker count; the median is reported. */
const PIPELINE_RUNS = QUICK ? 1 : 5;

async function pipeline() {
  const path = await Deno.makeTempFile({ suffix: ".l7" });
  const exchanges = QUICK ? 60_000 : 400_000;
  const synth = await writeSyntheticCapture(path, exchanges);
  const rows = [];
  for (const workers of [1, 2]) {
    // The VM's speed drifts by a quarter from minute to minute: the median
    // of a few runs, with every run's time kept.
    const runs = [];
    for (let i = 0; i < PIPELINE_RUNS; i++) {
      const t = await timed(`deno run --allow-all ${MAIN} watch --json --from ${path} --workers ${workers}`);
      const records = Number(/(\d+) records/.exec(t.stderr)?.[1]);
      if (records !== exchanges) throw new Error(`pipeline: ${records} records, expected ${exchanges}: ${t.stderr}`);
      runs.push(t);
    }
    runs.sort((x, y) => x.real - y.real);
    const t = runs[runs.length >> 1]!;
    const records = exchanges;
    rows.push({
      workers,
      records,
      run_seconds: runs.map((r) => r.real),
      seconds: t.real,
      records_per_s: Math.round(records / t.real),
      payload_mb_per_s: +(synth.payloadBytes / 1e6 / t.real).toFixed(1),
      cpu_us_per_record: +(((t.user + t.sys) / records) * 1e6).toFixed(2),
    });
  }
  await Deno.remove(path);
  return { exchanges, payload_bytes: synth.payloadBytes, rows };
}

interface WrkResult {
  rps: number;
  p99_ms: number;
  requests: number;
}

async function wrk(
  url: string,
  connections: number,
  seconds: number,
  extra: string[] = [],
  env: Record<string, string> = {},
  cpu: number | null = null,
): Promise<WrkResult> {
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", ...extra, url];
  const out = await new Deno.Command(cpu === null ? "wrk" : "taskset", {
    args: cpu === null ? args : ["-c", String(cpu), "wrk", ...args],
    stdout: "piped",
    env,
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(text);
  const scale = { us: 1e-3, ms: 1, s: 1e3 }[p99?.[2] as "us" | "ms" | "s"] ?? NaN;
  const requests = Number(/(\d+) requests in/.exec(text)?.[1]);
  return { rps, p99_ms: Number(p99?.[1]) * scale, requests };
}

/** A running l7trace whose CPU time can be read. */
async function startL7trace(args: string[]) {
  const child = new Deno.Command("deno", {
    args: ["run", "--allow-all", MAIN, "watch", "--json", ...EXTRA_ARGS, ...args],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const output = new TextOutput(child.stderr);
  await output.until("ready", "l7trace");
  const rest = output.rest();
  const ticks = sysconfClockTicks();
  return {
    pid: child.pid,
    cpuSeconds(): number {
      const f = Deno.readTextFileSync(`/proc/${child.pid}/stat`).split(") ")[1]!.split(" ");
      return (Number(f[11]) + Number(f[12])) / ticks;
    },
    rssMiB(): number {
      const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${child.pid}/status`));
      return Number(m?.[1]) / 1024;
    },
    /** RSS of the BPF maps mapped into l7trace: mostly the rings, each mapped twice. */
    bpfMapRssMiB(): number {
      return bpfMapRssMiB(child.pid);
    },
    async stop() {
      child.kill("SIGINT");
      await child.status;
      const stderr = await rest;
      return {
        records: Number(/(\d+) records/.exec(stderr)?.[1]),
        lost: Number(/(\d+) events lost/.exec(stderr)?.[1]),
      };
    },
  };
}

/** The thread `tid`'s time on a CPU and waiting on a run queue, in ns (/proc/<tid>/schedstat). */
function schedstat(tid: number): { runNs: number; waitNs: number } {
  const [run, wait] = Deno.readTextFileSync(`/proc/${tid}/schedstat`).trim().split(" ").map(Number);
  return { runNs: run!, waitNs: wait! };
}

/** Idle and total CPU time of the machine so far, in ticks (/proc/stat). */
function cpuTicks(): { idle: number; total: number } {
  const f = Deno.readTextFileSync("/proc/stat").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { idle: f[3]! + f[4]!, total: f.reduce((a, b) => a + b, 0) };
}

function sysconfClockTicks(): number {
  return 100; // USER_HZ on Linux x86_64 and arm64
}

/** The overhead runs: name in the results, path, nginx and wrk pinned to CPUs 0 and 1. */
const PATHS: [string, string, boolean][] = [
  ["/ok", "/ok", false],
  ["/16k.bin", "/16k.bin", false],
  ["/ok pinned", "/ok", true],
];

/** Sets the CPUs process `pid` (all its threads) may run on: a taskset list such as "0" or "0-1". */
async function pin(pid: number, cpus: string): Promise<void> {
  const out = await new Deno.Command("taskset", { args: ["-a", "-p", "-c", cpus, String(pid)], stdout: "null" })
    .output();
  if (!out.success) throw new Error(`taskset -p -c ${cpus} ${pid} failed: ${new TextDecoder().decode(out.stderr)}`);
}

async function overhead() {
  const allCpus = `0-${navigator.hardwareConcurrency - 1}`;
  const nginx = await startNginx(`location = /ok { return 200 "ok"; }`, { "16k.bin": new Uint8Array(16384).fill(120) });
  const seconds = QUICK ? 2 : 4;
  const rounds = QUICK ? 1 : 3;
  const out: Record<string, unknown> = {};
  try {
    // Pinned: nginx on CPU 0 and wrk on CPU 1, l7trace left to the
    // scheduler. Unpinned on the 2-CPU VM, traced nginx often waited for the
    // CPU wrk was on while the other one idled (20% of the run each).
    for (const [name, path, pinned] of PATHS) {
      const url = `http://127.0.0.1:${nginx.port}${path}`;
      await pin(nginx.pid, pinned ? "0" : allCpus);
      const modes: Record<
        string,
        {
          rps: number[];
          p99: number[];
          cpuPer1k: number[];
          lost: number[];
          nginxRun: number[];
          nginxWait: number[];
          idle: number[];
        }
      > = {};
      // One process (master_process off), one thread: the one serving.
      const server = nginx.pid;
      // Each round's traced / capture-only, runs side by side: the box drifts
      // by a quarter within an hour, and a ratio of averages over rounds
      // carries that drift into it.
      const ratios: number[] = [];
      for (let r = 0; r < rounds; r++) {
        // Odd rounds run backwards, so no mode always runs last, on the warmest box.
        const order = ["untraced", "capture-only", "traced"];
        if (r % 2 === 1) order.reverse();
        for (const mode of order) {
          const m = modes[mode] ??= { rps: [], p99: [], cpuPer1k: [], lost: [], nginxRun: [], nginxWait: [], idle: [] };
          const tracer = mode === "untraced"
            ? null
            : await startL7trace(mode === "capture-only" ? ["--capture-only"] : []);
          const cpu0 = tracer?.cpuSeconds() ?? 0;
          const sched0 = schedstat(server);
          const ticks0 = cpuTicks();
          const w = await wrk(url, 32, seconds, [], {}, pinned ? 1 : null);
          const cpu = tracer ? tracer.cpuSeconds() - cpu0 : 0;
          const sched1 = schedstat(server);
          const ticks1 = cpuTicks();
          // Shares of the run: nginx on a CPU, nginx runnable but waiting for one, CPUs idle.
          m.nginxRun.push((sched1.runNs - sched0.runNs) / (seconds * 1e9));
          m.nginxWait.push((sched1.waitNs - sched0.waitNs) / (seconds * 1e9));
          m.idle.push((ticks1.idle - ticks0.idle) / (ticks1.total - ticks0.total));
          const stopped = tracer ? await tracer.stop() : null;
          m.rps.push(w.rps);
          m.p99.push(w.p99_ms);
          if (stopped) m.lost.push(stopped.lost);
          // Both sides are traced: nginx's and wrk's, two records a request.
          if (mode === "traced" && stopped) m.cpuPer1k.push((cpu / stopped.records) * 1000);
        }
        ratios.push(modes.traced!.rps[r]! / modes["capture-only"]!.rps[r]!);
      }
      const avg = (xs: number[]) => xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
      out[name] = Object.fromEntries(
        Object.entries(modes).map(([mode, m]) => [mode, {
          rps: Math.round(avg(m.rps)),
          p99_ms: +avg(m.p99).toFixed(3),
          lost_events: m.lost.reduce((a, b) => a + b, 0),
          nginx_running: +avg(m.nginxRun).toFixed(3),
          nginx_waiting_for_cpu: +avg(m.nginxWait).toFixed(3),
          cpus_idle: +avg(m.idle).toFixed(3),
          ...(m.cpuPer1k.length ? { cpu_s_per_1000_records: +avg(m.cpuPer1k).toFixed(4) } : {}),
        }]),
      );
      const o = out[name] as Record<string, { rps: number }>;
      (out[name] as Record<string, unknown>).traced_vs_untraced = +(o.traced!.rps / o.untraced!.rps).toFixed(3);
      const sorted = ratios.toSorted((a, b) => a - b);
      // The median round: one run disturbed by the box does not move it.
      (out[name] as Record<string, unknown>).traced_vs_capture_only = +sorted[sorted.length >> 1]!.toFixed(3);
      (out[name] as Record<string, unknown>).traced_vs_capture_only_rounds = ratios.map((x) => +x.toFixed(3));
    }
  } finally {
    await nginx.stop();
  }
  return out;
}

async function loss() {
  const nginx = await startNginx(`location = /ok { return 200 "ok"; }`);
  const rows = [];
  try {
    for (const connections of QUICK ? [4, 64] : [1, 4, 16, 64, 256]) {
      const tracer = await startL7trace([]);
      const w = await wrk(`http://127.0.0.1:${nginx.port}/ok`, connections, QUICK ? 2 : 4);
      const { lost, records } = await tracer.stop();
      rows.push({ connections, rps: Math.round(w.rps), records, lost_events: lost });
    }
  } finally {
    await nginx.stop();
  }
  const clean = rows.filter((r) => r.lost_events === 0).map((r) => r.rps);
  return {
    rows,
    max_rps_without_loss: clean.length ? Math.max(...clean) : 0,
    pipelined: await pipelinedLoss(),
  };
}

/**
 * One request per syscall, wrk, nginx and l7trace saturate two cores well
 * below the rate at which the rings overflow. Pipelined (WRK_PIPELINE
 * requests per write) the request rate goes higher: this finds where the
 * kernel starts losing events, as the depth grows.
 */
async function pipelinedLoss() {
  const nginx = await startNginx(`location = /ok { return 200 "ok"; }`);
  const rows = [];
  try {
    for (const depth of QUICK ? [4, 32] : [2, 4, 8, 16, 32, 64]) {
      const tracer = await startL7trace([]);
      const w = await wrk(`http://127.0.0.1:${nginx.port}/ok`, 16, QUICK ? 2 : 4, ["-s", PIPELINE_SCRIPT], {
        WRK_PIPELINE: String(depth),
      });
      const { lost, records } = await tracer.stop();
      rows.push({ depth, rps: Math.round(w.rps), records, lost_events: lost });
    }
  } finally {
    await nginx.stop();
  }
  const clean = rows.filter((r) => r.lost_events === 0).map((r) => r.rps);
  // null: every depth went past the rate at which events were lost.
  return { rows, max_rps_without_loss: clean.length ? Math.max(...clean) : null };
}

const PIPELINE_SCRIPT = new URL("./wrk_pipeline.lua", import.meta.url).pathname;

const HOLDER = `
import resource, socket, sys
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /ok HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
    s.recv(4096)
    socks.append(s)
print("held", len(socks), flush=True)
sys.stdin.read()
`;

/**
 * RSS of a process's `anon_inode:bpf-map` mappings. The kernel maps a
 * ring's data pages twice in a row (a record that wraps reads as one piece)
 * and all at mmap time: a 32 MiB ring shows as 64 MiB of RSS from the start,
 * 32 MiB of kernel memory.
 */
function bpfMapRssMiB(pid: number): number {
  let kib = 0;
  let inMap = false;
  for (const line of Deno.readTextFileSync(`/proc/${pid}/smaps`).split("\n")) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inMap = line.endsWith("anon_inode:bpf-map");
    else if (inMap && line.startsWith("Rss:")) kib += Number(/(\d+)/.exec(line)?.[1]);
  }
  return kib / 1024;
}

/**
 * RSS once the garbage collector has settled: 15 s after the phase ended.
 * The worker collects 3-6 s into a quiet spell (workers/quiet_collector.ts);
 * before it did, V8's own memory reducer shrank the heap 10-15 s after
 * 10,000 connections opened, or not at all, and runs reported either.
 */
async function settledRss(tracer: { rssMiB(): number }): Promise<number> {
  await sleep(SETTLE_MS);
  return tracer.rssMiB();
}

const SETTLE_MS = 15_000;
/** Short connections the churn phase opens and closes, at least. */
const SHORT_CONNECTIONS = 200_000;

async function memory() {
  const idle = QUICK ? 2000 : 10_000;
  // Like the harness's nginx, with room for the idle connections.
  const template = await startNginx(`location = /ok { return 200 "ok"; }`);
  const text = await Deno.readTextFile(`${template.dir}/nginx.conf`);
  await template.stop();
  const dir = await Deno.makeTempDir({ prefix: "l7trace-bench-nginx-" });
  await Deno.mkdir(`${dir}/www`);
  const conf = `${dir}/nginx.conf`;
  await Deno.writeTextFile(
    conf,
    text.replaceAll(template.dir, dir).replace("worker_connections 1024;", "worker_connections 30000;")
      .replace("worker_processes 1;", "worker_processes 1;\nworker_rlimit_nofile 20000;"),
  );
  const big = await startNginxFromConf(conf);
  const tracer = await startL7trace([]);
  try {
    // Warm up first: ring buffer pages become resident as they are first
    // written (each ring's data is mapped twice), which is not per-connection
    // cost. Over keep-alive connections: a baseline taken after a storm of
    // short ones (120k in 3 s on a fast box) held the storm's garbage.
    await wrk(`http://127.0.0.1:${big.port}/ok`, 16, 3);
    const baseline = await settledRss(tracer);
    const bpfMaps = tracer.bpfMapRssMiB();
    const holder = new Deno.Command("python3", {
      args: ["-c", HOLDER, String(big.port), String(idle)],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const holderErr = new Response(holder.stderr).text();
    const lines = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
    // Up to its newline: the line may come in more than one chunk.
    let held = "";
    while (!held.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) break;
      held += value;
    }
    if (!held.startsWith(`held ${idle}`)) {
      // Stopped first: its stderr ends only when it does.
      holder.kill("SIGKILL");
      throw new Error(`memory: could not hold ${idle} connections: '${held}' ${await holderErr}`);
    }
    const withIdle = await settledRss(tracer);
    await holder.stdin.close();
    await holder.status;
    await sleep(1000);
    // Rounds until SHORT_CONNECTIONS have been made: 20 s made 160,000 to
    // 263,000 of them on the same VM.
    let shortConnections = 0;
    for (let round = 0; round < 8 && shortConnections < (QUICK ? 1 : SHORT_CONNECTIONS); round++) {
      const r = await wrk(`http://127.0.0.1:${big.port}/ok`, 16, QUICK ? 3 : 10, ["-H", "Connection: close"]);
      shortConnections += r.requests;
    }
    const churnPeak = tracer.rssMiB();
    const afterChurn = await settledRss(tracer);
    const { lost } = await tracer.stop();
    return {
      baseline_rss_mib: +baseline.toFixed(1),
      bpf_map_rss_mib: +bpfMaps.toFixed(1),
      idle_connections: idle,
      rss_with_idle_mib: +withIdle.toFixed(1),
      short_connections: shortConnections,
      rss_at_churn_end_mib: +churnPeak.toFixed(1),
      rss_after_churn_mib: +afterChurn.toFixed(1),
      lost_events_during_churn: lost,
    };
  } finally {
    await big.stop();
  }
}

async function startNginxFromConf(conf: string) {
  const port = Number(/listen 127\.0\.0\.1:(\d+)/.exec(await Deno.readTextFile(conf))?.[1]);
  const dir = conf.replace(/\/nginx\.conf$/, "");
  const child = new Deno.Command("nginx", { args: ["-c", conf, "-p", dir], stdout: "null", stderr: "null" }).spawn();
  for (let i = 0; i < 100; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      await sleep(50);
    }
  }
  return {
    port,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

type Results = Record<string, unknown>;

/** The figures as an aligned table (also what the README shows). */
export function summaryTable(results: Results): string {
  const rows: [string, string][] = [];
  const p = results.pipeline as {
    rows: { workers: number; records_per_s: number; payload_mb_per_s: number; cpu_us_per_record: number }[];
  } | undefined;
  for (const r of p?.rows ?? []) {
    rows.push([
      `pipeline, ${r.workers} worker${r.workers > 1 ? "s" : ""}`,
      `${
        r.records_per_s.toLocaleString("en")
      } records/s, ${r.payload_mb_per_s} MB/s, ${r.cpu_us_per_record} µs CPU/record`,
    ]);
  }
  const o = results.overhead as
    | Record<
      string,
      Record<string, {
        rps: number;
        p99_ms: number;
        lost_events?: number;
        cpu_s_per_1000_records?: number;
        nginx_running?: number;
        nginx_waiting_for_cpu?: number;
        cpus_idle?: number;
      }>
    >
    | undefined;
  for (const [path, m] of Object.entries(o ?? {})) {
    const ratio = m as unknown as Record<string, number>;
    rows.push([
      `nginx ${path}: untraced`,
      `${m.untraced!.rps.toLocaleString("en")} req/s, p99 ${m.untraced!.p99_ms} ms`,
    ]);
    rows.push([
      `nginx ${path}: --capture-only`,
      `${m["capture-only"]!.rps.toLocaleString("en")} req/s, p99 ${m["capture-only"]!.p99_ms} ms`,
    ]);
    rows.push([
      `nginx ${path}: traced`,
      `${m.traced!.rps.toLocaleString("en")} req/s, p99 ${m.traced!.p99_ms} ms, ${
        m.traced!.cpu_s_per_1000_records
      } CPU s/1000 records, ${m.traced!.lost_events} lost`,
    ]);
    const share = (x: number | undefined) => `${Math.round((x ?? NaN) * 100)}%`;
    rows.push([
      `nginx ${path}: nginx on CPU / waiting, CPUs idle`,
      (["untraced", "capture-only", "traced"] as const).map((mode) =>
        `${mode} ${share(m[mode]!.nginx_running)} / ${share(m[mode]!.nginx_waiting_for_cpu)}, ${
          share(m[mode]!.cpus_idle)
        }`
      ).join("; "),
    ]);
    rows.push([
      `nginx ${path}: traced / untraced, / capture-only`,
      `${ratio.traced_vs_untraced}, ${ratio.traced_vs_capture_only} (median round; rounds ${
        (m as unknown as { traced_vs_capture_only_rounds?: number[] }).traced_vs_capture_only_rounds?.join(", ")
      })`,
    ]);
  }
  const l = results.loss as {
    rows: { connections: number; rps: number; lost_events: number }[];
    max_rps_without_loss: number;
    pipelined: { rows: { depth: number; rps: number; lost_events: number }[]; max_rps_without_loss: number | null };
  } | undefined;
  if (l) {
    rows.push([
      "loss sweep (wrk connections: req/s, lost)",
      l.rows.map((r) => `${r.connections}: ${r.rps.toLocaleString("en")}, ${r.lost_events}`).join("; "),
    ]);
    rows.push(["highest rate without loss", `${l.max_rps_without_loss.toLocaleString("en")} req/s`]);
    const p = l.pipelined;
    rows.push([
      "pipelined loss sweep (depth: req/s, lost)",
      p.rows.map((r) => `${r.depth}: ${r.rps.toLocaleString("en")}, ${r.lost_events}`).join("; "),
    ]);
    rows.push([
      "pipelined: highest rate without loss",
      p.max_rps_without_loss === null
        ? "none: every depth lost events"
        : `${p.max_rps_without_loss.toLocaleString("en")} req/s`,
    ]);
  }
  const m = results.memory as Record<string, number> | undefined;
  if (m) {
    rows.push([
      "RSS baseline (after warm-up, settled)",
      `${m.baseline_rss_mib} MiB, of which BPF maps ${m.bpf_map_rss_mib} MiB (each ring's pages mapped twice)`,
    ]);
    rows.push([`RSS with ${m.idle_connections?.toLocaleString("en")} idle connections`, `${m.rss_with_idle_mib} MiB`]);
    rows.push([
      `RSS after ${m.short_connections?.toLocaleString("en")} short connections`,
      `${m.rss_after_churn_mib} MiB (${m.rss_at_churn_end_mib} MiB as the churn ended)`,
    ]);
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`).join("\n");
}

function machine() {
  const cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
  return {
    cpu: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? "unknown",
    cores: navigator.hardwareConcurrency,
    kernel: Deno.osRelease(),
  };
}

if (import.meta.main) {
  if (Deno.uid() !== 0) {
    Deno.stderr.writeSync(enc.encode("bench: run as root (it traces nginx with l7trace)\n"));
    Deno.exit(1);
  }
  const started = Date.now();
  say("l7trace benchmarks" + (QUICK ? " (quick)" : ""));
  const results = {
    date: new Date().toISOString(),
    machine: machine(),
    quick: QUICK,
    l7trace_args: EXTRA_ARGS,
  } as Record<
    string,
    unknown
  >;
  const sections: Record<string, () => Promise<unknown>> = { pipeline, overhead, loss, memory };
  const only = Deno.env.get("L7TRACE_BENCH_ONLY");
  for (const [name, run] of Object.entries(sections)) {
    if (only && only !== name) continue;
    results[name] = await run();
    say(`${name}: ${JSON.stringify(results[name])}`);
  }
  results.seconds = Math.round((Date.now() - started) / 1000);
  say("");
  say(summaryTable(results));
  const file = `${ROOT}bench/results/${(results.date as string).slice(0, 10)}.json`;
  await Deno.writeTextFile(file, JSON.stringify(results, null, 2) + "\n");
  say(`wrote ${file} in ${results.seconds} s`);
}
