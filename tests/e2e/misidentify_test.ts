/**
 * A connection whose protocol is misidentified must not poison others
 * (root): Redis-looking, HTTP-looking and binary garbage flows to listeners
 * of this process and to a real redis-server, at the same time as real
 * HTTP (nginx, curl) and Redis (redis-cli) traffic. l7trace must keep
 * running, invent no pair for the garbage, and report the real traffic
 * exactly. And MQTT (mosquitto), memcached, NATS (nats-server) and AMQP (RabbitMQ)
 * are not taken for another protocol, nor other traffic or look-alike garbage for them.
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import type { RedisRequest } from "../../lib/protocols/redis/mod.ts";
import { recordsOf, type Server, sleep, startNginx, startTracer } from "./harness.ts";
import {
  byTime,
  type Ran,
  runClient,
  startMemcached,
  startMosquitto,
  startNats,
  startRabbitmq,
  startRedis,
  stopAll,
} from "./daemons.ts";
import { req, resp } from "./http_records.ts";

/** Deterministic pseudo-random bytes (mulberry32), so every run sends the same garbage. */
function prng(seed: number): (n: number) => Uint8Array {
  let a = seed >>> 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
    }
    return out;
  };
}

const enc = (s: string) => new TextEncoder().encode(s);
const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

const VALID_REQUEST = "GET /v HTTP/1.1\r\nHost: v\r\n\r\n";
const OK_RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/** How a garbage listener answers what it reads. */
type Reply = "discard" | "echo-garbage" | "http-then-garbage" | "http-once";

/** A TCP listener of this process that reads until EOF and answers per `reply`. */
function garbageListener(reply: Reply, seed: number): { port: number; done: Promise<void>; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const random = prng(seed);
  const conns: Promise<void>[] = [];
  const serve = async (conn: Deno.Conn) => {
    const buf = new Uint8Array(65536);
    let first = true;
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        if (reply === "echo-garbage") await conn.write(random(n));
        else if (reply === "http-then-garbage" && first) {
          await conn.write(concat(enc("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), random(300)));
        } else if (reply === "http-once" && first) await conn.write(enc(OK_RESPONSE));
        first = false;
      }
    } catch {
      // The peer may reset: garbage is garbage.
    } finally {
      conn.close();
    }
  };
  const done = (async () => {
    try {
      for await (const conn of listener) conns.push(serve(conn));
    } catch {
      // Closed.
    }
    await Promise.all(conns);
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    done,
    close: () => listener.close(),
  };
}

/**
 * Sends `chunks` on a new connection (pausing between them), reads whatever
 * comes back, closes. With `awaitFirst`, waits for that many bytes of reply
 * after the first chunk before sending the others.
 */
async function sendGarbage(port: number, chunks: Uint8Array[], awaitFirst = 0): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const local = (conn.localAddr as Deno.NetAddr).port;
  let got = 0;
  let firstReply = () => {};
  const replied = new Promise<void>((resolve) => firstReply = resolve);
  const reader = (async () => {
    const buf = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        got += n;
        if (got >= awaitFirst) firstReply();
      }
    } catch {
      // Reset by the peer (redis-server closes on a protocol error).
    }
    firstReply();
  })();
  try {
    for (const [i, c] of chunks.entries()) {
      await conn.write(c);
      if (i === 0 && awaitFirst > 0) await replied;
      await sleep(20);
    }
  } catch {
    // The peer may have closed already.
  }
  try {
    conn.closeWrite();
  } catch {
    // Already closed.
  }
  await reader;
  conn.close();
  return local;
}

/** Three chunks of garbage: `prefix` then random bytes, the first random byte forced to 0xff. */
function garbage(prefix: string, seed: number): Uint8Array[] {
  const random = prng(seed);
  const head = random(200);
  head[0] = 0xff; // never a RESP type byte, never a header-line character
  return [concat(enc(prefix), head), random(512), random(64)];
}

