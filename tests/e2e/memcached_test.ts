/**
 * End-to-end memcached tracing (root): a real memcached 1.6 driven by raw
 * sockets (text, noreply and meta sessions with exact byte sequences) and by
 * libmemcached-tools, with exact records asserted on both sides, and the
 * `memcached` protocol filters.
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import type { McRequest, McResponse } from "../../lib/protocols/memcached/mod.ts";
import { type Server, startTracer } from "./harness.ts";
import { byTime, runClient, startMemcached, stopAll } from "./daemons.ts";
import { assertCommon, bothSides, line, session } from "./memcached_records.ts";
import { META_LINES, NOREPLY_LINES, TEXT_LINES } from "../../lib/protocols/memcached/testdata/session.ts";

Deno.test("raw-socket text, noreply and meta sessions: exact records on both sides", async () => {
  let mc: Server | undefined;
  try {
    mc = await startMemcached();
    const tracer = await startTracer();
    const text = await session("text", mc.port);
    const noreply = await session("noreply", mc.port);
    const meta = await session("meta", mc.port);
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);

    for (const [run, want] of [[text, TEXT_LINES], [noreply, NOREPLY_LINES], [meta, META_LINES]] as const) {
      const [client, server] = bothSides(records, run.pid, mc);
      assert.deepEqual(client.map(line), want, JSON.stringify(client.map(line)));
      assert.deepEqual(server.map(line), want, JSON.stringify(server.map(line)));
      client.forEach((r) => assertCommon(r, "client", run.pid, mc!.port));
      server.forEach((r) => assertCommon(r, "server", mc!.pid, mc!.port));
      for (const side of [client, server]) {
        // Every request and response byte is in exactly one record.
        const sent = run.steps.reduce((n, s) => n + s.sent.length, 0);
        const got = run.steps.reduce((n, s) => n + s.got.length, 0);
        assert.equal(side.reduce((n, r) => n + r.req_bytes, 0), sent);
        assert.equal(side.reduce((n, r) => n + r.resp_bytes, 0), got);
      }
    }

    // Full shapes of a few records, on both sides.
    const pick = (run: { pid: number }, i: number) => bothSides(records, run.pid, mc!).map((rs) => rs[i]!);
    for (const r of pick(text, 6)) {
      const cas = ((r.resp as McResponse).values![0]!.cas) as number;
      assert.ok(Number.isInteger(cas) && cas > 0);
      assert.deepEqual(r.req, { command: "gets", keys: ["user:1", "nokey"] });
      assert.deepEqual(r.resp, {
        status: "VALUE",
        values: [{ key: "user:1", flags: 0, size: 9, cas, value: "<<alice!!" }],
      });
      assert.equal(r.req_bytes, "gets user:1 nokey\r\n".length);
      assert.equal(r.resp_bytes, `VALUE user:1 0 9 ${cas}\r\n<<alice!!\r\nEND\r\n`.length);
    }
    for (const r of pick(text, 0)) {
      assert.deepEqual(r.req, { command: "set", keys: ["user:1"], flags: 0, exptime: 0, value_size: 5 });
      assert.deepEqual(r.resp, { status: "STORED" });
      assert.deepEqual([r.req_bytes, r.resp_bytes], ["set user:1 0 0 5\r\nalice\r\n".length, 8]);
    }
    for (const r of pick(noreply, 5)) {
      assert.deepEqual(r.req, { command: "set", keys: ["b"], flags: 0, exptime: 0, value_size: 2, noreply: true });
      assert.equal(r.resp, null);
      assert.deepEqual([r.req_bytes, r.resp_bytes], ["set b 0 0 2 noreply\r\nyy\r\n".length, 0]);
    }
    for (const r of pick(meta, 4)) {
      assert.deepEqual(r.req, { command: "mg", keys: ["m1"], meta_flags: "v k q", quiet: true });
      assert.deepEqual(r.resp, { status: "VA", value_size: 5, meta_flags: "km1", key: "m1", value: "hello" });
    }
    for (const r of pick(meta, 6)) {
      assert.deepEqual(r.req, { command: "mg", keys: ["m1"], meta_flags: "s v O42 q", quiet: true, opaque: "42" });
      assert.deepEqual(r.resp, {
        status: "VA",
        value_size: 5,
        meta_flags: "s5 O42",
        opaque: "42",
        value: "hello",
      });
    }
  } finally {
    await stopAll(mc);
  }
});

Deno.test("libmemcached-tools (memccp, memccat, memcexist, memctouch, memcrm, memcstat, memcflush): exact records", async () => {
  let mc: Server | undefined;
  const dir = await Deno.makeTempDir({ prefix: "l7trace-memccp-" });
  try {
    mc = await startMemcached();
    await Deno.writeTextFile(`${dir}/greeting.txt`, "hello from memccp\n");
    const tracer = await startTracer();
    const servers = `--servers=127.0.0.1:${mc.port}`;
    const runs: [string[], string[]][] = [
      [["memccp", servers, `${dir}/greeting.txt`], ["set greeting.txt (18 B) -> STORED"]],
      [["memccat", servers, "greeting.txt", "nokey"], ["get greeting.txt -> 1 hit", "get nokey -> END"]],
      [["memcexist", servers, "greeting.txt"], ["add greeting.txt (0 B) -> NOT_STORED"]],
      [["memctouch", servers, "--expire=100", "greeting.txt"], ["touch greeting.txt -> TOUCHED"]],
      [["memcrm", servers, "greeting.txt"], ["delete greeting.txt -> DELETED"]],
      [["memcstat", servers], ["version -> VERSION 1.6.18", "stats -> # stats"]],
      [["memcflush", servers], ["flush_all -> OK"]],
    ];
    const pids: number[] = [];
    for (const [argv] of runs) {
      const out = await runClient(argv[0]!, argv.slice(1));
      pids.push(out.pid);
    }
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    runs.forEach(([argv, want], i) => {
      const [client, server] = bothSides(records, pids[i]!, mc!);
      // Each tool ends its connection with `quit`, which gets no response.
      const lines = [...want, "quit -> (noreply)"];
      const view = (r: L7Record) => line(r).replace(/-> \d+ stats$/, "-> # stats");
      assert.deepEqual(client.map(view), lines, argv.join(" "));
      assert.deepEqual(server.map(view), lines, argv.join(" "));
      client.forEach((r) => assertCommon(r, "client", pids[i]!, mc!.port));
      server.forEach((r) => assertCommon(r, "server", mc!.pid, mc!.port));
    });
    const cat = bothSides(records, pids[1]!, mc)[0][0]!;
    assert.deepEqual(cat.resp, {
      status: "VALUE",
      values: [{ key: "greeting.txt", flags: 0, size: 18, value: "hello from memccp\n" }],
    });
    assert.equal(cat.resp_bytes, "VALUE greeting.txt 0 18\r\nhello from memccp\n\r\nEND\r\n".length);
    const stats = bothSides(records, pids[5]!, mc)[1][1]!;
    assert.equal((stats.resp as McResponse).stats!.version, "1.6.18");
    assert.equal(Number((stats.resp as McResponse).stats!.pid), mc.pid);
  } finally {
    await stopAll(mc);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("memcached filters: --command, --keys and --key-prefix keep exactly the matching requests", async () => {
  let mc: Server | undefined;
  try {
    mc = await startMemcached();
    const cases: [string[], (q: McRequest) => boolean][] = [
      [["--command", "get,SET"], (q) => q.command === "get" || q.command === "set"],
      [["--keys", "n,nokey"], (q) => q.keys.includes("n") || q.keys.includes("nokey")],
      [["--key-prefix", "user:"], (q) => q.keys.some((k) => k.startsWith("user:"))],
    ];
    for (const [flags, keep] of cases) {
      const tracer = await startTracer(["memcached", ...flags, "--pids", String(mc.pid)]);
      await session("text", mc.port);
      const { records, code, stderr } = await tracer.stop();
      assert.equal(code, 0, stderr);
      const mine = records.filter((r) => r.local_port === mc!.port);
      const all = TEXT_LINES.filter((_, i) => keep(TEXT_REQUESTS[i]!));
      assert.ok(all.length > 2 && all.length < TEXT_LINES.length, flags.join(" "));
      assert.deepEqual(byTime(mine).map(line), all, flags.join(" "));
      assert.ok(mine.every((r) => r.protocol === "memcached" && r.side === "server"));
    }
  } finally {
    await stopAll(mc);
  }
});

/** The command and keys of each record of the text session, for the filter test. */
const TEXT_REQUESTS: McRequest[] = TEXT_LINES.map((l) => {
  const [command, key] = l.split(" ");
  const keys = key === "->" || command === "version" || command === "verbosity" || command === "flush_all" ||
      command === "bogus" || command === "stats"
    ? []
    : [key!.replace(/…$/, "")];
  if (command === "gets" || command === "gats") keys.push("nokey");
  return { command: command!, keys };
});

