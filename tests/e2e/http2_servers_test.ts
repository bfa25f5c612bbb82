/**
 * HTTP/2 end to end against nghttp2's own server and client (root):
 * nghttpd serving h2c to `nghttp` and to `curl --http2-prior-knowledge`,
 * many concurrent streams on one connection; Apache accepting
 * `Upgrade: h2c` from curl's HTTP/1.1 request; and a connection that was
 * open before l7trace started.
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import { runClient, startApacheH2c, startNghttpd } from "./daemons.ts";
import { makeCertificate, recordsOf, startTracer } from "./harness.ts";
import { UNKNOWN } from "../../lib/protocols/http2/mod.ts";

interface H2Req {
  method: string;
  path: string;
  authority: string;
  scheme: string;
  headers: Record<string, string>;
}
interface H2Resp {
  status: number | string;
  body: string;
  headers: Record<string, string>;
  error?: string;
}
const req = (r: L7Record) => r.req as H2Req;
const resp = (r: L7Record) => r.resp as H2Resp | null;
const FILES = Array.from({ length: 16 }, (_, i) => `f${String(i).padStart(2, "0")}`);

/** A document root readable by servers that drop privileges. */
async function docRoot(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "l7trace-h2doc-" });
  await Deno.chmod(dir, 0o755);
  for (const f of FILES) await Deno.writeTextFile(`${dir}/${f}`, `file ${f}\n`);
  return dir;
}

/** [path, status, body] of each record, sorted by path; 404 bodies are the server's own page. */
function summary(rs: L7Record[]): [string, number | string, string][] {
  return rs
    .map((r): [string, number | string, string] => {
      const s = resp(r)?.status ?? "none";
      return [req(r).path, s, s === 200 ? resp(r)!.body : ""];
    })
    .sort((a, b) => a[0].localeCompare(b[0]));
}

const expected = (missing: string) =>
  [...FILES.map((f): [string, number, string] => [`/${f}`, 200, `file ${f}\n`]), [missing, 404, ""]]
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));

const CLIENTS = {
  // nghttp multiplexes every URI on one h2c connection.
  nghttp: { tls: false, connections: 1, args: (urls: string[]) => ["-n", ...urls] },
  // curl 7.88 cannot reuse an h2c prior-knowledge connection (error 16), so
  // one connection per URI, all at once.
  "curl --http2-prior-knowledge": {
    tls: false,
    connections: 17,
    args: (urls: string[]) => ["-s", "-Z", "--parallel-immediate", "--http2-prior-knowledge", ...outputs(urls)],
  },
  // Over TLS curl multiplexes every URI on one connection.
  "curl --http2 (TLS)": {
    tls: true,
    connections: 1,
    args: (urls: string[]) => ["-sk", "-Z", "--http2", ...outputs(urls)],
  },
};
const outputs = (urls: string[]) => urls.flatMap((u) => [u, "-o", "/dev/null"]);

for (const [client, how] of Object.entries(CLIENTS)) {
  Deno.test(`${client} to nghttpd: 17 concurrent streams, both sides exact`, async () => {
    const root = await docRoot();
    const cert = how.tls ? await makeCertificate() : undefined;
    const server = await startNghttpd(root, cert);
    const tracer = await startTracer();
    const base = `${how.tls ? "https" : "http"}://127.0.0.1:${server.port}`;
    const urls = [...FILES.map((f) => `${base}/${f}`), `${base}/missing`];
    const ran = await runClient(client.split(" ")[0]!, how.args(urls));
    const { records } = await tracer.stop();
    await server.stop();
    await Deno.remove(root, { recursive: true });
    assert.equal(ran.code, 0, ran.stderr);

    const clientSide = recordsOf(records, ran.pid, "client");
    const serverSide = recordsOf(records, server.pid, "server");
    for (const [rs, side] of [[clientSide, "client"], [serverSide, "server"]] as const) {
      assert.deepEqual(summary(rs), expected("/missing"), `${side}: ${JSON.stringify(rs.map((r) => r.req))}`);
      assert.ok(rs.every((r) => r.protocol === "http2" && r.tls === how.tls && r.latency_ms !== null), side);
      assert.ok(rs.every((r) => req(r).method === "GET" && req(r).authority === `127.0.0.1:${server.port}`), side);
    }
    assert.equal(new Set(clientSide.map((r) => r.local_port)).size, how.connections);
  });
}