Deno.test("misidentified connections invent no pairs and do not disturb real HTTP and Redis traffic", async () => {
  let nginx: Server | undefined;
  let redis: Server | undefined;
  const listeners: ReturnType<typeof garbageListener>[] = [];
  try {
    nginx = await startNginx(`location /r/ { return 200 "$uri"; }`);
    redis = await startRedis();
    const sink = garbageListener("discard", 1);
    const echo = garbageListener("echo-garbage", 2);
    const liar = garbageListener("http-then-garbage", 3);
    const once = garbageListener("http-once", 4);
    listeners.push(sink, echo, liar, once);
    const tracer = await startTracer();

    const redisLike = "*3\r\n$3\r\nSET\r\n";
    const httpLike = "GET / HTTP/1.1\r\n";
    const flows: Promise<number>[] = [];
    const validFirst: Promise<number>[] = [];
    const toRealRedis: Promise<number>[] = [];
    for (let k = 0; k < 4; k++) {
      flows.push(sendGarbage(sink.port, garbage(redisLike, 10 + k)));
      flows.push(sendGarbage(echo.port, garbage(httpLike, 20 + k)));
      const binary = prng(30 + k)(1500);
      flows.push(sendGarbage(echo.port, [binary.subarray(0, 500), binary.subarray(500, 1000), binary.subarray(1000)]));
      flows.push(sendGarbage(sink.port, [prng(40 + k)(4096)]));
      // A complete request, then garbage; the listener answers a complete response, then garbage.
      flows.push(sendGarbage(liar.port, garbage("GET /g HTTP/1.1\r\nHost: g\r\n\r\n", 50 + k)));
      // A complete exchange, and only then garbage on the same connection.
      validFirst.push(sendGarbage(once.port, [enc(VALID_REQUEST), ...garbage(httpLike, 70 + k)], OK_RESPONSE.length));
      // Redis-looking garbage to the real redis-server (it answers a protocol error and closes).
      toRealRedis.push(sendGarbage(redis.port, garbage(redisLike, 60 + k)));
    }

    const base = `http://127.0.0.1:${nginx.port}`;
    const paths = Array.from({ length: 10 }, (_, i) => `/r/${i}`);
    const curl = runClient("curl", ["-s", ...paths.flatMap((p) => ["-o", "/dev/null", `${base}${p}`])]);
    const redisCommands = Array.from({ length: 4 }, (_, i) => [["SET", `k${i}`, `v${i}`], ["GET", `k${i}`]]).flat();
    const redisRuns = (async () => {
      const out = [];
      for (const argv of redisCommands) out.push(await runClient("redis-cli", ["-p", String(redis!.port), ...argv]));
      return out;
    })();
    const [curlRun, cliRuns, garbagePorts, garbageToRedis, validPorts] = await Promise.all([
      curl,
      redisRuns,
      Promise.all(flows),
      Promise.all(toRealRedis),
      Promise.all(validFirst),
    ]);
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    assert.equal(curlRun.code, 0, curlRun.stderr);
    for (const r of cliRuns) assert.equal(r.code, 0, r.stderr);

    // The exchange completed before the garbage: exactly once per
    // connection on each side, and nothing made of the garbage after it.
    const validView = (r: L7Record) => [
      r.protocol,
      req(r).method,
      req(r).path,
      req(r).headers,
      resp(r)?.status,
      resp(r)?.headers,
      resp(r)?.body,
      r.req_bytes,
      r.resp_bytes,
    ];
    const validWant = [
      "http",
      "GET",
      "/v",
      { host: "v" },
      200,
      { "content-length": "2" },
      "ok",
      VALID_REQUEST.length,
      OK_RESPONSE.length,
    ];
    const mine = records.filter((r) => r.pid === Deno.pid);
    for (const port of validPorts) {
      const client = mine.filter((r) => r.side === "client" && r.local_port === port);
      const server = mine.filter((r) => r.side === "server" && r.local_port === once.port && r.remote_port === port);
      assert.deepEqual(client.map(validView), [validWant], `client ${port}: ${JSON.stringify(client)}`);
      assert.deepEqual(server.map(validView), [validWant], `server ${port}: ${JSON.stringify(server)}`);
    }

    // Garbage: nothing reported, except the liar's exchange exactly as sent.
    const listenerPorts = new Set(listeners.filter((l) => l !== once).map((l) => l.port));
    const clientPorts = new Set([...garbagePorts, ...garbageToRedis]);
    // A connection is its 4-tuple: ephemeral client ports are reused once a
    // garbage connection closes, so a client port alone could name a valid one.
    const garbagePeer = (port: number) => listenerPorts.has(port) || port === redis!.port;
    // The same on redis-server's side: a real redis-cli may get a closed garbage client's port.
    const cliPids = new Set(cliRuns.map((c) => c.pid));
    const validCliPorts = new Set(
      records.filter((r) => cliPids.has(r.pid) && r.side === "client").map((r) => r.local_port),
    );
    const onGarbage = records.filter((r) =>
      (r.pid === Deno.pid &&
        (listenerPorts.has(r.local_port) || (clientPorts.has(r.local_port) && garbagePeer(r.remote_port)))) ||
      (r.pid === redis!.pid && clientPorts.has(r.remote_port) && !validCliPorts.has(r.remote_port))
    );
    for (const r of onGarbage) {
      const exact = r.protocol === "http" &&
        (r.side === "client" ? r.remote_port : r.local_port) === liar.port &&
        req(r).method === "GET" && req(r).path === "/g" && req(r).host === "g" &&
        JSON.stringify(req(r).headers) === JSON.stringify({ host: "g" }) && req(r).body === "" &&
        r.req_bytes === "GET /g HTTP/1.1\r\nHost: g\r\n\r\n".length &&
        resp(r) !== null && resp(r).status === 200 && resp(r).body === "ok" &&
        JSON.stringify(resp(r).headers) === JSON.stringify({ "content-length": "2" }) &&
        r.resp_bytes === "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".length;
      assert.ok(exact, `invented record on a garbage connection: ${JSON.stringify(r)}`);
    }

    // Real HTTP: ten exchanges on curl's connection, both sides exact.
    const curlRecs = byTime(recordsOf(records, curlRun.pid, "client"));
    assert.deepEqual(curlRecs.map((r) => [req(r).path, resp(r)?.status, resp(r)?.body]), paths.map((p) => [p, 200, p]));
    const nginxRecs = byTime(recordsOf(records, nginx.pid, "server"));
    assert.deepEqual(
      nginxRecs.map((r) => [req(r).path, resp(r)?.status, resp(r)?.body, r.remote_port]),
      paths.map((
        p,
      ) => [p, 200, p, curlRecs[0]!.local_port]),
    );

    // Real Redis: one exact record per redis-cli on each side.
    const redisServer = recordsOf(records, redis.pid, "server");
    redisCommands.forEach((argv, i) => {
      const pid = cliRuns[i]!.pid;
      const want = [
        argv[0],
        argv.slice(1),
        argv[0] === "SET" ? { type: "string", value: "OK" } : {
          type: "bulk",
          value: `v${argv[1]!.slice(1)}`,
        },
      ];
      const cl = recordsOf(records, pid, "client");
      const view = (r: L7Record) => [(r.req as RedisRequest).command, (r.req as RedisRequest).args, r.resp];
      assert.deepEqual(cl.map(view), [want], argv.join(" "));
      assert.deepEqual(redisServer.filter((r) => r.remote_port === cl[0]!.local_port).map(view), [want]);
    });
    assert.equal(redisServer.length, redisCommands.length, JSON.stringify(redisServer));
  } finally {
    for (const l of listeners) l.close();
    await Promise.all(listeners.map((l) => l.done));
    await stopAll(nginx, redis);
  }
});

