/**
 * `l7trace stat` end to end (root): per-group counts of real traffic (curl
 * to nginx grouped by templated path, redis-benchmark grouped by command,
 * mosquitto_pub to mosquitto grouped by MQTT topic, raw NATS clients to
 * nats-server grouped by subject, pika to RabbitMQ grouped by AMQP method)
 * must be exact, and a latency filter that excludes everything leaves no
 * group.
 *
 * Each stat run is confined to the test's own processes with `--pids`, so
 * other traffic on the host cannot change the counts. Clients are started
 * as `sh -c 'read _; exec CLIENT'`: the pid is known before stat starts,
 * and the client runs (under the same pid) only once stat is ready.
 */
import assert from "node:assert/strict";
import type { StatDocument } from "../../lib/stat/render.ts";
import { run, type Server, startNginx } from "./harness.ts";
import { type Ran, startMemcached, startMosquitto, startNats, startRabbitmq, startRedis, stopAll } from "./daemons.ts";
import { sessionRecords } from "../../lib/protocols/amqp/testdata/session.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const DURATION = 5;
const AMQP_CLIENT = new URL("./clients/amqp_client.py", import.meta.url).pathname;

/** A running `l7trace stat --json --duration 5 …`. */
interface StatRun {
  /** Resolves when stat exited by itself: its JSON documents, stderr and exit code. */
  done: Promise<{ docs: StatDocument[]; stderr: string; code: number }>;
}

/** Starts `l7trace stat <args> --json --duration 5` and waits for its ready line. */
async function startStat(args: string[]): Promise<StatRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "stat", ...args, "--json", "--duration", String(DURATION)],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const stdout = new Response(child.stdout).text();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  const deadline = Date.now() + 30_000;
  while (!stderr.includes("ready")) {
    const { value, done } = await reader.read();
    if (done || Date.now() > deadline) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Gone already.
      }
      throw new Error(`l7trace stat did not get ready (exit ${(await child.status).code}): ${stderr}`);
    }
    stderr += value;
  }
  const done = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    const status = await child.status;
    const text = await stdout;
    const docs = text.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as StatDocument);
    return { docs, stderr, code: status.code };
  })();
  return { done };
}

/** A client whose pid is known before it runs: `go()` lets it exec and waits for it. */
interface Gated {
  pid: number;
  go(): Promise<Ran>;
  kill(): Promise<void>;
}

