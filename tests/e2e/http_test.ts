/**
 * End-to-end HTTP/1.x tracing (root): real nginx, a real Python server, curl
 * and raw sockets, with exact records asserted.
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import { freePort, recordsOf, startNginx, startTestHttpServer, startTracer } from "./harness.ts";

import { req, resp } from "./http_records.ts";

const startPyServer = () => startTestHttpServer();

/** Runs curl; returns its pid (curl exits before we look at records). */
async function curl(args: string[]): Promise<number> {
  const child = new Deno.Command("curl", {
    args: ["-s", "-o", "/dev/null", ...args],
    stdout: "null",
  }).spawn();
  const status = await child.status;
  assert.equal(status.code, 0, `curl ${args.join(" ")} failed`);
  return child.pid;
}

function byTime(records: L7Record[]): L7Record[] {
  return [...records].sort((a, b) => a.ts.localeCompare(b.ts));
}

/** The bytes curl sends for a body-less request. */
function curlRequestBytes(r: L7Record): number {
  const q = req(r);
  return `${q.method} ${q.path} HTTP/1.1\r\nHost: ${q.host}\r\nUser-Agent: ${
    q.headers["user-agent"]
  }\r\nAccept: */*\r\n\r\n`
    .length;
}

function assertCommon(
  r: L7Record,
  side: "client" | "server",
  pid: number,
): void {
  assert.equal(r.protocol, "http");
  assert.equal(r.side, side);
  assert.equal(r.pid, pid);
  assert.equal(r.tls, false);
  assert.equal(r.local_ip, "127.0.0.1");
  assert.equal(r.remote_ip, "127.0.0.1");
  assert.ok(
    r.latency_ms !== null && r.latency_ms > 0,
    `latency ${r.latency_ms} must be > 0`,
  );
  assert.match(r.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
}

/** Sends raw bytes on one connection and reads until `responses` HTTP status lines arrived. */
async function rawExchange(
  port: number,
  payloads: string[],
  expectResponses: number,
): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  let text = "";
  const buf = new Uint8Array(65536);
  for (const p of payloads) await conn.write(new TextEncoder().encode(p));
  const deadline = Date.now() + 5000;
  while (
    (text.match(/HTTP\/1\.1 \d{3}/g) ?? []).length < expectResponses &&
    Date.now() < deadline
  ) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  conn.close();
  return text;
}

Deno.test("watch reports curl to nginx on both sides with exact fields", async () => {
  const nginx = await startNginx(`location = /ok { return 200 "ok\\n"; }`);
  const tracer = await startTracer();
  const curlPid = await curl([`http://127.0.0.1:${nginx.port}/ok`]);
  const { records, code, stderr } = await tracer.stop();
  await nginx.stop();
  assert.equal(code, 0, stderr);

  const client = recordsOf(records, curlPid, "client");
  const server = recordsOf(records, nginx.pid, "server");
  assert.equal(client.length, 1, JSON.stringify(records));
  assert.equal(server.length, 1, JSON.stringify(records));
  const [c, s] = [client[0]!, server[0]!];
  assertCommon(c, "client", curlPid);
  assertCommon(s, "server", nginx.pid);
  assert.equal(c.comm, "curl");
  assert.equal(s.comm, "nginx");
  for (const r of [c, s]) {
    assert.equal(req(r).method, "GET");
    assert.equal(req(r).path, "/ok");
    assert.equal(req(r).version, "HTTP/1.1");
    assert.equal(req(r).host, `127.0.0.1:${nginx.port}`);
    assert.equal(resp(r).status, 200);
    assert.equal(resp(r).reason, "OK");
    assert.equal(resp(r).body, "ok\n");
    assert.equal(resp(r).body_truncated, false);
    assert.equal(r.req_bytes, curlRequestBytes(r));
  }
  assert.equal(c.remote_port, nginx.port);
  assert.equal(s.local_port, nginx.port);
  assert.equal(s.remote_port, c.local_port);
  assert.equal(c.resp_bytes, s.resp_bytes);
  assert.match(stderr, /1 records|2 records/);
});