/** An MQTT control packet (Remaining Length below 128). */
function mqttPacket(first: number, body: number[]): Uint8Array {
  return Uint8Array.from([first, body.length, ...body]);
}

Deno.test("MQTT is taken for nothing else, and nothing else (MQTT-shaped garbage included) for MQTT", async () => {
  let broker: Server | undefined;
  let redis: Server | undefined;
  const sink = garbageListener("discard", 5);
  const once = garbageListener("http-once", 6);
  try {
    broker = await startMosquitto();
    redis = await startRedis();
    const tracer = await startTracer();
    const random = prng(90);
    const name = (s: string) => [0, s.length, ...enc(s)];
    // A CONNECT with a protocol name off by one letter, and one with level 6.
    const badName = mqttPacket(0x10, [...name("MQTX"), 4, 2, 0, 60, ...name("g")]);
    const badLevel = mqttPacket(0x10, [...name("MQTT"), 6, 2, 0, 60, ...name("g")]);
    const body = random(40);
    const flows = [
      // To a listener of this process: 0x10 then random bytes, and bad CONNECTs.
      sendGarbage(sink.port, [concat(Uint8Array.of(0x10, 40), random(40)), random(100)]),
      sendGarbage(sink.port, [badName, random(64)]),
      sendGarbage(sink.port, [badLevel]),
      // To mosquitto, which reads a fixed header byte by byte: 0x10, a length, then
      // that many random bytes (the broker closes on them); a PUBLISH with no CONNECT.
      sendGarbage(broker.port, [Uint8Array.of(0x10), Uint8Array.of(body.length), body]),
      sendGarbage(broker.port, [mqttPacket(0x30, [...name("a/b"), 104, 105])]),
      sendGarbage(broker.port, [random(300)]),
    ];
    const garbagePorts = await Promise.all(flows);
    // Real traffic of three protocols.
    const pubs: Ran[] = [];
    for (const [v, q] of [["mqttv311", "1"], ["mqttv5", "2"]]) {
      const ran = await runClient("mosquitto_pub", [
        "-p",
        String(broker.port),
        "-V",
        v!,
        "-q",
        q!,
        "-i",
        `mis-${v}`,
        "-t",
        "m/t",
        "-m",
        "x",
      ]);
      assert.equal(ran.code, 0, ran.stderr);
      pubs.push(ran);
    }
    const cli = await runClient("redis-cli", ["-p", String(redis.port), "SET", "mqtt", "no"]);
    assert.equal(cli.code, 0, cli.stderr);
    const httpPort = await sendGarbage(once.port, [enc(VALID_REQUEST)], OK_RESPONSE.length);
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);

    // A later real client may get a closed garbage connection's port: those are not garbage.
    const realPorts = new Set(
      records.filter((r) => pubs.some((p) => p.pid === r.pid) || r.pid === cli.pid).map((r) => r.local_port),
    );
    const garbage = new Set(garbagePorts.filter((p) => !realPorts.has(p)));
    const onGarbage = records.filter((r) =>
      (r.pid === Deno.pid && (garbage.has(r.local_port) || r.local_port === sink.port)) ||
      (r.pid === broker!.pid && garbage.has(r.remote_port))
    );
    assert.deepEqual(onGarbage, [], "records made of garbage");
    // Each publisher: three MQTT records on its side and the broker's, nothing else.
    const types = (rs: L7Record[]) => byTime(rs).map((r) => [r.protocol, (r.req as { type: string }).type]);
    const want = [["mqtt", "CONNECT"], ["mqtt", "PUBLISH"], ["mqtt", "DISCONNECT"]];
    for (const p of pubs) {
      const mine = recordsOf(records, p.pid, "client");
      assert.deepEqual(types(mine), want);
      assert.deepEqual(
        types(records.filter((r) => r.pid === broker!.pid && r.remote_port === mine[0]!.local_port)),
        want,
      );
    }
    assert.equal(recordsOf(records, broker.pid, "server").length, 6);
    // Redis and HTTP stay themselves.
    assert.deepEqual(recordsOf(records, cli.pid, "client").map((r) => [r.protocol, (r.req as RedisRequest).command]), [[
      "redis",
      "SET",
    ]]);
    const http = records.filter((r) => r.pid === Deno.pid && (r.local_port === httpPort || r.local_port === once.port));
    assert.deepEqual(http.map((r) => [r.protocol, r.side, req(r).path]).sort(), [["http", "client", "/v"], [
      "http",
      "server",
      "/v",
    ]]);
  } finally {
    sink.close();
    once.close();
    await Promise.all([sink.done, once.done]);
    await stopAll(broker, redis);
  }
});