function gated(cmd: string, args: string[]): Gated {
  const child = new Deno.Command("sh", {
    args: ["-c", 'read _ && exec "$0" "$@"', cmd, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  let started = false;
  return {
    pid: child.pid,
    async go() {
      started = true;
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode("go\n"));
      await w.close();
      const out = await output;
      return {
        pid: child.pid,
        code: out.code,
        stdout: new TextDecoder().decode(out.stdout),
        stderr: new TextDecoder().decode(out.stderr),
      };
    },
    async kill() {
      if (!started) {
        try {
          child.kill("SIGKILL");
        } catch {
          // Gone.
        }
      }
      await output.catch(() => {});
    },
  };
}

type Group = StatDocument["groups"][number];

/** Checks the invariants of an answered group's latency and rate. */
function assertSane(g: Group, intervalS: number): void {
  const l = g.latency_ms;
  assert.ok(l.min !== null && l.max !== null && l.p50 !== null && l.avg !== null, JSON.stringify(g));
  assert.ok(l.min > 0 && l.min <= l.p50! && l.p50! <= l.p90! && l.p90! <= l.p99! && l.p99! <= l.max, JSON.stringify(l));
  assert.ok(l.min <= l.avg && l.avg <= l.max, JSON.stringify(l));
  assert.ok(Math.abs(g.rate! - g.count / intervalS) < 0.0011, `rate ${g.rate} for ${g.count} in ${intervalS} s`);
}

/** curl's version as it puts it in User-Agent. */
async function curlVersion(): Promise<string> {
  const out = await new Deno.Command("curl", { args: ["--version"], stdout: "piped" }).output();
  return /^curl (\S+)/.exec(new TextDecoder().decode(out.stdout))![1]!;
}

const NGINX_CONF = `
  location /a { return 200 "a"; }
  location /b { return 200 "b"; }
  location /users/ { return 200 "user"; }
  location /err { return 500; }
`;

/** Two curls, one keep-alive connection each; `paths` of each, in order. */
function httpTraffic(port: number) {
  const urls = (paths: string[]) => paths.flatMap((p) => ["-o", "/dev/null", `http://127.0.0.1:${port}${p}`]);
  const first = [...Array(30).fill("/a"), ...Array(20).fill("/b")];
  const second = [
    ...Array.from({ length: 10 }, (_, i) => (i % 2 ? `/users/123?page=${i}` : "/users/123")),
    ...Array(10).fill("/users/456"),
    "/nope",
    "/nope",
    "/nope",
    "/err",
    "/err",
  ];
  return {
    paths: [...first, ...second],
    curls: [gated("curl", ["-s", ...urls(first)]), gated("curl", ["-s", ...urls(second)])],
  };
}

/** Runs the gated clients one after the other; all must succeed. */
async function runAll(clients: Gated[]): Promise<void> {
  for (const c of clients) {
    const out = await c.go();
    assert.equal(out.code, 0, out.stderr);
  }
}

/** Bytes of curl's request for `path`. */
function curlRequestBytes(path: string, port: number, version: string): number {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: curl/${version}\r\nAccept: */*\r\n\r\n`
    .length;
}

/** Expected [path template, count, errors, no_response, req_bytes] per group, by count then path. */
function expectedHttpGroups(paths: string[], port: number, version: string, sides: number) {
  const groups = new Map<string, [string, number, number, number, number]>();
  for (const p of paths) {
    const key = p.startsWith("/users/") ? "/users/{id}" : p;
    const g = groups.get(key) ?? [key, 0, 0, 0, 0];
    g[1] += sides;
    if (p === "/err") g[2] += sides; // 5xx are errors, 4xx are not
    g[4] += sides * curlRequestBytes(p, port, version);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

Deno.test("stat http --group-by http-path --side server: exact counts per templated path", async () => {
  let nginx: Server | undefined;
  let clients: Gated[] = [];
  try {
    nginx = await startNginx(NGINX_CONF);
    const version = await curlVersion();
    const { paths, curls } = httpTraffic(nginx.port);
    clients = curls;
    // Server side only, and only nginx's port: each exchange counts once.
    const stat = await startStat([
      "http",
      "--group-by",
      "http-path",
      "--side",
      "server",
      "--local-ports",
      String(nginx.port),
    ]);
    const started = Date.now();
    await runAll(curls);
    assert.ok(Date.now() - started < (DURATION - 2) * 1000, "traffic must end well before --duration");
    const { docs, stderr, code } = await stat.done;
    assert.equal(code, 0, stderr);
    assert.equal(docs.length, 1, "one document at the end of --duration");
    const doc = docs[0]!;
    assert.ok(doc.interval_s !== null && Math.abs(doc.interval_s - DURATION) < 1, `interval_s ${doc.interval_s}`);
    assert.deepEqual(
      doc.groups.map((g) => [g.key.http_path, g.count, g.errors, g.no_response, g.req_bytes]),
      expectedHttpGroups(paths, nginx.port, version, 1),
    );
    for (const g of doc.groups) {
      assert.deepEqual(Object.keys(g.key), ["http_path"]);
      assertSane(g, doc.interval_s!);
    }
  } finally {
    for (const c of clients) await c.kill();
    await stopAll(nginx);
  }
});

Deno.test("stat http --group-by http-path without --side counts each exchange on both sides", async () => {
  let nginx: Server | undefined;
  let clients: Gated[] = [];
  try {
    nginx = await startNginx(NGINX_CONF);
    const version = await curlVersion();
    const { paths, curls } = httpTraffic(nginx.port);
    clients = curls;
    const stat = await startStat([
      "http",
      "--group-by",
      "http-path",
      "--pids",
      [nginx.pid, ...curls.map((c) => c.pid)].join(","),
    ]);
    await runAll(curls);
    const { docs, stderr, code } = await stat.done;
    assert.equal(code, 0, stderr);
    assert.equal(docs.length, 1);
    const doc = docs[0]!;
    // curl's record and nginx's record of every exchange: each counts twice.
    assert.deepEqual(
      doc.groups.map((g) => [g.key.http_path, g.count, g.errors, g.no_response, g.req_bytes]),
      expectedHttpGroups(paths, nginx.port, version, 2),
    );
    for (const g of doc.groups) assertSane(g, doc.interval_s!);
  } finally {
    for (const c of clients) await c.kill();
    await stopAll(nginx);
  }
});

Deno.test("stat redis --group-by redis-command: exact counts of redis-benchmark's commands", async () => {
  let redis: Server | undefined;
  let bench: Gated | undefined;
  try {
    redis = await startRedis();
    bench = gated("redis-benchmark", ["-p", String(redis.port), "-n", "300", "-c", "1", "-t", "set,get,incr", "-q"]);
    const stat = await startStat(["redis", "--group-by", "redis-command", "--pids", `${redis.pid},${bench.pid}`]);
    await runAll([bench]);
    const { docs, stderr, code } = await stat.done;
    assert.equal(code, 0, stderr);
    assert.equal(docs.length, 1);
    const doc = docs[0]!;
    // Both sides (redis-benchmark and redis-server) count: 2 × 300 of each
    // test, and 2 × 2 for the CONFIG GET save / appendonly it sends first.
    const got = Object.fromEntries(doc.groups.map((g) => [g.key.redis_command, [g.count, g.errors, g.no_response]]));
    assert.deepEqual(got, {
      SET: [600, 0, 0],
      GET: [600, 0, 0],
      INCR: [600, 0, 0],
      "CONFIG GET": [4, 0, 0],
    });
    // Sorted by count, descending.
    assert.equal(doc.groups.at(-1)!.key.redis_command, "CONFIG GET");
    for (const g of doc.groups) assertSane(g, doc.interval_s!);
    const set = doc.groups.find((g) => g.key.redis_command === "SET")!;
    // "*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n" and "+OK\r\n".
    const setBytes = "*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n".length;
    assert.deepEqual([set.req_bytes, set.resp_bytes], [600 * setBytes, 600 * 5]);
  } finally {
    await bench?.kill();
    await stopAll(redis);
  }
});

Deno.test("stat memcached --group-by memcached-command: exact counts, errors and bytes of a text session", async () => {
  let mc: Server | undefined;
  let client: Gated | undefined;
  try {
    mc = await startMemcached();
    const script = new URL("./clients/memcached_client.py", import.meta.url).pathname;
    client = gated("python3", [script, "text", "127.0.0.1", String(mc.port)]);
    const stat = await startStat(["memcached", "--group-by", "memcached-command", "--pids", `${mc.pid},${client.pid}`]);
    await runAll([client]);
    const { docs, stderr, code } = await stat.done;
    assert.equal(code, 0, stderr);
    assert.equal(docs.length, 1);
    const got = Object.fromEntries(
      docs[0]!.groups.map((g) => [g.key.memcached_command, [g.count, g.errors, g.no_response]]),
    );
    // Both sides count; the errors are CLIENT_ERROR (incr of text, a 251-byte key) and ERROR.
    assert.deepEqual(got, {
      get: [6, 2, 0],
      set: [4, 0, 0],
      incr: [6, 2, 0],
      delete: [4, 0, 0],
      cas: [4, 0, 0],
      add: [2, 0, 0],
      replace: [2, 0, 0],
      append: [2, 0, 0],
      prepend: [2, 0, 0],
      gets: [2, 0, 0],
      gat: [2, 0, 0],
      gats: [2, 0, 0],
      touch: [2, 0, 0],
      decr: [2, 0, 0],
      version: [2, 0, 0],
      verbosity: [2, 0, 0],
      bogus: [2, 2, 0],
      stats: [2, 0, 0],
      flush_all: [2, 0, 0],
    });
    for (const g of docs[0]!.groups) assertSane(g, docs[0]!.interval_s!);
    const set = docs[0]!.groups.find((g) => g.key.memcached_command === "set")!;
    const setBytes = "set user:1 0 0 5\r\nalice\r\n".length + "set n 0 0 2\r\n10\r\n".length;
    assert.deepEqual([set.req_bytes, set.resp_bytes], [2 * setBytes, 4 * "STORED\r\n".length]);
  } finally {
    await client?.kill();
    await stopAll(mc);
  }
});

Deno.test("stat with --latency above every exchange's latency reports no group", async () => {
  let redis: Server | undefined;
  let bench: Gated | undefined;
  try {
    redis = await startRedis();
    bench = gated("redis-benchmark", ["-p", String(redis.port), "-n", "300", "-c", "1", "-t", "set,get,incr", "-q"]);
    const stat = await startStat([
      "redis",
      "--group-by",
      "redis-command",
      "--latency",
      "60000",
      "--pids",
      `${redis.pid},${bench.pid}`,
    ]);
    await runAll([bench]);
    const { docs, stderr, code } = await stat.done;
    assert.equal(code, 0, stderr);
    assert.equal(docs.length, 1);
    assert.deepEqual(docs[0]!.groups, []);
    // The exchanges were there (events), and none passed the filter.
    assert.match(stderr, /l7trace: 0 records, [1-9]\d* events/);
  } finally {
    await bench?.kill();
    await stopAll(redis);
  }
});

Deno.test("stat mqtt --group-by mqtt-topic --side server: messages per topic, the rest per packet type", async () => {
  let broker: Server | undefined;
  let clients: Gated[] = [];
  try {
    broker = await startMosquitto();
    const pub = (topic: string, qos: string) =>
      gated("mosquitto_pub", ["-p", String(broker!.port), "-t", topic, "-q", qos, "-m", "v"]);
    clients = [pub("s/a", "1"), pub("s/a", "1"), pub("s/a", "1"), pub("s/b", "0"), pub("s/b", "0")];
    const stat = await startStat([
      "mqtt",
      "--group-by",
      "mqtt-topic",
      "--side",
      "server",
      "--local-ports",
      String(broker.port),
    ]);
    await runAll(clients);
    const { docs, stderr, code } = await stat.done;
    assert.equal(code, 0, stderr);
    assert.equal(docs.length, 1);
    const rows = docs[0]!.groups.map((g) => [g.key.mqtt_topic, g.count, g.errors, g.no_response]);
    // QoS 0 messages and DISCONNECTs have no answer.
    assert.deepEqual(rows.sort(), [["CONNECT", 5, 0, 0], ["DISCONNECT", 5, 0, 5], ["s/a", 3, 0, 0], ["s/b", 2, 0, 2]]);
  } finally {
    for (const c of clients) await c.kill();
    await stopAll(broker);
  }
});

Deno.test("stat amqp --group-by amqp-method --side server: the pika session's methods, the broker's refusals as errors", async () => {
  let broker: Server | undefined;
  let client: Gated | undefined;
  try {
    broker = await startRabbitmq();
    const version = (await run("dpkg-query", ["-W", "-f", "${Version}", "rabbitmq-server"])).split("-")[0]!;
    // Debian's interpreter: python3-pika is installed for it.
    client = gated("/usr/bin/python3", [AMQP_CLIENT, String(broker.port)]);
    const stat = await startStat([
      "amqp",
      "--group-by",
      "amqp-method",
      "--side",
      "server",
      "--local-ports",
      String(broker.port),
    ]);
    await runAll([client]);
    const { docs, stderr, code } = await stat.done;
    assert.equal(code, 0, stderr);
    assert.equal(docs.length, 1);
    const rows = docs[0]!.groups.map((g) => [g.key.amqp_method, g.count, g.errors, g.no_response]);
    // The passive Queue.Declare answered by the 404 Channel.Close, and that close itself, are the errors.
    const want = new Map<string, [string, number, number, number]>();
    for (const [q, r] of sessionRecords(version, false)) {
      const g = want.get(q.method) ?? [q.method, 0, 0, 0];
      g[1]++;
      // A Basic.Return's 312 NO_ROUTE is not one: the broker refused no method.
      const close = q.sender === "server" && q.method.endsWith(".Close") && (q.reply_code ?? 0) >= 300;
      if ((r?.reply_code ?? 0) >= 300 || close) g[2]++;
      if (r === null) g[3]++;
      want.set(q.method, g);
    }
    assert.deepEqual(want.get("Queue.Declare"), ["Queue.Declare", 2, 1, 0]);
    assert.deepEqual(want.get("Channel.Close"), ["Channel.Close", 4, 1, 0]);
    assert.deepEqual(want.get("Basic.Return"), ["Basic.Return", 1, 0, 1]);
    assert.deepEqual(rows.sort(), [...want.values()].sort());
  } finally {
    await client?.kill();
    await stopAll(broker);
  }
});

Deno.test("stat nats --group-by nats-subject --side server: -ERR answers are errors, lone -ERRs and INFOs unanswered", async () => {
  let server: Server | undefined;
  let clients: Gated[] = [];
  try {
    server = await startNats();
    const client = new URL("./clients/nats_client.py", import.meta.url).pathname;
    const session = (name: string) => gated("python3", [client, name, "127.0.0.1", String(server!.port)]);
    clients = [session("pedantic"), session("pedantic"), session("quiet-err")];
    const stat = await startStat([
      "nats",
      "--group-by",
      "nats-subject",
      "--side",
      "server",
      "--local-ports",
      String(server.port),
    ]);
    await runAll(clients);
    const { docs, stderr, code } = await stat.done;
    assert.equal(code, 0, stderr);
    assert.equal(docs.length, 1);
    const rows = docs[0]!.groups.map((g) => [g.key.nats_subject, g.count, g.errors, g.no_response]);
    // Verbose sessions: the refused PUB and SUB are errors; the quiet one's PUB waits for nothing, its -ERR stands alone.
    assert.deepEqual(rows.sort(), [
      ["-ERR", 1, 0, 1],
      ["CONNECT", 3, 0, 1],
      ["INFO", 3, 0, 3],
      ["PING", 3, 0, 0],
      ["e2e.*", 3, 2, 1],
      ["e2e..bad", 2, 2, 0],
    ]);
  } finally {
    for (const c of clients) await c.kill();
    await stopAll(server);
  }
});
