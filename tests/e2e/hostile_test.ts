/**
 * Hostile bytes (root): while l7trace traces the whole host, connections
 * send nginx random bytes, 10,000 headers, a 1 MiB header line, chunk
 * sizes of 2^64-1 and 2^63, and a request one byte at a time; a fake Redis
 * answers an array of 2^31 elements, a fake MySQL a packet header claiming
 * 16 MiB with nothing behind it. Meanwhile curl's well-formed requests to
 * the same nginx are all reported exactly. l7trace stays up, keeps its
 * memory, invents nothing, counts the garbage as invalid frames, and exits
 * 0 on SIGINT.
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import { freePort, sleep, startNginx } from "./harness.ts";
import { req, resp } from "./http_records.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const enc = new TextEncoder();

/** Resident memory of a process in bytes (/proc/<pid>/status VmRSS). */
async function rss(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const m = status.match(/^VmRSS:\s+(\d+) kB$/m);
  assert.ok(m, `no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/**
 * `l7trace watch --json <args>` as a child of ours (startTracer does not
 * expose the pid, which the memory check needs).
 */
async function spawnTracer(args: string[] = []) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "watch", "--json", ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new Response(child.stdout).text();
  let stderr = "";
  const errDone = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderr += chunk;
  })();
  const deadline = Date.now() + 30_000;
  while (!stderr.includes("ready")) {
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`l7trace did not get ready: ${stderr}`);
    }
    await sleep(50);
  }
  return {
    pid: child.pid,
    async stop(): Promise<{ records: L7Record[]; stderr: string; code: number }> {
      // Let the last events reach user space before stopping.
      await sleep(300);
      child.kill("SIGINT");
      const status = await child.status;
      await errDone;
      const records = (await stdout).split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as L7Record);
      return { records, stderr, code: status.code };
    },
    kill() {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    },
  };
}

/**
 * One connection to `port`: sends each piece (waiting `gapMs` between
 * pieces), then reads until the peer closes or `readMs` pass. Write errors
 * (the peer resetting a connection it gave up on) end the sending. Returns
 * the local port and what came back.
 */
async function send(
  port: number,
  pieces: Uint8Array[],
  opts: { gapMs?: number; readMs?: number } = {},
): Promise<{ localPort: number; answer: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const localPort = (conn.localAddr as Deno.NetAddr).port;
  const chunks: Uint8Array[] = [];
  const reading = (async () => {
    const buf = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) return;
        chunks.push(buf.slice(0, n));
      }
    } catch {
      // Reset by the peer.
    }
  })();
  try {
    for (const p of pieces) {
      let off = 0;
      while (off < p.length) off += await conn.write(p.subarray(off));
      if (opts.gapMs) await sleep(opts.gapMs);
    }
  } catch {
    // The peer closed or reset: it has heard enough.
  }
  const timer = sleep(opts.readMs ?? 2000);
  await Promise.race([reading, timer]);
  try {
    conn.close();
  } catch {
    // Already closed.
  }
  await reading;
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) all.set(c, at), (at += c.length);
  return { localPort, answer: new TextDecoder().decode(all) };
}

/**
 * A fake server on a free loopback port: for each connection, waits for
 * `expect` bytes, writes `reply`, then keeps the connection open `holdMs`
 * and closes it.
 */
function fakeServer(expect: number, reply: Uint8Array, holdMs: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: freePort() });
  const port = (listener.addr as Deno.NetAddr).port;
  const served = (async () => {
    const conn = await listener.accept();
    const buf = new Uint8Array(4096);
    let got = 0;
    try {
      while (got < expect) {
        const n = await conn.read(buf);
        if (n === null) break;
        got += n;
      }
      await conn.write(reply);
      await sleep(holdMs);
    } finally {
      conn.close();
    }
  })();
  let closed = false;
  return {
    port,
    async close() {
      // A connection never accepted (a test that failed early) ends the accept.
      if (!closed) listener.close();
      closed = true;
      await served.catch(() => {});
    },
  };
}

/** curl GET; returns its pid and the status it got. */
async function curl(url: string): Promise<{ pid: number; status: string }> {
  const child = new Deno.Command("curl", {
    args: ["-s", "-o", "/dev/null", "-w", "%{http_code}", url],
    stdout: "piped",
  }).spawn();
  const out = await child.output();
  assert.equal(out.code, 0, `curl ${url}`);
  return { pid: child.pid, status: new TextDecoder().decode(out.stdout) };
}

/** The bytes curl sends for GET `path` to `host`. */
function curlRequestBytes(path: string, host: string, ua: string): number {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${ua}\r\nAccept: */*\r\n\r\n`.length;
}

/** Records of one connection of ours (client side) and of its server side. */
function connRecords(records: L7Record[], serverPid: number, serverPort: number, localPort: number) {
  const client = records.filter((r) =>
    r.pid === Deno.pid && r.side === "client" && r.local_port === localPort && r.remote_port === serverPort
  );
  const server = records.filter((r) =>
    r.pid === serverPid && r.side === "server" && r.local_port === serverPort && r.remote_port === localPort
  );
  return { client, server };
}

/** The status code of the first HTTP response in `text`, or null. */
function statusOf(text: string): number | null {
  const m = text.match(/^HTTP\/1\.1 (\d{3}) /);
  return m ? Number(m[1]) : null;
}

Deno.test("hostile bytes: l7trace stays up, bounded and exact; curl's requests beside them are all reported", async () => {
  const nginx = await startNginx(`location = /ok { return 200 "ok\\n"; }`);
  const redisReply = enc.encode("*2147483648\r\n");
  const redisCommand = enc.encode("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n");
  const redis = fakeServer(redisCommand.length, redisReply, 300);
  // COM_QUERY "SELECT 1": 3-byte length 9, sequence 0, command 0x03.
  const mysqlQuery = new Uint8Array([9, 0, 0, 0, 0x03, ...enc.encode("SELECT 1")]);
  // Header of the answer: length 0xffffff (the maximum, "more packets follow"), sequence 1, no payload.
  const mysql = fakeServer(mysqlQuery.length, new Uint8Array([0xff, 0xff, 0xff, 0x01]), 300);
  let tracer: Awaited<ReturnType<typeof spawnTracer>> | undefined;
  try {
    tracer = await spawnTracer();
    const pid = tracer.pid;
    let rssPeak = await rss(pid);
    const sampler = setInterval(() => {
      rss(pid).then((n) => rssPeak = Math.max(rssPeak, n), () => {});
    }, 100);

    const port = nginx.port;
    const random = new Uint8Array(64 * 1024);
    crypto.getRandomValues(random);
    // Never a method name or "HTTP/" at the start: this is garbage.
    random[0] = 0x01;
    const manyHeaders = "GET /ok HTTP/1.1\r\nHost: many\r\n" +
      Array.from({ length: 10_000 }, (_, i) => `X-H${i}: v${i}\r\n`).join("") + "\r\n";
    const longLine = `GET /ok HTTP/1.1\r\nHost: long\r\nX-Long: ${"a".repeat(1 << 20)}\r\n\r\n`;
    const chunked = (size: string) =>
      `POST /ok HTTP/1.1\r\nHost: chunk\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\n${"z".repeat(64)}\r\n0\r\n\r\n`;
    const slow = "GET /ok HTTP/1.1\r\nHost: slow\r\n\r\n";

    const hostile = Promise.all([
      send(port, [random]),
      send(port, [enc.encode(manyHeaders)]),
      send(port, [enc.encode(longLine)]),
      send(port, [enc.encode(chunked("ffffffffffffffff"))]),
      send(port, [enc.encode(chunked("8000000000000000"))]),
      send(port, [...enc.encode(slow)].map((b) => new Uint8Array([b])), { gapMs: 5 }),
      send(redis.port, [redisCommand], { readMs: 1000 }),
      send(mysql.port, [mysqlQuery], { readMs: 1000 }),
    ]);
    // Well-formed requests from other processes all along: at least 40,
    // and until every hostile connection is over.
    const curls: { pid: number; status: string }[] = [];
    let hostileDone = false;
    const over = () => hostileDone = true;
    hostile.then(over, over);
    const good = (async () => {
      while (curls.length < 40 || !hostileDone) {
        curls.push(await curl(`http://127.0.0.1:${port}/ok?n=${curls.length}`));
      }
    })();
    const [sent] = await Promise.all([hostile, good]);
    const [rnd, many, long, chunkMax, chunkHalf, slowly, redisConn, mysqlConn] = sent;
    await redis.close();
    await mysql.close();
    clearInterval(sampler);
    const { records, stderr, code } = await tracer.stop();
    tracer = undefined;

    assert.equal(code, 0, stderr);
    // deno-lint-ignore no-console
    console.log(
      `hostile: ${curls.length} curls; l7trace RSS peaked at ${(rssPeak / (1 << 20)).toFixed(1)} MiB; ` +
        stderr.trim().split("\n").pop(),
    );
    // Baseline is ~120 MiB (V8, two workers, two 8 MiB rings). A parser
    // that believed a claimed length (2^31 Redis elements, 2^64 chunk
    // bytes, 16 MiB MySQL payload) or held the 1 MiB header would show
    // here; 400 MiB leaves room for V8's heap growth and nothing more.
    assert.ok(rssPeak < 400 * (1 << 20), `l7trace RSS peaked at ${(rssPeak / (1 << 20)).toFixed(1)} MiB`);
    const summary = stderr.match(/(\d+) invalid frames/);
    assert.ok(summary, stderr);
    assert.ok(Number(summary[1]) > 0, `invalid frames: ${summary[0]}`);

    // curl: every request, both sides, exactly.
    assert.ok(curls.length >= 40);
    curls.forEach(({ pid, status }, i) => {
      assert.equal(status, "200");
      const [c, ...more] = records.filter((r) => r.pid === pid);
      assert.ok(c, `curl ${i} not reported`);
      assert.deepEqual(more, [], `curl ${i} reported more than once`);
      assert.equal(c.side, "client");
      assert.equal(c.comm, "curl");
      assert.equal(c.remote_port, port);
      const path = `/ok?n=${i}`;
      const server = records.filter((r) => r.pid === nginx.pid && r.remote_port === c.local_port);
      assert.equal(server.length, 1, `nginx side of curl ${i}: ${JSON.stringify(server)}`);
      for (const r of [c, server[0]!]) {
        assert.equal(r.protocol, "http");
        assert.deepEqual(
          [req(r).method, req(r).path, req(r).host, resp(r).status, resp(r).body, resp(r).body_truncated],
          ["GET", path, `127.0.0.1:${port}`, 200, "ok\n", false],
        );
        assert.equal(r.req_bytes, curlRequestBytes(path, `127.0.0.1:${port}`, req(c).headers["user-agent"]!));
        assert.equal(r.resp_bytes, c.resp_bytes);
      }
    });

    // Garbage: nothing may be invented. A record made of these connections
    // could only be exact if l7trace had seen a whole valid request and its
    // answer; none of them carries one, so none may be reported, on either
    // side (the invalid frames desync the connection, and a desynced
    // connection drops what it queued: README, "Never a wrong pair").
    const none = (name: string, serverPid: number, serverPort: number, localPort: number) =>
      assert.deepEqual(connRecords(records, serverPid, serverPort, localPort), { client: [], server: [] }, name);

    // Random bytes: nginx answers 400, which starts like HTTP; no request
    // was ever seen, so the answer alone makes no record.
    assert.equal(statusOf(rnd.answer), 400);
    none("random bytes", nginx.pid, port, rnd.localPort);

    // 10,000 headers (about 150 KB of head) and a 1 MiB header line: nginx
    // refuses them (its header buffers are 4 x 8 KiB); l7trace's HTTP head
    // limits are 64 KiB and 256 headers: an invalid frame on both sides.
    assert.equal(statusOf(many.answer), 400, many.answer.slice(0, 100));
    none("10,000 headers", nginx.pid, port, many.localPort);
    assert.equal(statusOf(long.answer), 400, long.answer.slice(0, 100));
    none("1 MiB header line", nginx.pid, port, long.localPort);

    // Chunk sizes 2^64-1 and 2^63: nginx rejects the body with 400. The body
    // is no valid chunked body, so no record can say what was sent; above
    // all none may claim a body of a believed 2^64 bytes.
    assert.equal(statusOf(chunkMax.answer), 400, chunkMax.answer.slice(0, 100));
    none("chunk size ffffffffffffffff", nginx.pid, port, chunkMax.localPort);
    assert.equal(statusOf(chunkHalf.answer), 400, chunkHalf.answer.slice(0, 100));
    none("chunk size 8000000000000000", nginx.pid, port, chunkHalf.localPort);

    // One byte at a time: valid, but the kernel infers HTTP only from a
    // syscall of at least 16 bytes, so the request is seen on neither side
    // (README, Limits) and nginx's answer alone must make no record.
    assert.equal(statusOf(slowly.answer), 200);
    none("one byte at a time", nginx.pid, port, slowly.localPort);

    // Fake Redis: `*2147483648` is beyond any array (at most 2^31 - 1
    // elements): an invalid reply, so the GET it answered is dropped too.
    assert.equal(redisConn.answer, "*2147483648\r\n");
    none("Redis *2147483648", Deno.pid, redis.port, redisConn.localPort);

    // Fake MySQL: a packet header claiming 2^24 - 1 bytes and nothing
    // behind it before the close. The query was seen whole; the connection
    // closed before any answer did: one record per side, `resp` null.
    assert.deepEqual([...enc.encode(mysqlConn.answer)], [0xef, 0xbf, 0xbd, 0xef, 0xbf, 0xbd, 0xef, 0xbf, 0xbd, 1]);
    const mysqlSide = connRecords(records, Deno.pid, mysql.port, mysqlConn.localPort);
    for (const [side, rs] of Object.entries(mysqlSide)) {
      assert.deepEqual(rs.map((r) => [r.protocol, r.req, r.resp, r.latency_ms, r.req_bytes, r.resp_bytes]), [
        ["mysql", { command: "COM_QUERY", query: "SELECT 1" }, null, null, mysqlQuery.length, 0],
      ], `MySQL ${side}: ${JSON.stringify(rs)}`);
    }
  } finally {
    tracer?.kill();
    await redis.close();
    await mysql.close();
    await nginx.stop();
  }
});
