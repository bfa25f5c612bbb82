/**
 * End-to-end Redis tracing (root): a real redis-server with redis-cli,
 * redis-benchmark (plain and pipelined), pub/sub over raw sockets, and the
 * `redis` protocol filters, with exact records asserted on both sides.
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import type { RedisRequest, RedisResponse, RedisValue } from "../../lib/protocols/redis/mod.ts";
import { recordsOf, type Server, startTracer } from "./harness.ts";
import { byTime, runClient, startRedis, stopAll } from "./daemons.ts";
import { TextOutput } from "./text_output.ts";

const req = (r: L7Record) => r.req as RedisRequest;
const resp = (r: L7Record) => r.resp as RedisResponse;

/** RESP2 encoding of a command (array of bulk strings). */
function encodeCommand(args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${new TextEncoder().encode(a).length}\r\n${a}\r\n`).join("");
}

/** RESP2 encoding of a reply as l7trace prints it (type + value). */
function encodeReply(r: RedisResponse): string {
  const v = r.value;
  switch (r.type) {
    case "string":
      return `+${v}\r\n`;
    case "error":
      return `-${v}\r\n`;
    case "integer":
      return `:${v}\r\n`;
    case "nil":
      return "$-1\r\n";
    case "bulk":
      return `$${new TextEncoder().encode(String(v)).length}\r\n${v}\r\n`;
    case "array": {
      const items = v as RedisValue[];
      return `*${items.length}\r\n` + items.map((x) =>
        encodeReply(
          typeof x === "number" ? { type: "integer", value: x } : { type: "bulk", value: x },
        )
      ).join("");
    }
    default:
      throw new Error(`no RESP2 encoding for ${r.type}`);
  }
}

/** One redis-cli invocation and what it must produce. */
interface CliCase {
  argv: string[];
  command: string;
  args: string[];
  resp: RedisResponse;
}

const CLI_CASES: CliCase[] = [
  {
    argv: ["SET", "user:1", "alice"],
    command: "SET",
    args: ["user:1", "alice"],
    resp: { type: "string", value: "OK" },
  },
  { argv: ["GET", "missing"], command: "GET", args: ["missing"], resp: { type: "nil", value: null } },
  { argv: ["INCR", "counter"], command: "INCR", args: ["counter"], resp: { type: "integer", value: 1 } },
  { argv: ["INCR", "counter"], command: "INCR", args: ["counter"], resp: { type: "integer", value: 2 } },
  {
    argv: ["LPUSH", "list", "a", "b", "c"],
    command: "LPUSH",
    args: ["list", "a", "b", "c"],
    resp: { type: "integer", value: 3 },
  },
  {
    argv: ["LRANGE", "list", "0", "-1"],
    command: "LRANGE",
    args: ["list", "0", "-1"],
    resp: { type: "array", value: ["c", "b", "a"] },
  },
  {
    argv: ["HSET", "h", "f1", "v1", "f2", "v2"],
    command: "HSET",
    args: ["h", "f1", "v1", "f2", "v2"],
    resp: { type: "integer", value: 2 },
  },
  { argv: ["HGETALL", "h"], command: "HGETALL", args: ["h"], resp: { type: "array", value: ["f1", "v1", "f2", "v2"] } },
  { argv: ["GET", "user:1"], command: "GET", args: ["user:1"], resp: { type: "bulk", value: "alice" } },
  {
    argv: ["NOSUCHCMD", "x"],
    command: "NOSUCHCMD",
    args: ["x"],
    resp: { type: "error", value: "ERR unknown command 'NOSUCHCMD', with args beginning with: 'x' " },
  },
  {
    argv: ["CONFIG", "GET", "maxmemory"],
    command: "CONFIG GET",
    args: ["maxmemory"],
    resp: { type: "array", value: ["maxmemory", "0"] },
  },
];

function assertCommon(r: L7Record, side: "client" | "server", pid: number, comm: string): void {
  assert.equal(r.protocol, "redis");
  assert.equal(r.side, side);
  assert.equal(r.pid, pid);
  assert.equal(r.comm, comm);
  assert.equal(r.tls, false);
  assert.equal(r.local_ip, "127.0.0.1");
  assert.equal(r.remote_ip, "127.0.0.1");
  assert.ok(r.latency_ms !== null && r.latency_ms > 0 && r.latency_ms < 5000, `latency ${r.latency_ms}`);
  assert.match(r.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
}

Deno.test("redis-cli one-shot commands: exact command, arguments and reply on both sides", async () => {
  let redis: Server | undefined;
  try {
    redis = await startRedis();
    const tracer = await startTracer();
    const pids: number[] = [];
    for (const c of CLI_CASES) {
      const out = await runClient("redis-cli", ["-p", String(redis.port), ...c.argv]);
      assert.equal(out.code, 0, out.stderr);
      pids.push(out.pid);
    }
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);

    const server = recordsOf(records, redis.pid, "server");
    assert.equal(server.length, CLI_CASES.length, JSON.stringify(server));
    CLI_CASES.forEach((c, i) => {
      const mine = recordsOf(records, pids[i]!, "client");
      // One-shot redis-cli sends only the command it was given (no COMMAND DOCS).
      assert.equal(mine.length, 1, `${c.argv.join(" ")}: ${JSON.stringify(mine)}`);
      const cl = mine[0]!;
      assertCommon(cl, "client", pids[i]!, "redis-cli");
      assert.equal(cl.remote_port, redis!.port);
      const sv = server.filter((r) => r.remote_port === cl.local_port);
      assert.equal(sv.length, 1, `server record of ${c.argv.join(" ")}`);
      const s = sv[0]!;
      assertCommon(s, "server", redis!.pid, "redis-server");
      assert.equal(s.local_port, redis!.port);
      for (const r of [cl, s]) {
        assert.deepEqual(r.req, { command: c.command, args: c.args }, c.argv.join(" "));
        assert.deepEqual(r.resp, c.resp, c.argv.join(" "));
        assert.equal(r.req_bytes, encodeCommand(c.argv).length, `${c.argv.join(" ")} req_bytes`);
        assert.equal(r.resp_bytes, encodeReply(c.resp).length, `${c.argv.join(" ")} resp_bytes`);
      }
      // The server answers before the client has read the answer.
      assert.ok(s.latency_ms! <= cl.latency_ms!, `${s.latency_ms} <= ${cl.latency_ms}`);
    });
  } finally {
    await stopAll(redis);
  }
});

Deno.test("RESP3 (redis-cli -3) maps, sets and nil, and a 100 KB value cut to --max-body-bytes", async () => {
  let redis: Server | undefined;
  try {
    redis = await startRedis();
    const tracer = await startTracer();
    const p = String(redis.port);
    const resp3 = async (...argv: string[]) => {
      const out = await runClient("redis-cli", ["-3", "-p", p, ...argv]);
      assert.equal(out.code, 0, out.stderr);
      return out.pid;
    };
    const runs = [
      await resp3("HSET", "h", "f1", "v1", "f2", "v2"),
      await resp3("HGETALL", "h"),
      await resp3("SADD", "s", "x"),
      await resp3("SMEMBERS", "s"),
      await resp3("GET", "nokey"),
    ];
    const big = "x".repeat(100_000);
    const set = await runClient("redis-cli", ["-p", p, "-x", "SET", "big"], big);
    const get = await runClient("redis-cli", ["-p", p, "GET", "big"]);
    assert.equal(get.stdout, `${big}\n`);
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);

    const want: [string[], RedisResponse, string][] = [
      [["HSET", "h", "f1", "v1", "f2", "v2"], { type: "integer", value: 2 }, ":2\r\n"],
      [
        ["HGETALL", "h"],
        { type: "map", value: { f1: "v1", f2: "v2" } },
        "%2\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n",
      ],
      [["SADD", "s", "x"], { type: "integer", value: 1 }, ":1\r\n"],
      [["SMEMBERS", "s"], { type: "set", value: ["x"] }, "~1\r\n$1\r\nx\r\n"],
      [["GET", "nokey"], { type: "nil", value: null }, "_\r\n"],
    ];
    const server = recordsOf(records, redis.pid, "server");
    runs.forEach((pid, i) => {
      const [argv, reply, wire] = want[i]!;
      const rs = byTime(recordsOf(records, pid, "client"));
      // redis-cli -3 first switches the connection to RESP3 with HELLO 3.
      assert.equal(rs.length, 2, JSON.stringify(rs));
      const [hello, cmd] = [rs[0]!, rs[1]!];
      assert.deepEqual([req(hello).command, req(hello).args, resp(hello).type], ["HELLO", ["3"], "map"]);
      const h = resp(hello).value as Record<string, RedisValue>;
      assert.deepEqual([h.server, h.proto, h.role, h.modules], ["redis", 3, "master", []]);
      for (const r of [cmd, ...server.filter((s) => s.remote_port === cmd.local_port && req(s).command !== "HELLO")]) {
        assert.deepEqual([req(r).command, ...req(r).args], argv);
        assert.deepEqual(r.resp, reply, argv.join(" "));
        assert.deepEqual([r.req_bytes, r.resp_bytes], [encodeCommand(argv).length, wire.length], argv.join(" "));
      }
      assert.equal(server.filter((s) => s.remote_port === cmd.local_port).length, 2);
    });

    // The 100 000-byte value: kept up to 1024 bytes and flagged, sized exactly.
    const setRecs = [...recordsOf(records, set.pid, "client"), ...server.filter((r) => req(r).command === "SET")];
    assert.equal(setRecs.length, 2);
    for (const r of setRecs) {
      assert.deepEqual(r.req, { command: "SET", args: ["big", "x".repeat(1024)], args_truncated: true });
      assert.deepEqual(r.resp, { type: "string", value: "OK" });
      assert.deepEqual([r.req_bytes, r.resp_bytes], [encodeCommand(["SET", "big", big]).length, 5]);
    }
    const getRecs = [
      ...recordsOf(records, get.pid, "client"),
      ...server.filter((r) => req(r).command === "GET" && req(r).args[0] === "big"),
    ];
    assert.equal(getRecs.length, 2);
    for (const r of getRecs) {
      assert.deepEqual(r.req, { command: "GET", args: ["big"] });
      assert.deepEqual(r.resp, { type: "bulk", value: "x".repeat(1024), truncated: true });
      assert.deepEqual([r.req_bytes, r.resp_bytes], [
        encodeCommand(["GET", "big"]).length,
        `$100000\r\n${big}\r\n`.length,
      ]);
    }
  } finally {
    await stopAll(redis);
  }
});

/** Counts records by command; SET and GET carry redis-benchmark's exact payload. */
function benchmarkCounts(rs: L7Record[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rs) {
    const q = req(r);
    const key = q.command === "CONFIG GET" ? `CONFIG GET ${q.args.join(" ")}` : q.command;
    counts[key] = (counts[key] ?? 0) + 1;
    if (q.command === "SET") {
      assert.deepEqual([q.args, r.resp], [["key:__rand_int__", "VXK"], { type: "string", value: "OK" }]);
    } else if (q.command === "GET") {
      assert.deepEqual([q.args, r.resp], [["key:__rand_int__"], { type: "bulk", value: "VXK" }]);
    }
  }
  return counts;
}

for (const pipeline of [1, 10]) {
  Deno.test(`redis-benchmark -n 200 -c 1 -P ${pipeline}: exactly 200 SET and 200 GET on each side`, async () => {
    let redis: Server | undefined;
    try {
      redis = await startRedis();
      const tracer = await startTracer();
      const bench = await runClient("redis-benchmark", [
        "-p",
        String(redis.port),
        "-n",
        "200",
        "-c",
        "1",
        "-P",
        String(pipeline),
        "-t",
        "set,get",
        "-q",
      ]);
      const { records, code, stderr } = await tracer.stop();
      assert.equal(bench.code, 0, bench.stderr);
      assert.equal(code, 0, stderr);
      assert.match(stderr, / 0 events lost in the kernel/);

      for (const [pid, side] of [[redis.pid, "server"], [bench.pid, "client"]] as const) {
        const rs = recordsOf(records, pid, side);
        // redis-benchmark first asks for two settings on a connection of
        // its own (CONFIG GET save, CONFIG GET appendonly), then runs each
        // test on a new connection.
        assert.deepEqual(benchmarkCounts(rs), {
          "CONFIG GET save": 1,
          "CONFIG GET appendonly": 1,
          SET: 200,
          GET: 200,
        }, side);
        for (const r of rs) assert.notEqual(r.resp, null, JSON.stringify(r));
        const ports = (cmd: string) => new Set(rs.filter((r) => req(r).command === cmd).map((r) => r.remote_port));
        if (side === "server") assert.equal(ports("SET").size, 1, "all SETs on one connection");
        // Pipelined or not, each SET is 41 bytes and each reply +OK\r\n.
        for (const r of rs.filter((r) => req(r).command === "SET")) {
          assert.deepEqual([r.req_bytes, r.resp_bytes], [
            encodeCommand(["SET", "key:__rand_int__", "VXK"]).length,
            5,
          ]);
        }
      }
    } finally {
      await stopAll(redis);
    }
  });
}

/** A raw RESP client on one connection of this process. */
class RawRedis {
  #text = "";
  #buf = new Uint8Array(65536);
  private constructor(readonly conn: Deno.TcpConn) {}

  static async connect(port: number): Promise<RawRedis> {
    return new RawRedis(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  get localPort(): number {
    return (this.conn.localAddr as Deno.NetAddr).port;
  }

  /** Sends a command and waits until exactly `expect` (RESP text) arrived. */
  async call(args: string[], expect: string): Promise<void> {
    await this.conn.write(new TextEncoder().encode(encodeCommand(args)));
    await this.expect(expect);
  }

  /** Reads until `expect` arrived; fails on anything else. */
  async expect(expect: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (this.#text.length < expect.length) {
      if (Date.now() > deadline) throw new Error(`timeout waiting for ${JSON.stringify(expect)}`);
      const n = await this.conn.read(this.#buf);
      if (n === null) throw new Error("connection closed");
      this.#text += new TextDecoder().decode(this.#buf.subarray(0, n));
    }
    assert.equal(this.#text.slice(0, expect.length), expect);
    this.#text = this.#text.slice(expect.length);
  }

  close(): void {
    this.conn.close();
  }
}

Deno.test("pub/sub: PUBLISH is paired with its count, pushed messages are no replies, pairing goes on", async () => {
  let redis: Server | undefined;
  let cliSub: Deno.ChildProcess | undefined;
  try {
    redis = await startRedis();
    const tracer = await startTracer();
    const sub = await RawRedis.connect(redis.port);
    const pub = await RawRedis.connect(redis.port);
    await sub.call(["SUBSCRIBE", "ch"], encodeReply({ type: "array", value: ["subscribe", "ch", 1] }));

    // A second subscriber: redis-cli, waiting for messages.
    cliSub = new Deno.Command("redis-cli", {
      args: ["-p", String(redis.port), "SUBSCRIBE", "ch"],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const cliOut = new TextOutput(cliSub.stdout);
    await cliOut.until("subscribe\nch\n1\n", "redis-cli SUBSCRIBE");

    await pub.call(["PUBLISH", "ch", "hello"], ":2\r\n");
    await sub.expect(encodeReply({ type: "array", value: ["message", "ch", "hello"] }));
    await pub.call(["SET", "k", "v"], "+OK\r\n");
    await pub.call(["GET", "k"], "$1\r\nv\r\n");
    // RESP2 PING in subscribed mode answers ["pong", ""].
    await sub.call(["PING"], "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    await pub.call(["PUBLISH", "ch", "bye"], ":2\r\n");
    await sub.expect(encodeReply({ type: "array", value: ["message", "ch", "bye"] }));
    await cliOut.until("bye\n", "redis-cli SUBSCRIBE");
    await sub.call(["UNSUBSCRIBE", "ch"], encodeReply({ type: "array", value: ["unsubscribe", "ch", 0] }));
    await sub.call(["GET", "k"], "$1\r\nv\r\n");
    await pub.call(["GET", "nokey"], "$-1\r\n");
    const subPort = sub.localPort, pubPort = pub.localPort;
    sub.close();
    pub.close();
    cliSub.kill("SIGTERM");
    await cliSub.status;
    await cliOut.cancel();
    const cliPid = cliSub.pid;
    cliSub = undefined;
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);

    const view = (rs: L7Record[]) => byTime(rs).map((r) => [req(r).command, req(r).args, r.resp]);
    const subExpected = [
      ["SUBSCRIBE", ["ch"], { type: "array", value: ["subscribe", "ch", 1] }],
      ["PING", [], { type: "array", value: ["pong", ""] }],
      ["UNSUBSCRIBE", ["ch"], { type: "array", value: ["unsubscribe", "ch", 0] }],
      ["GET", ["k"], { type: "bulk", value: "v" }],
    ];
    const pubExpected = [
      ["PUBLISH", ["ch", "hello"], { type: "integer", value: 2 }],
      ["SET", ["k", "v"], { type: "string", value: "OK" }],
      ["GET", ["k"], { type: "bulk", value: "v" }],
      ["PUBLISH", ["ch", "bye"], { type: "integer", value: 2 }],
      ["GET", ["nokey"], { type: "nil", value: null }],
    ];
    const mine = recordsOf(records, Deno.pid, "client");
    assert.deepEqual(view(mine.filter((r) => r.local_port === subPort)), subExpected, "subscriber, client side");
    assert.deepEqual(view(mine.filter((r) => r.local_port === pubPort)), pubExpected, "publisher, client side");
    const server = recordsOf(records, redis.pid, "server");
    assert.deepEqual(view(server.filter((r) => r.remote_port === subPort)), subExpected, "subscriber, server side");
    assert.deepEqual(view(server.filter((r) => r.remote_port === pubPort)), pubExpected, "publisher, server side");

    // redis-cli: its SUBSCRIBE, confirmed; the two messages it printed are not replies.
    const cli = recordsOf(records, cliPid, "client");
    assert.deepEqual(view(cli), [["SUBSCRIBE", ["ch"], { type: "array", value: ["subscribe", "ch", 1] }]]);
    const cliServer = server.filter((r) => r.remote_port === cli[0]!.local_port);
    assert.deepEqual(view(cliServer), view(cli));
    // Nothing else reached the server's side: no message became a record.
    assert.equal(server.length, subExpected.length + pubExpected.length + 1, JSON.stringify(server));
    // The subscriber's bytes: the pushed messages are not counted in any reply.
    const subPing = mine.find((r) => r.local_port === subPort && req(r).command === "PING")!;
    assert.equal(subPing.resp_bytes, "*2\r\n$4\r\npong\r\n$0\r\n\r\n".length);
  } finally {
    if (cliSub) {
      cliSub.kill("SIGTERM");
      await cliSub.status;
    }
    await stopAll(redis);
  }
});

Deno.test("connections opened before l7trace, one of them subscribed, are traced from their next command", async () => {
  let redis: Server | undefined;
  const conns: RawRedis[] = [];
  try {
    redis = await startRedis();
    const sub = await RawRedis.connect(redis.port);
    const plain = await RawRedis.connect(redis.port);
    conns.push(sub, plain);
    await sub.call(["SUBSCRIBE", "ch"], encodeReply({ type: "array", value: ["subscribe", "ch", 1] }));
    await plain.call(["SET", "k", "v"], "+OK\r\n");
    const tracer = await startTracer();
    // A message to a subscriber l7trace has not seen a command of: the
    // first bytes it sees on that connection are a pushed message.
    const pub1 = await runClient("redis-cli", ["-p", String(redis.port), "PUBLISH", "ch", "m1"]);
    assert.equal(pub1.stdout, "1\n");
    await sub.expect(encodeReply({ type: "array", value: ["message", "ch", "m1"] }));
    await sub.call(["PING"], "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    const pub2 = await runClient("redis-cli", ["-p", String(redis.port), "PUBLISH", "ch", "m2"]);
    assert.equal(pub2.stdout, "1\n");
    await sub.expect(encodeReply({ type: "array", value: ["message", "ch", "m2"] }));
    await sub.call(["UNSUBSCRIBE", "ch"], encodeReply({ type: "array", value: ["unsubscribe", "ch", 0] }));
    await sub.call(["GET", "k"], "$1\r\nv\r\n");
    await plain.call(["GET", "k"], "$1\r\nv\r\n");
    await plain.call(["INCR", "n"], ":1\r\n");
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);

    const view = (rs: L7Record[]) => byTime(rs).map((r) => [req(r).command, req(r).args, r.resp]);
    const subWant = [
      ["PING", [], { type: "array", value: ["pong", ""] }],
      ["UNSUBSCRIBE", ["ch"], { type: "array", value: ["unsubscribe", "ch", 0] }],
      ["GET", ["k"], { type: "bulk", value: "v" }],
    ];
    const plainWant = [
      ["GET", ["k"], { type: "bulk", value: "v" }],
      ["INCR", ["n"], { type: "integer", value: 1 }],
    ];
    const mine = recordsOf(records, Deno.pid, "client");
    const server = recordsOf(records, redis.pid, "server");
    assert.deepEqual(view(mine.filter((r) => r.local_port === sub.localPort)), subWant, "subscriber, client side");
    assert.deepEqual(view(server.filter((r) => r.remote_port === sub.localPort)), subWant, "subscriber, server side");
    assert.deepEqual(view(mine.filter((r) => r.local_port === plain.localPort)), plainWant, "plain, client side");
    assert.deepEqual(view(server.filter((r) => r.remote_port === plain.localPort)), plainWant, "plain, server side");
    for (const pub of [pub1, pub2]) {
      assert.deepEqual(view(recordsOf(records, pub.pid, "client")), [
        ["PUBLISH", ["ch", pub === pub1 ? "m1" : "m2"], { type: "integer", value: 1 }],
      ]);
    }
  } finally {
    for (const c of conns) c.close();
    await stopAll(redis);
  }
});

/** Traffic for the filter tests: every command on its own redis-cli. */
const FILTER_TRAFFIC = [
  ["SET", "user:1", "alice"],
  ["GET", "user:1"],
  ["GET", "order:7"],
  ["SET", "order:7", "x"],
  ["MGET", "user:1", "order:7"],
  ["CONFIG", "GET", "maxmemory"],
  ["DEL", "user:2"],
  ["GET", "user"],
];

async function filterScenario(args: string[]): Promise<{ client: string[]; server: string[] }> {
  let redis: Server | undefined;
  try {
    redis = await startRedis();
    const tracer = await startTracer(args);
    const pids: number[] = [];
    for (const argv of FILTER_TRAFFIC) {
      const out = await runClient("redis-cli", ["-p", String(redis.port), ...argv]);
      assert.equal(out.code, 0, out.stderr);
      pids.push(out.pid);
    }
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    const show = (r: L7Record) => [req(r).command, ...req(r).args].join(" ");
    for (const r of records.filter((r) => r.protocol !== "redis")) {
      assert.fail(`a non-Redis record passed the redis filter: ${JSON.stringify(r)}`);
    }
    const client = byTime(records.filter((r) => pids.includes(r.pid) && r.side === "client")).map(show);
    const server = byTime(recordsOf(records, redis.pid, "server")).map(show);
    for (const r of records.filter((r) => pids.includes(r.pid) || r.pid === redis!.pid)) {
      assert.notEqual(resp(r), null);
    }
    return { client, server };
  } finally {
    await stopAll(redis);
  }
}

Deno.test("l7trace redis --command GET keeps only GET (not MGET, not CONFIG GET)", async () => {
  const { client, server } = await filterScenario(["redis", "--command", "GET"]);
  const expected = ["GET user:1", "GET order:7", "GET user"];
  assert.deepEqual(client, expected);
  assert.deepEqual(server, expected);
});

Deno.test("l7trace redis --key-prefix user: keeps commands whose first argument starts with user:", async () => {
  const { client, server } = await filterScenario(["redis", "--key-prefix", "user:"]);
  const expected = ["SET user:1 alice", "GET user:1", "MGET user:1 order:7", "DEL user:2"];
  assert.deepEqual(client, expected);
  assert.deepEqual(server, expected);
});

Deno.test("l7trace redis --command 'config get' matches the two-word command", async () => {
  const { client, server } = await filterScenario(["redis", "--command", "config get,del"]);
  const expected = ["CONFIG GET maxmemory", "DEL user:2"];
  assert.deepEqual(client, expected);
  assert.deepEqual(server, expected);
});
