/**
 * End-to-end capture paths (root): sendfile, vectored I/O, IPv6, large
 * writes, connections older than l7trace, fd reuse, and loss.
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import { req, resp } from "./http_records.ts";
import { recordsOf, socketClient, startNginx, startTestHttpServer, startTracer } from "./harness.ts";
import { CaptureReader } from "../../lib/capture/format.ts";
import { Direction, EventKind, Layout } from "../../ffi/shim.ts";

function byTime(records: L7Record[]): L7Record[] {
  return [...records].sort((a, b) => a.ts.localeCompare(b.ts));
}

/** Payload lengths of the data events of process `pid` in a capture, by direction. */
async function dataEvents(path: string, pid: number): Promise<{ send: number[]; recv: number[] }> {
  const out = { send: [] as number[], recv: [] as number[] };
  const { reader } = await CaptureReader.open(path);
  for (let block; (block = await reader.next());) {
    const e = block.events;
    const v = new DataView(e.buffer, e.byteOffset, e.byteLength);
    for (let at = 0; at < e.length; at += (v.getUint32(at, true) + 7) & ~7) {
      if (v.getUint16(at + Layout.header.kind, true) !== EventKind.Data) continue;
      if (v.getUint32(at + Layout.header.tgid, true) !== pid) continue;
      const len = v.getUint32(at + Layout.data.len, true);
      (e[at + Layout.header.direction] === Direction.Send ? out.send : out.recv).push(len);
    }
  }
  return out;
}

async function curl(args: string[]): Promise<number> {
  const child = new Deno.Command("curl", {
    args: ["-s", "-o", "/dev/null", ...args],
  }).spawn();
  assert.equal((await child.status).code, 0, `curl ${args.join(" ")}`);
  return child.pid;
}

Deno.test("nginx serving a static file with sendfile gives the right status and size", async () => {
  const file = new Uint8Array(100 * 1024).fill(97);
  const nginx = await startNginx("sendfile on; tcp_nopush off;", {
    "data.bin": file,
  });
  const tracer = await startTracer();
  const curlPid = await curl([
    `http://127.0.0.1:${nginx.port}/data.bin`,
    "-o",
    "/dev/null",
    `http://127.0.0.1:${nginx.port}/data.bin`,
  ]);
  const { records } = await tracer.stop();
  await nginx.stop();

  const server = byTime(recordsOf(records, nginx.pid, "server"));
  const client = byTime(recordsOf(records, curlPid, "client"));
  assert.equal(server.length, 2, JSON.stringify(records));
  for (const r of server) {
    assert.equal(req(r).path, "/data.bin");
    assert.equal(resp(r).status, 200);
    assert.equal(resp(r).headers["content-length"], "102400");
    // The body never passed through nginx's memory: it is known only by length.
    assert.equal(resp(r).body, "");
    assert.equal(resp(r).body_truncated, true);
  }
  assert.equal(client.length, 2);
  for (let i = 0; i < 2; i++) {
    assert.equal(server[i]!.resp_bytes, client[i]!.resp_bytes);
  }
  assert.ok(
    server[0]!.resp_bytes > 102400 && server[0]!.resp_bytes < 102400 + 400,
  );
  assert.equal(resp(client[0]!).body, "a".repeat(1024));
});

Deno.test("a client using sendmsg/recvmsg and writev/readv is traced, one event a syscall", async () => {
  const py = await startTestHttpServer();
  const dir = await Deno.makeTempDir({ prefix: "l7trace-vectored-" });
  const tracer = await startTracer(["--save", `${dir}/cap`]);
  const client = await socketClient(["vectored", "127.0.0.1", String(py.port)]);
  const { records } = await tracer.stop();
  await py.stop();
  // sendmsg of 3 iovecs and writev of 2: each syscall's bytes in one event.
  const events = await dataEvents(`${dir}/cap`, client.pid);
  await Deno.remove(dir, { recursive: true });
  assert.deepEqual(events.send, [
    "GET /hello HTTP/1.1\r\nHost: vectored\r\n\r\n".length,
    "GET /echo?id=v HTTP/1.1\r\nHost: vectored\r\n\r\n".length,
  ]);
  assert.deepEqual(client.lines, ["hello", "id=v"]);

  const mine = byTime(recordsOf(records, client.pid, "client"));
  assert.deepEqual(
    mine.map((r) => [req(r).path, req(r).host, resp(r).status, resp(r).body]),
    [
      ["/hello", "vectored", 200, "hello"],
      ["/echo?id=v", "vectored", 200, "id=v"],
    ],
  );
  assert.equal(mine[0]!.comm, "python3");
  const server = byTime(recordsOf(records, py.pid, "server"));
  assert.deepEqual(server.map((r) => resp(r).body), ["hello", "id=v"]);
});