const MEMCACHED_CLIENT = new URL("./clients/memcached_client.py", import.meta.url).pathname;

Deno.test("memcached traffic is taken for no other protocol, and no other protocol's for memcached", async () => {
  let nginx: Server | undefined;
  let redis: Server | undefined;
  let mc: Server | undefined;
  const sink = garbageListener("discard", 5);
  try {
    nginx = await startNginx(`location /m/ { return 200 "$uri"; }`);
    redis = await startRedis();
    mc = await startMemcached();
    const tracer = await startTracer();
    const memcachedRun = runClient("python3", [MEMCACHED_CLIENT, "text", "127.0.0.1", String(mc.port)]);
    const binaryRun = runClient("python3", [MEMCACHED_CLIENT, "binary", "127.0.0.1", String(mc.port)]);
    const redisRun = runClient("redis-cli", ["-p", String(redis.port), "SET", "mk", "mv"]);
    const curlRun = runClient("curl", ["-s", "-o", "/dev/null", `http://127.0.0.1:${nginx.port}/m/1`]);
    // Other protocols' first messages to memcached (it answers ERROR to lines it does not know).
    const toMemcached = [
      enc("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"),
      enc("GET /x HTTP/1.1\r\nHost: m\r\n\r\n"),
      Uint8Array.from([9, 0, 0, 0, 3, ...enc("SELECT 1")]), // MySQL COM_QUERY
      Uint8Array.from([0x51, 0, 0, 0, 13, ...enc("select 1"), 0]), // PostgreSQL Query
      Uint8Array.from([
        0,
        29,
        0x12,
        0x34,
        1,
        0,
        0,
        1,
        0,
        0,
        0,
        0,
        0,
        0,
        4,
        ...enc("host"),
        4,
        ...enc("test"),
        0,
        0,
        1,
        0,
        1,
      ]),
      Uint8Array.from([0x10, 0x10, 0, 4, ...enc("MQTT"), 4, 2, 0, 60, 0, 4, ...enc("test")]), // MQTT CONNECT
    ].map((b) => sendGarbage(mc!.port, [b]));
    // memcached words wrapped in garbage: "get " with binary keys, and lines never ended.
    const mcGarbage = [
      sendGarbage(sink.port, garbage("get ", 80)),
      sendGarbage(sink.port, garbage("set k 0 0 5\r\n", 81)),
      sendGarbage(sink.port, [enc("gets " + "k".repeat(300))]),
    ];
    const [mcRun, binRun, redisCli, curl, otherPorts, garbagePorts] = await Promise.all([
      memcachedRun,
      binaryRun,
      redisRun,
      curlRun,
      Promise.all(toMemcached),
      Promise.all(mcGarbage),
    ]);
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    for (const r of [mcRun, binRun, redisCli, curl]) assert.equal(r.code, 0, r.stderr);

    // memcached: the 26 exchanges of the text session on each side, all memcached.
    const mcClient = recordsOf(records, mcRun.pid, "client");
    assert.equal(mcClient.length, 26, JSON.stringify(mcClient));
    const mcPort = mcClient[0]!.local_port;
    // And the 14 of the binary session.
    const binClient = recordsOf(records, binRun.pid, "client");
    assert.equal(binClient.length, 14, JSON.stringify(binClient));
    const binPort = binClient[0]!.local_port;
    const mcServer = recordsOf(records, mc.pid, "server").filter((r) => r.protocol === "memcached");
    assert.deepEqual(
      mcServer.map((r) => r.remote_port).sort(),
      [...Array(26).fill(mcPort), ...Array(14).fill(binPort)].sort(),
      JSON.stringify(mcServer),
    );
    for (const r of [...mcClient, ...binClient, ...mcServer]) assert.equal(r.protocol, "memcached");
    // Nothing else is memcached, from any process.
    const mcPids = [mcRun.pid, binRun.pid, mc.pid];
    const others = records.filter((r) => r.protocol === "memcached" && !mcPids.includes(r.pid));
    assert.deepEqual(others, []);
    // Redis and HTTP stay themselves, exactly once per side.
    const redisRecs = [...recordsOf(records, redisCli.pid, "client"), ...recordsOf(records, redis.pid, "server")];
    assert.deepEqual(redisRecs.map((r) => [r.protocol, (r.req as RedisRequest).command, r.resp]), [
      ["redis", "SET", { type: "string", value: "OK" }],
      ["redis", "SET", { type: "string", value: "OK" }],
    ]);
    const httpRecs = [...recordsOf(records, curl.pid, "client"), ...recordsOf(records, nginx.pid, "server")];
    assert.deepEqual(httpRecs.map((r) => [r.protocol, req(r).path, resp(r)?.status]), [
      ["http", "/m/1", 200],
      ["http", "/m/1", 200],
    ]);
    // The foreign messages to memcached keep their own protocol (their requests, unanswered
    // since memcached answers nothing they parse), and the memcached-like garbage invents no pair.
    const foreign = new Set([...otherPorts, ...garbagePorts]);
    const onForeign = records.filter((r) =>
      (r.pid === Deno.pid && (foreign.has(r.local_port) || r.local_port === sink.port)) ||
      (r.pid === mc!.pid && foreign.has(r.remote_port))
    );
    assert.deepEqual(onForeign.filter((r) => r.protocol === "memcached" || r.resp !== null), []);
  } finally {
    sink.close();
    await sink.done;
    await stopAll(nginx, redis, mc);
  }
});

