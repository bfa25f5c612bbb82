/**
 * End-to-end memcached binary protocol (root): a raw-socket session with
 * quiet opcodes and noop, and libmemcached-tools --binary, exact records on
 * both sides.
 */
import assert from "node:assert/strict";
import type { McRequest, McResponse } from "../../lib/protocols/memcached/mod.ts";
import { type Server, startTracer } from "./harness.ts";
import { runClient, startMemcached, stopAll } from "./daemons.ts";
import { assertCommon, bothSides, line, session } from "./memcached_records.ts";

const BINARY_LINES = [
  "set b1 (5 B) -> OK",
  "get b1 -> hit (5 B)",
  "get nokey -> NOT_FOUND Not found",
  "getq nokey -> (quiet: no response)",
  "getkq b1 -> hit (5 B)",
  "noop -> OK",
  "setq b2 (2 B) -> (quiet: no response)",
  "noop -> OK",
  "incr cnt 5 -> 10",
  "incr cnt 5 -> 15",
  "delete nokey -> NOT_FOUND Not found",
  "version -> VERSION 1.6.18",
  "stat settings -> 76 stats",
  "quit -> OK",
];

Deno.test("binary protocol: a raw-socket session (quiet gets and sets, noop) and libmemcached-tools --binary", async () => {
  let mc: Server | undefined;
  const dir = await Deno.makeTempDir({ prefix: "l7trace-memccp-" });
  try {
    mc = await startMemcached();
    await Deno.writeTextFile(`${dir}/greeting.txt`, "hello from memccp\n");
    const tracer = await startTracer();
    const raw = await session("binary", mc.port);
    const servers = `--servers=127.0.0.1:${mc.port}`;
    const runs: [string[], string[]][] = [
      [["memccp", servers, "--binary", `${dir}/greeting.txt`], ["set greeting.txt (18 B) -> OK"]],
      [["memccat", servers, "--binary", "greeting.txt"], ["getk greeting.txt -> hit (18 B)"]],
      [["memcrm", servers, "--binary", "greeting.txt"], ["delete greeting.txt -> OK"]],
      [["memcflush", servers, "--binary"], ["flush -> OK"]],
    ];
    const pids: number[] = [];
    for (const [argv] of runs) pids.push((await runClient(argv[0]!, argv.slice(1))).pid);
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);

    const [client, server] = bothSides(records, raw.pid, mc);
    assert.deepEqual(client.map(line), BINARY_LINES);
    assert.deepEqual(server.map(line), BINARY_LINES);
    client.forEach((r) => assertCommon(r, "client", raw.pid, mc!.port));
    server.forEach((r) => assertCommon(r, "server", mc!.pid, mc!.port));
    for (const side of [client, server]) {
      assert.equal(side.reduce((n, r) => n + r.req_bytes, 0), raw.steps.reduce((n, s) => n + s.sent.length, 0));
      assert.equal(side.reduce((n, r) => n + r.resp_bytes, 0), raw.steps.reduce((n, s) => n + s.got.length, 0));
      const getkq = side[4]!;
      assert.deepEqual(getkq.req, { command: "getkq", keys: ["b1"], binary: true, opaque: "5", quiet: true });
      const cas = (getkq.resp as McResponse).cas;
      assert.ok(typeof cas === "number" && cas > 0);
      assert.deepEqual(getkq.resp, {
        status: "OK",
        opcode: "getkq",
        opaque: "5",
        key: "b1",
        flags: 3,
        cas,
        value_size: 5,
        value: "hello",
      });
      assert.deepEqual([getkq.req_bytes, getkq.resp_bytes], [26, 35]);
    }
    // Each tool ends with a binary quit, answered OK unless the tool closed first (a race of its own).
    runs.forEach(([argv, want], i) => {
      const [cl, sv] = bothSides(records, pids[i]!, mc!);
      for (const side of [cl, sv]) {
        const lines = side.map(line);
        assert.match(lines.pop() ?? "", /^quit -> (OK|\(no response\))$/, argv.join(" "));
        assert.deepEqual(lines, want, argv.join(" "));
      }
      for (const r of [...cl, ...sv]) assert.equal((r.req as McRequest).binary, true);
    });
  } finally {
    await stopAll(mc);
    await Deno.remove(dir, { recursive: true });
  }
});