Deno.test("watch pairs keep-alive requests on one connection in order", async () => {
  const py = await startPyServer();
  const tracer = await startTracer();
  const base = `http://127.0.0.1:${py.port}`;
  const curlPid = await curl([
    `${base}/hello`,
    "-o",
    "/dev/null",
    `${base}/echo?id=7`,
    "-o",
    "/dev/null",
    `${base}/chunked`,
  ]);
  const { records } = await tracer.stop();
  await py.stop();

  const client = byTime(recordsOf(records, curlPid, "client"));
  assert.deepEqual(
    client.map((r) => [req(r).path, resp(r).status, resp(r).body]),
    [
      ["/hello", 200, "hello"],
      ["/echo?id=7", 200, "id=7"],
      ["/chunked", 200, "hello chunked world"],
    ],
  );
  assert.equal(
    new Set(client.map((r) => r.local_port)).size,
    1,
    "one keep-alive connection",
  );
  assert.equal(resp(client[2]!).headers["transfer-encoding"], "chunked");
  const server = byTime(recordsOf(records, py.pid, "server"));
  assert.deepEqual(server.map((r) => resp(r).body), [
    "hello",
    "id=7",
    "hello chunked world",
  ]);
  for (const r of server) assertCommon(r, "server", py.pid);
});

Deno.test("watch pairs pipelined requests sent in one write", async () => {
  const nginx = await startNginx(`location /p { return 200 "$uri\\n"; }`);
  const tracer = await startTracer();
  const requests = ["/p1", "/p2", "/p3", "/p4"].map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join("");
  const text = await rawExchange(nginx.port, [requests], 4);
  const { records } = await tracer.stop();
  await nginx.stop();
  assert.equal((text.match(/HTTP\/1\.1 200/g) ?? []).length, 4);

  for (
    const [pid, side] of [[nginx.pid, "server"], [Deno.pid, "client"]] as const
  ) {
    const rs = byTime(recordsOf(records, pid, side));
    assert.deepEqual(rs.map((r) => [req(r).path, resp(r).body]), [
      ["/p1", "/p1\n"],
      ["/p2", "/p2\n"],
      ["/p3", "/p3\n"],
      ["/p4", "/p4\n"],
    ], `${side}: ${JSON.stringify(rs)}`);
  }
});

Deno.test("watch skips a 1 MiB body by length and stays in sync", async () => {
  const py = await startPyServer();
  const tracer = await startTracer();
  const base = `http://127.0.0.1:${py.port}`;
  const curlPid = await curl([
    `${base}/big`,
    "-o",
    "/dev/null",
    `${base}/hello`,
  ]);
  const { records } = await tracer.stop();
  await py.stop();

  const client = byTime(recordsOf(records, curlPid, "client"));
  assert.deepEqual(client.map((r) => req(r).path), ["/big", "/hello"]);
  const big = client[0]!;
  assert.equal(resp(big).headers["content-length"], "1048576");
  assert.equal(resp(big).body, "x".repeat(1024));
  assert.equal(resp(big).body_truncated, true);
  const headerBytes = big.resp_bytes - 1048576;
  assert.ok(
    headerBytes > 50 && headerBytes < 300,
    `resp_bytes ${big.resp_bytes}`,
  );
  assert.equal(resp(client[1]!).body, "hello");
  const server = byTime(recordsOf(records, py.pid, "server"));
  assert.equal(server[0]!.resp_bytes, big.resp_bytes);
});

Deno.test("watch reports PUT, DELETE and PATCH as the first request of a connection", async () => {
  const py = await startPyServer();
  const tracer = await startTracer();
  const base = `http://127.0.0.1:${py.port}`;
  const pids = [
    await curl(["-X", "PUT", "--data-binary", "abc", `${base}/items/1`]),
    await curl(["-X", "DELETE", `${base}/items/2`]),
    await curl(["-X", "PATCH", "--data-binary", "xy", `${base}/items/3`]),
  ];
  const { records } = await tracer.stop();
  await py.stop();

  const got = pids.map((pid) => recordsOf(records, pid, "client"));
  assert.deepEqual(
    got.map((rs) =>
      rs.map((
        r,
      ) => [
        req(r).method,
        req(r).path,
        req(r).body,
        resp(r).status,
        resp(r).body,
      ])
    ),
    [
      [["PUT", "/items/1", "abc", 200, "PUT /items/1 3"]],
      [["DELETE", "/items/2", "", 200, "DELETE /items/2 0"]],
      [["PATCH", "/items/3", "xy", 200, "PATCH /items/3 2"]],
    ],
  );
  const server = recordsOf(records, py.pid, "server");
  assert.deepEqual(server.map((r) => req(r).method).sort(), [
    "DELETE",
    "PATCH",
    "PUT",
  ]);
});