/** Run by Debian's python3, the interpreter python3-pika is installed for. */
const AMQP_CLIENT = new URL("./clients/amqp_client.py", import.meta.url).pathname;
const AMQP_HEADER = Uint8Array.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);

Deno.test("AMQP is taken for nothing else, and nothing else (AMQP-shaped garbage included) for AMQP", async () => {
  let broker: Server | undefined;
  let redis: Server | undefined;
  const sink = garbageListener("discard", 7);
  const late: Deno.TcpConn[] = [];
  try {
    broker = await startRabbitmq();
    redis = await startRedis();
    // A Queue.Declare method frame, whole.
    const declare = Uint8Array.from([1, 0, 1, 0, 0, 0, 13, 0, 50, 0, 10, 0, 0, 1, 0x71, 0, 0, 0, 0, 0, 0xce]);
    // Opened before l7trace: method frames the mid-stream rule must refuse. A Basic.Ack (either end sends
    // one: the roles are unknown), a Basic.Get on channel 0, a Queue.Declare cut short of its size.
    const lateLike = [
      Uint8Array.from([1, 0, 1, 0, 0, 0, 13, 0, 60, 0, 80, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0xce]),
      Uint8Array.from([1, 0, 0, 0, 0, 0, 7, 0, 60, 0, 70, 0, 0, 1, 0x71, 0, 0xce]),
      declare.subarray(0, 18),
    ];
    for (const _ of lateLike) late.push(await Deno.connect({ hostname: "127.0.0.1", port: sink.port }));
    const tracer = await startTracer();
    for (const [i, conn] of late.entries()) await conn.write(lateLike[i]!);
    const random = prng(91);
    const flows = [
      // The protocol header with more bytes in the same write, cut in two writes, of another version.
      sendGarbage(sink.port, [concat(AMQP_HEADER, random(40))]),
      sendGarbage(sink.port, [AMQP_HEADER.subarray(0, 4), AMQP_HEADER.subarray(4)]),
      sendGarbage(sink.port, [Uint8Array.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 2])]),
      // On a connection seen open, no rule infers AMQP from a method frame.
      sendGarbage(sink.port, [declare, random(64)]),
      // The header then garbage in later writes: AMQP, but nothing parses, so no record.
      sendGarbage(sink.port, [AMQP_HEADER, random(100), random(30)]),
      // Other protocols' first messages to RabbitMQ (it answers with its own header and closes).
      sendGarbage(broker.port, [enc("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")]),
      sendGarbage(broker.port, [enc(VALID_REQUEST)]),
      sendGarbage(broker.port, [mqttPacket(0x10, [0, 4, ...enc("MQTT"), 4, 2, 0, 60, 0, 1, 0x67])]),
      sendGarbage(broker.port, [random(300)]),
    ];
    const garbagePorts = await Promise.all(flows);
    const [amqp, cli] = await Promise.all([
      runClient("/usr/bin/python3", [AMQP_CLIENT, String(broker.port)]),
      runClient("redis-cli", ["-p", String(redis.port), "SET", "amqp", "no"]),
    ]);
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    assert.equal(amqp.code, 0, amqp.stderr);
    assert.equal(cli.code, 0, cli.stderr);

    // The pika session: every record AMQP, the same number on the broker's side of its connection.
    const mine = recordsOf(records, amqp.pid, "client");
    assert.equal(mine.length, 34, JSON.stringify(mine.map((r) => (r.req as { method: string }).method)));
    assert.deepEqual(mine.filter((r) => r.protocol !== "amqp"), []);
    const port = mine[0]!.local_port;
    const theirs = records.filter((r) => r.pid === broker!.pid && r.remote_port === port);
    assert.equal(theirs.length, 34);
    assert.deepEqual(theirs.filter((r) => r.protocol !== "amqp" || r.side !== "server"), []);
    // Nothing else is AMQP, from any process; garbage and foreign messages invent no pair.
    const realPorts = new Set([port, ...recordsOf(records, cli.pid, "client").map((r) => r.local_port)]);
    const foreign = new Set(garbagePorts.filter((p) => !realPorts.has(p)));
    assert.deepEqual(records.filter((r) => r.protocol === "amqp" && r.pid !== amqp.pid && r.pid !== broker!.pid), []);
    const onForeign = records.filter((r) =>
      (r.pid === Deno.pid && (foreign.has(r.local_port) || r.local_port === sink.port)) ||
      (r.pid === broker!.pid && foreign.has(r.remote_port))
    );
    assert.deepEqual(onForeign.filter((r) => r.protocol === "amqp" || r.resp !== null), []);
    const latePorts = late.map((c) => (c.localAddr as Deno.NetAddr).port);
    assert.deepEqual(records.filter((r) => latePorts.includes(r.local_port) || latePorts.includes(r.remote_port)), []);
    // Redis stays itself, once per side.
    const redisRecs = [...recordsOf(records, cli.pid, "client"), ...recordsOf(records, redis.pid, "server")];
    assert.deepEqual(redisRecs.map((r) => [r.protocol, (r.req as RedisRequest).command, r.resp]), [
      ["redis", "SET", { type: "string", value: "OK" }],
      ["redis", "SET", { type: "string", value: "OK" }],
    ]);
  } finally {
    for (const conn of late) conn.close();
    sink.close();
    await sink.done;
    await stopAll(broker, redis);
  }
});