/** curl's exit code for an error in the HTTP/2 framing layer. */
const CURL_HTTP2_ERROR = 16;

Deno.test("curl to Apache with Upgrade: h2c: the 101 exchange, then HTTP/2 streams from stream 1 on", async () => {
  const root = await docRoot();
  const server = await startApacheH2c(root);
  const base = `http://127.0.0.1:${server.port}`;
  // curl upgrades with the first request and multiplexes the others on the
  // same connection. Apache sometimes ends an upgraded connection with
  // GOAWAY(last_stream=1) at once: curl then retries on a new upgrade.
  const urls = [`${base}/f00`, `${base}/f01`, `${base}/missing`];
  // Once in CI (3 December), curl itself gave up with its HTTP/2 framing
  // error, exit 16; 22 runs by hand, loaded or not, never did. l7trace only
  // reads: such a run is done again, once, with fresh tracers.
  let ran, records, h2Only;
  for (let attempt = 1;; attempt++) {
    const all = await startTracer();
    const onlyH2 = await startTracer(["http2"]);
    ran = await runClient("curl", ["-s", "-Z", "--http2", ...outputs(urls)]);
    ({ records } = await all.stop());
    ({ records: h2Only } = await onlyH2.stop());
    if (ran.code !== CURL_HTTP2_ERROR || attempt === 2) break;
  }
  await server.stop();
  await Deno.remove(root, { recursive: true });
  assert.equal(ran.code, 0, ran.stderr);

  const serverSide = records.filter((r) => r.comm === "apache2" && r.side === "server" && r.local_port === server.port);
  for (const [rs, side] of [[recordsOf(records, ran.pid, "client"), "client"], [serverSide, "server"]] as const) {
    const all = JSON.stringify(rs);
    const h2 = rs.filter((r) => r.protocol === "http2");
    const answered = h2.filter((r) => resp(r)?.status !== 0);
    assert.deepEqual(
      summary(answered),
      [["/f00", 200, "file f00\n"], ["/missing", 404, ""], ["/f01", 200, "file f01\n"]]
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      `${side}: ${all}`,
    );
    // Streams refused by GOAWAY say so, and were retried.
    for (const r of h2.filter((r) => resp(r)?.status === 0)) assert.equal(resp(r)!.error, "NO_ERROR", all);
    // Every connection starts with one HTTP/1.1 upgrade answered by 101; its
    // request is stream 1, reported as HTTP/2 with the same start time.
    const upgrades = rs.filter((r) => r.protocol === "http");
    assert.ok(upgrades.length >= 1, all);
    for (const up of upgrades) {
      const u = up.req as { path: string; headers: Record<string, string> };
      assert.deepEqual([u.headers.upgrade, resp(up)?.status], ["h2c", 101], all);
      const stream1 = h2.filter((r) => r.local_port === up.local_port && r.ts === up.ts);
      assert.equal(stream1.length, 1, all);
      const first = stream1[0]!;
      assert.deepEqual(
        [req(first).method, req(first).path, req(first).scheme, req(first).authority, req(first).headers.upgrade],
        ["GET", u.path, "http", `127.0.0.1:${server.port}`, undefined],
      );
    }
    assert.deepEqual(new Set(h2.map((r) => r.local_port)), new Set(upgrades.map((r) => r.local_port)), all);
  }
  // `l7trace http2` reports the upgraded streams and nothing of HTTP/1.
  const clientOnly = recordsOf(h2Only, ran.pid, "client");
  assert.ok(h2Only.every((r) => r.protocol === "http2"), JSON.stringify(h2Only));
  assert.deepEqual(summary(clientOnly.filter((r) => resp(r)?.status !== 0)).map((s) => s[0]), [
    "/f00",
    "/f01",
    "/missing",
  ]);
});