Deno.test("curl -6 to a server on ::1 reports IPv6 addresses", async () => {
  const py = await startTestHttpServer("::1");
  const tracer = await startTracer();
  const curlPid = await curl(["-6", `http://[::1]:${py.port}/hello`]);
  const { records } = await tracer.stop();
  await py.stop();

  const [c] = recordsOf(records, curlPid, "client");
  const [s] = recordsOf(records, py.pid, "server");
  assert.ok(c && s, JSON.stringify(records));
  assert.deepEqual([c.local_ip, c.remote_ip, c.remote_port], [
    "::1",
    "::1",
    py.port,
  ]);
  assert.deepEqual([s.local_ip, s.remote_ip, s.local_port, s.remote_port], [
    "::1",
    "::1",
    py.port,
    c.local_port,
  ]);
  assert.equal(resp(c).body, "hello");
});

Deno.test("a keep-alive connection opened before l7trace is traced from its next request", async () => {
  const py = await startTestHttpServer();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: py.port });
  const buf = new Uint8Array(4096);
  const ask = async (path: string, expect: string) => {
    await conn.write(
      new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: old\r\n\r\n`),
    );
    let got = "";
    while (!got.endsWith(expect)) {
      got += new TextDecoder().decode(
        buf.subarray(0, (await conn.read(buf)) ?? 0),
      );
    }
  };
  await ask("/echo?id=before", "id=before");
  const tracer = await startTracer();
  await ask("/echo?id=after", "id=after");
  await ask("/echo?id=again", "id=again");
  const { records } = await tracer.stop();
  conn.close();
  await py.stop();

  const local = (conn.localAddr as Deno.NetAddr).port;
  const client = byTime(recordsOf(records, Deno.pid, "client"));
  assert.deepEqual(
    client.map((r) => [req(r).path, resp(r).body, r.local_port, r.remote_port]),
    [
      ["/echo?id=after", "id=after", local, py.port],
      ["/echo?id=again", "id=again", local, py.port],
    ],
  );
  // The server's thread was already blocked in recv when l7trace attached:
  // that syscall's entry was never seen, so its request may be missing, but
  // everything reported must be right and the next request must be there.
  const server = byTime(recordsOf(records, py.pid, "server"));
  const expected = [
    ["/echo?id=after", "id=after", py.port, local],
    ["/echo?id=again", "id=again", py.port, local],
  ];
  assert.deepEqual(
    server.map((r) => [req(r).path, resp(r).body, r.local_port, r.remote_port]),
    server.length === 2 ? expected : expected.slice(1),
  );
});

Deno.test("a 4 MiB response in one write is sized exactly and the next request still parses", async () => {
  const py = await startTestHttpServer();
  const tracer = await startTracer();
  const base = `http://127.0.0.1:${py.port}`;
  const curlPid = await curl([
    `${base}/big4`,
    "-o",
    "/dev/null",
    `${base}/hello`,
  ]);
  const { records } = await tracer.stop();
  await py.stop();

  const client = byTime(recordsOf(records, curlPid, "client"));
  const head = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${4 << 20}\r\n\r\n`;
  assert.deepEqual(
    client.map((r) => [req(r).path, resp(r).status, r.resp_bytes]),
    [
      ["/big4", 200, head.length + (4 << 20)],
      ["/hello", 200, client[1]?.resp_bytes],
    ],
  );
  assert.equal(resp(client[0]!).body, "y".repeat(1024));
  assert.equal(resp(client[1]!).body, "hello");
  const server = byTime(recordsOf(records, py.pid, "server"));
  assert.equal(server[0]!.resp_bytes, head.length + (4 << 20));
});

Deno.test("an fd reused for new connections never joins an old stream", async () => {
  const py = await startTestHttpServer();
  const tracer = await startTracer();
  const client = await socketClient([
    "reuse",
    "127.0.0.1",
    String(py.port),
    "20",
  ]);
  const { records } = await tracer.stop();
  await py.stop();

  const fds = new Set(client.lines.map((l) => l.split(" ")[1]));
  assert.equal(fds.size, 1, "the client reused one fd number");
  const mine = byTime(recordsOf(records, client.pid, "client"));
  assert.equal(mine.length, 20);
  mine.forEach((r, i) => {
    assert.equal(req(r).path, `/echo?id=${i}`);
    assert.equal(resp(r).body, `id=${i}`);
    assert.ok(r.latency_ms! < 1000, `latency ${r.latency_ms}`);
  });
  assert.equal(
    new Set(mine.map((r) => r.local_port)).size,
    20,
    "20 distinct connections",
  );
});

Deno.test("under event loss, every reported pair is still its own", async () => {
  const nginx = await startNginx(
    `keepalive_requests 100000; location /e { return 200 "$arg_id"; }`,
  );
  // One worker with a small ring cannot keep up with 20 bursts of 300
  // pipelined requests; between bursts the client waits for every reply,
  // which is where pairing may resume.
  const tracer = await startTracer(["--workers", "1", "--ring-size", "16K", "--stats-interval", "1"]);
  const client = await socketClient([
    "burst",
    "127.0.0.1",
    String(nginx.port),
    "300",
    "20",
  ]);
  const { records, stderr } = await tracer.stop();
  await nginx.stop();
  assert.deepEqual(client.lines, ["6010"]);

  const lost = Number(/(\d+) events lost in the kernel/.exec(stderr)?.[1]);
  assert.ok(lost > 0, `expected loss with a 16 KiB ring: ${stderr}`);
  // The periodic stats line counts the loss per ring as it happens.
  const statsLines = stderr.split("\n").filter((l) => l.startsWith("l7trace: stats "));
  const last = JSON.parse(statsLines.at(-1)!.slice("l7trace: stats ".length));
  assert.equal(last.lost_events_per_ring.length, 1);
  assert.ok(last.lost_events_per_ring[0] > 0 && last.lost_events <= lost, JSON.stringify(last));
  const burst = records.filter((r) => req(r).host === "burst");
  for (const r of burst) {
    // Every request got its reply: a record without one would be a lie.
    assert.notEqual(r.resp, null, JSON.stringify(r));
    assert.equal(
      resp(r).body,
      /id=(\d+)/.exec(req(r).path)?.[1],
      JSON.stringify(r),
    );
  }
  // After the loss, pairing resumed on both sides: the paced requests are all there.
  for (
    const [pid, side] of [[nginx.pid, "server"], [
      client.pid,
      "client",
    ]] as const
  ) {
    const paced = recordsOf(burst, pid, side).map((r) => req(r).path).filter((
      p,
    ) => /id=1000\d{3}$/.test(p));
    assert.deepEqual(
      paced.sort(),
      Array.from({ length: 10 }, (_, k) => `/e?id=${1000000 + k}`),
      side,
    );
  }
});

Deno.test("after an HTTP upgrade the kernel stops sending the tunnel's bytes", async () => {
  const py = await startTestHttpServer();
  const tracer = await startTracer(["--pids", String(py.pid)]);
  const client = await socketClient(["upgrade", "127.0.0.1", String(py.port), "300"]);
  const { records, stderr } = await tracer.stop();
  await py.stop();
  assert.deepEqual(client.lines, ["HTTP/1.1 101 Switching Protocols"]);
  const mine = records.filter((r) => req(r).path === "/upgrade");
  assert.deepEqual(mine.map((r) => [r.side, resp(r).status]), [["server", 101]]);
  // The server's 300 echoes are 600 data events; once the 101 is parsed,
  // the kernel drops them before they reach a ring.
  const events = Number(/records, (\d+) events/.exec(stderr)?.[1]);
  assert.ok(events < 30, `${events} events reached user space`);
});