const NATS_CLIENT = new URL("./clients/nats_client.py", import.meta.url).pathname;

Deno.test("NATS is taken for nothing else, and nothing else (NATS-shaped garbage, HTTP CONNECT, inline PING) for NATS", async () => {
  let nginx: Server | undefined;
  let redis: Server | undefined;
  let mc: Server | undefined;
  let nats: Server | undefined;
  const sink = garbageListener("discard", 6);
  try {
    nginx = await startNginx(`location /n/ { return 200 "$uri"; }`);
    redis = await startRedis();
    mc = await startMemcached();
    nats = await startNats();
    // Opened before l7trace: NATS operations the mid-stream rule must refuse (shorter than its 16-byte
    // peek, a tab or a doubled space in the line), each of which the NATS parser would take.
    const lateLike = ["PUB a 1\r\nx\r\n", "MSG a 1 1\r\nx\r\n", "PUB a.b\tc 1\r\nx\r\n", "PUB  a.bc 1\r\nx\r\n"];
    const late = await Promise.all(lateLike.map(() => Deno.connect({ hostname: "127.0.0.1", port: sink.port })));
    const tracer = await startTracer();
    for (const [i, conn] of late.entries()) await conn.write(enc(lateLike[i]!));
    const natsRun = runClient("python3", [NATS_CLIENT, "pedantic", "127.0.0.1", String(nats.port)]);
    const mcRun = runClient("python3", [MEMCACHED_CLIENT, "text", "127.0.0.1", String(mc.port)]);
    const redisRun = runClient("redis-cli", ["-p", String(redis.port), "SET", "nk", "nv"]);
    const curlRun = runClient("curl", ["-s", "-o", "/dev/null", `http://127.0.0.1:${nginx.port}/n/1`]);
    // HTTP's CONNECT method (nginx refuses it) and Redis's inline PING, whole syscalls of their own.
    const httpConnect = sendGarbage(nginx.port, [
      enc("CONNECT example.test:443 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ], 1);
    const inlinePing = sendGarbage(redis.port, [enc("PING\r\n")], 1);
    // NATS lines without their rule's shape, and NATS operations mid-stream, to a listener that answers nothing.
    const random = prng(61);
    const natsLike = [
      [concat(enc("INFO {"), random(100))],
      [concat(enc("CONNECT {"), random(100))],
      [enc("CONNECT {x")],
      [enc("INFO{}\r\n" + "x".repeat(40))],
      [enc('info {"server_id":"x"}\r\n')],
      [enc("PUB a.b 1\r\nx\r\n")],
      [enc("MSG a.b 1 1\r\nx\r\n")],
      [enc("SUB a.> 1\r\n")],
      [enc("PING\r\n"), enc("PONG\r\n")],
    ].map((chunks) => sendGarbage(sink.port, chunks));
    // Other protocols' first messages to nats-server: its INFO came first, so these are NATS connections
    // whose client bytes parse as nothing (and nats-server answers -ERR and closes).
    const toNats = [
      enc("GET /x HTTP/1.1\r\nHost: n\r\n\r\n"),
      enc("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"),
      enc("get k\r\n"),
    ].map((b) => sendGarbage(nats!.port, [b], 1));
    const [natsRan, mcRan, redisCli, curl, connectPort, pingPort, likePorts, foreignPorts] = await Promise.all([
      natsRun,
      mcRun,
      redisRun,
      curlRun,
      httpConnect,
      inlinePing,
      Promise.all(natsLike),
      Promise.all(toNats),
    ]);
    await sleep(200);
    const { records, code, stderr } = await tracer.stop();
    for (const conn of late) conn.close();
    assert.equal(code, 0, stderr);
    for (const r of [natsRan, mcRan, redisCli, curl]) assert.equal(r.code, 0, r.stderr);
    const latePorts = late.map((c) => (c.localAddr as Deno.NetAddr).port);
    assert.deepEqual(records.filter((r) => latePorts.includes(r.local_port) || latePorts.includes(r.remote_port)), []);

    // NATS: the pedantic session's 5 records (INFO included; a PING the server may send aside) on each side, all NATS.
    const natsClient = recordsOf(records, natsRan.pid, "client");
    const fromServer = (r: L7Record) => {
      const q = r.req as { op?: string; sender?: string };
      return q.op === "PING" && q.sender === "server";
    };
    const own = natsClient.filter((r) => !fromServer(r));
    assert.equal(own.length, 5, JSON.stringify(natsClient));
    assert.deepEqual(natsClient.map((r) => r.protocol), Array(natsClient.length).fill("nats"));
    const natsPort = natsClient[0]!.local_port;
    const natsServer = recordsOf(records, nats.pid, "server").filter((r) => r.remote_port === natsPort);
    assert.deepEqual(
      natsServer.map((r) => [r.protocol, r.req, r.resp, r.req_bytes, r.resp_bytes]),
      natsClient.map((r) => [r.protocol, r.req, r.resp, r.req_bytes, r.resp_bytes]),
    );
    // Nothing else is NATS, from any process: not the HTTP CONNECT, not the inline PING, not the look-alikes.
    const natsPids = [natsRan.pid, nats.pid];
    const foreign = new Set(foreignPorts);
    const strays = records.filter((r) =>
      r.protocol === "nats" && !natsPids.includes(r.pid) && !(r.pid === Deno.pid && foreign.has(r.local_port))
    );
    assert.deepEqual(strays, []);
    // The other protocols stay themselves.
    const mcRecs = recordsOf(records, mcRan.pid, "client");
    assert.equal(mcRecs.length, 26);
    assert.ok(mcRecs.every((r) => r.protocol === "memcached"));
    const redisRecs = [...recordsOf(records, redisCli.pid, "client"), ...recordsOf(records, redis.pid, "server")];
    const ping = redisRecs.filter((r) => r.remote_port === pingPort);
    assert.deepEqual(ping.map((r) => [r.protocol, (r.req as RedisRequest).command, r.resp]), [
      ["redis", "PING", { type: "string", value: "PONG" }],
    ]);
    assert.deepEqual(redisRecs.filter((r) => r.remote_port !== pingPort).map((r) => [r.protocol, r.resp]), [
      ["redis", { type: "string", value: "OK" }],
      ["redis", { type: "string", value: "OK" }],
    ]);
    const connect = records.filter((r) => r.pid === nginx!.pid && r.remote_port === connectPort);
    assert.deepEqual(connect.map((r) => [r.protocol, req(r).method, resp(r)?.status]), [["http", "CONNECT", 400]]);
    const httpRecs = [...recordsOf(records, curl.pid, "client"), ...recordsOf(records, nginx.pid, "server")]
      .filter((r) => r.remote_port !== connectPort);
    assert.deepEqual(httpRecs.map((r) => [r.protocol, req(r).path]), [["http", "/n/1"], ["http", "/n/1"]]);
    // The look-alikes reached no parser as NATS; the foreign first messages to nats-server
    // are NATS connections (its INFO), where they invent no answered record.
    const like = new Set(likePorts);
    assert.deepEqual(
      records.filter((r) => like.has(r.local_port) || like.has(r.remote_port)).filter((r) => r.protocol === "nats"),
      [],
    );
    const onForeign = records.filter((r) => r.pid === nats!.pid && foreign.has(r.remote_port));
    assert.ok(onForeign.length >= 3, JSON.stringify(onForeign));
    assert.deepEqual(onForeign.filter((r) => r.protocol !== "nats" || r.resp !== null), []);
  } finally {
    sink.close();
    await sink.done;
    await stopAll(nginx, redis, mc, nats);
  }
});