Deno.test("watch frames HEAD and 204 responses without a body", async () => {
  const py = await startPyServer();
  const tracer = await startTracer();
  const text = await rawExchange(py.port, [
    "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /nocontent HTTP/1.1\r\nHost: x\r\n\r\n",
  ], 2);
  // Sent after the first two are answered, on the same connection, so a
  // HEAD framed with a body would swallow the next response.
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: py.port });
  const buf = new Uint8Array(4096);
  for (
    const [r, end] of [
      ["HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n", "\r\n\r\n"],
      ["GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", "hello"],
    ]
  ) {
    await conn.write(new TextEncoder().encode(r!));
    let got = "";
    while (!got.endsWith(end!)) {
      const n = await conn.read(buf);
      if (n === null) break;
      got += new TextDecoder().decode(buf.subarray(0, n));
    }
  }
  conn.close();
  const { records } = await tracer.stop();
  await py.stop();
  assert.match(text, /204 No Content/);

  const rs = byTime(recordsOf(records, Deno.pid, "client"));
  assert.deepEqual(
    rs.map((r) => [req(r).method, req(r).path, resp(r)?.status, resp(r)?.body]),
    [
      ["HEAD", "/hello", 200, ""],
      ["GET", "/nocontent", 204, ""],
      ["HEAD", "/hello", 200, ""],
      ["GET", "/hello", 200, "hello"],
    ],
  );
  assert.equal(resp(rs[0]!).headers["content-length"], "5");
});

Deno.test("watch reports a request left unanswered when the connection closes", async () => {
  const port = freePort();
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const served = (async () => {
    const conn = await listener.accept();
    await conn.read(new Uint8Array(4096));
    conn.close();
  })();
  const tracer = await startTracer();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode("GET /never HTTP/1.1\r\nHost: x\r\n\r\n"),
  );
  await served;
  await conn.read(new Uint8Array(16)).catch(() => null);
  conn.close();
  listener.close();
  const { records } = await tracer.stop();

  const mine = records.filter((r) => r.pid === Deno.pid && req(r).path === "/never");
  assert.equal(mine.length, 2, JSON.stringify(records));
  for (const r of mine) {
    assert.equal(r.resp, null);
    assert.equal(r.latency_ms, null);
    assert.equal(r.resp_bytes, 0);
  }
  assert.deepEqual(mine.map((r) => r.side).sort(), ["client", "server"]);
});

Deno.test("watch survives malformed HTTP and keeps reporting good traffic", async () => {
  const nginx = await startNginx(`location = /ok { return 200 "ok\\n"; }`);
  const tracer = await startTracer();
  await rawExchange(nginx.port, [
    "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET \x00\x01\x02 HTTP/9\r\n\r\n",
  ], 2);
  const junk = await Deno.connect({ hostname: "127.0.0.1", port: nginx.port });
  await junk.write(crypto.getRandomValues(new Uint8Array(4096)));
  junk.close();
  const curlPid = await curl([`http://127.0.0.1:${nginx.port}/ok`]);
  const { records, code } = await tracer.stop();
  await nginx.stop();
  assert.equal(code, 0);
  const good = recordsOf(records, curlPid, "client");
  assert.equal(good.length, 1);
  assert.equal(resp(good[0]!).status, 200);
  for (const r of records) {
    assert.ok(
      ["/ok"].includes(req(r).path) || resp(r) === null ||
        resp(r).status === 400,
    );
  }
});