Deno.test("a connection opened before l7trace is picked up at its next request; data beyond --max-capture-bytes is skipped", async () => {
  let mc: Server | undefined;
  let conn: Deno.Conn | undefined;
  try {
    mc = await startMemcached();
    conn = await Deno.connect({ hostname: "127.0.0.1", port: mc.port });
    const c = conn;
    const enc = new TextEncoder();
    const buf = new Uint8Array(1 << 20);
    /** Writes `req` and reads until the reply ends with `end`; the reply's length. */
    const ask = async (req: Uint8Array | string, end: string): Promise<number> => {
      await c.write(typeof req === "string" ? enc.encode(req) : req);
      let got = "";
      while (!got.endsWith(end)) {
        const n = await c.read(buf);
        if (n === null) throw new Error("memcached closed the connection");
        got += new TextDecoder("latin1").decode(buf.subarray(0, n));
      }
      return got.length;
    };
    await ask("set early 0 0 1\r\nx\r\n", "STORED\r\n");
    const tracer = await startTracer(["memcached", "--max-capture-bytes", "1024", "--pids", String(mc.pid)]);
    const big = "v".repeat(100_000);
    await ask(`set big 5 0 ${big.length}\r\n${big}\r\n`, "STORED\r\n");
    await ask("get early\r\n", "END\r\n");
    // One syscall carries the 100 KB value and the END after it: the bytes not copied run past
    // the value, so the parser cannot skip them and the exchange is dropped, not guessed.
    await ask("get big\r\n", "END\r\n");
    await ask("delete early\r\n", "DELETED\r\n");
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    const port = (c.localAddr as Deno.NetAddr).port;
    const mine = byTime(records.filter((r) => r.pid === mc!.pid && r.remote_port === port));
    assert.deepEqual(mine.map(line), [
      "set big (100000 B) -> STORED",
      "get early -> 1 hit",
      "delete early -> DELETED",
    ]);
    // The set's data block beyond the first 1024 bytes was skipped by length.
    assert.deepEqual(mine[0]!.req, { command: "set", keys: ["big"], flags: 5, exptime: 0, value_size: 100_000 });
    assert.equal(mine[0]!.req_bytes, `set big 5 0 100000\r\n`.length + 100_002);
    assert.deepEqual(mine[1]!.resp, { status: "VALUE", values: [{ key: "early", flags: 0, size: 1, value: "x" }] });
    for (const r of mine) assertCommon(r, "server", mc.pid, mc.port);
  } finally {
    conn?.close();
    await stopAll(mc);
  }
});