const SESSION = new URL("./clients/h2_session.cjs", import.meta.url).pathname;

/** Reads a child's stdout line by line. */
class Lines {
  #buf = "";
  #reader: ReadableStreamDefaultReader<string>;
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }
  async next(): Promise<string> {
    while (!this.#buf.includes("\n")) {
      const { value, done } = await this.#reader.read();
      if (done) throw new Error(`output ended: ${this.#buf}`);
      this.#buf += value;
    }
    const at = this.#buf.indexOf("\n");
    const line = this.#buf.slice(0, at);
    this.#buf = this.#buf.slice(at + 1);
    return line;
  }
}

Deno.test("HTTP/2 connection opened before l7trace: exact where HPACK allows, the unknown marker elsewhere, never a wrong value", async () => {
  const root = await docRoot();
  const server = await startNghttpd(root);
  const client = new Deno.Command("node", {
    args: [SESSION, `http://127.0.0.1:${server.port}`],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const input = client.stdin.getWriter();
  const output = new Lines(client.stdout);
  const get = async (path: string) => {
    await input.write(new TextEncoder().encode(path + "\n"));
    return await output.next();
  };
  // Both sides' dynamic tables fill up before capture starts.
  assert.equal(await get("/f00"), "200 /f00 9");
  assert.equal(await get("/f15"), "200 /f15 9");
  const tracer = await startTracer();
  const answers = [await get("/f01"), await get("/f02"), await get("/missing")];
  await input.close();
  assert.equal((await client.status).code, 0);
  const { records } = await tracer.stop();
  await server.stop();
  await Deno.remove(root, { recursive: true });
  assert.deepEqual(answers.map((a) => a.split(" ").slice(0, 2).join(" ")), ["200 /f01", "200 /f02", "404 /missing"]);

  const truth: Record<string, string> = {
    ":authority": `127.0.0.1:${server.port}`,
    ":scheme": "http",
    "x-trace-case": "predates",
    "server": "nghttpd nghttp2/1.52.0",
  };
  let unknowns = 0;
  const check = (name: string, value: string, context: string) => {
    if (value === UNKNOWN) return unknowns++;
    if (name in truth) assert.equal(value, truth[name], `${name} in ${context}`);
  };
  for (
    const [rs, side] of [[recordsOf(records, client.pid, "client"), "client"], [
      recordsOf(records, server.pid, "server"),
      "server",
    ]] as const
  ) {
    const all = JSON.stringify(rs);
    assert.deepEqual(
      summary(rs),
      [["/f01", 200, "file f01\n"], ["/f02", 200, "file f02\n"], ["/missing", 404, ""]],
      `${side}: ${all}`,
    );
    for (const r of rs) {
      assert.equal(r.protocol, "http2");
      assert.equal(req(r).method, "GET");
      check(":authority", req(r).authority, all);
      check(":scheme", req(r).scheme, all);
      for (const [name, value] of Object.entries(req(r).headers)) check(name, value, all);
      for (const [name, value] of Object.entries(resp(r)!.headers)) check(name, value, all);
      const length = resp(r)!.headers["content-length"];
      if (length !== undefined && length !== UNKNOWN) assert.equal(Number(length), answerLength(answers, req(r).path));
    }
  }
  // The tables really were unknown: some values could not be decoded.
  assert.ok(unknowns > 0);
});

function answerLength(answers: string[], path: string): number {
  return Number(answers.find((a) => a.split(" ")[1] === path)!.split(" ")[2]);
}
