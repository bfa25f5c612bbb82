import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { redisParser as p } from "./mod.ts";
import { bytes, cmd, concat, Sim } from "./testdata.ts";
import type { RedisRequest } from "./types.ts";

const Req = Stream.Request;

function fresh(maxBodyBytes = 1024) {
  return p.createState({ maxBodyBytes, datagram: false });
}

/** Every command parsed from `wire`, consuming it the way the tracker does. */
function commands(wire: string | Uint8Array, maxBodyBytes = 1024) {
  const st = fresh(maxBodyBytes);
  let b = typeof wire === "string" ? bytes(wire) : wire;
  for (let n; b.length > 0 && (n = p.parseFrame(st, Req, b, 1, 2)) > 0;) {
    b = b.subarray(n);
  }
  assert.equal(b.length, 0, "all consumed");
  return st.reqQueue.map((q) => q.msg);
}

Deno.test("parseFrame parses a multibulk command with timestamps and bytes", () => {
  const st = fresh();
  const m = cmd("SET", "user:1", "hello");
  assert.equal(p.parseFrame(st, Req, bytes(m), 10, 11), 36);
  assert.deepEqual(st.reqQueue[0]!.msg, {
    command: "SET",
    args: ["user:1", "hello"],
  });
  assert.deepEqual(
    [st.reqQueue[0]!.startNs, st.reqQueue[0]!.endNs, st.reqQueue[0]!.bytes],
    [10, 11, 36],
  );
});

Deno.test("parseFrame upper-cases the command and keeps container subcommands", () => {
  assert.deepEqual(
    commands(
      cmd("get", "k") + cmd("config", "get", "maxmemory") +
        cmd("CLIENT", "list") + cmd("Object", "Encoding", "k") +
        cmd("XINFO", "STREAM", "s") + cmd("COMMAND") +
        cmd("MEMORY", "USAGE", "k", "SAMPLES", "5") + cmd("ACL", "WHOAMI") +
        cmd("FUNCTION", "LIST") + cmd("SCRIPT", "LOAD", "return 1") +
        cmd("CLUSTER", "INFO") + cmd("DEBUG", "SLEEP", "0"),
    ),
    [
      { command: "GET", args: ["k"] },
      { command: "CONFIG GET", args: ["maxmemory"] },
      { command: "CLIENT LIST", args: [] },
      { command: "OBJECT ENCODING", args: ["k"] },
      { command: "XINFO STREAM", args: ["s"] },
      { command: "COMMAND", args: [] },
      { command: "MEMORY USAGE", args: ["k", "SAMPLES", "5"] },
      { command: "ACL WHOAMI", args: [] },
      { command: "FUNCTION LIST", args: [] },
      { command: "SCRIPT LOAD", args: ["return 1"] },
      { command: "CLUSTER INFO", args: [] },
      { command: "DEBUG", args: ["SLEEP", "0"] },
    ],
  );
});

Deno.test("parseFrame parses inline commands like redis-server", () => {
  assert.deepEqual(
    commands(
      "PING\r\nset k v\r\nGET k\n\r\n   \r\n" +
        "ECHO \"hello world\" 'x y'\r\n" +
        "SET \"a\\x41\\n\" 'it\\'s'\r\n" +
        'SET "unbalanced v\r\n',
    ),
    [
      { command: "PING", args: [] },
      { command: "SET", args: ["k", "v"] },
      { command: "GET", args: ["k"] },
      { command: "ECHO", args: ["hello world", "x y"] },
      { command: "SET", args: ["aA\n", "it's"] },
      { command: "SET", args: ['"unbalanced', "v"] },
    ],
  );
  const st = fresh();
  assert.equal(p.parseFrame(st, Req, bytes("PING"), 1, 1), 0);
  assert.equal(p.parseFrame(st, Req, bytes("PING\r"), 1, 1), 0);
  const long = new Uint8Array(64 * 1024 + 10).fill(97);
  assert.equal(p.parseFrame(st, Req, long, 1, 1), -1);
});

Deno.test("parseFrame ignores empty multibulk commands as Redis does", () => {
  const st = fresh();
  assert.equal(p.parseFrame(st, Req, bytes("*0\r\n*-1\r\n"), 1, 1), 4);
  assert.equal(p.parseFrame(st, Req, bytes("*-1\r\n"), 1, 1), 5);
  assert.equal(st.reqQueue.length, 0);
});

Deno.test("parseFrame decodes binary-safe arguments non-fatally", () => {
  const m = concat([
    bytes("*3\r\n$3\r\nSET\r\n$4\r\nk\r\n\0\r\n$3\r\n"),
    new Uint8Array([0xc3, 0xa9, 0xff]),
    bytes("\r\n"),
  ]);
  assert.deepEqual(commands(m), [{
    command: "SET",
    args: ["k\r\n\0", "\u00e9\ufffd"],
  }]);
});

Deno.test("parseFrame cuts arguments at maxBodyBytes and keeps 64 of them", () => {
  const long = "x".repeat(100);
  assert.deepEqual(commands(cmd("SET", "key", long), 10), [{
    command: "SET",
    args: ["key", "xxxxxxxxxx"],
    args_truncated: true,
  }]);
  const many = Array.from({ length: 100 }, (_, i) => `k${i}`);
  const [q] = commands(cmd("DEL", ...many));
  assert.equal(q!.args.length, 64);
  assert.equal(q!.args[63], "k63");
  assert.equal(q!.args_truncated, true);
  // Command words survive a zero limit.
  assert.deepEqual(commands(cmd("config", "get", "x"), 0), [{
    command: "CONFIG GET",
    args: [""],
    args_truncated: true,
  }]);
  const [z] = commands(cmd("GET", ""), 0);
  assert.deepEqual(z, { command: "GET", args: [""] });
});

Deno.test("parseFrame rejects what redis-server rejects", () => {
  const cases = [
    "*2\r\n:1\r\n:2\r\n", // arguments must be bulk strings
    "*1\r\n*1\r\n$1\r\na\r\n",
    "*1\r\n$-1\r\n",
    "*1\r\n$2\r\nabc\r\n",
    "*x\r\n",
    "*1\n$1\r\na\r\n",
    "*2147483648\r\n",
    "*1\r\n$536870913\r\n",
  ];
  for (const m of cases) {
    assert.equal(
      p.parseFrame(fresh(), Req, bytes(m), 1, 1),
      -1,
      JSON.stringify(m),
    );
  }
  // Huge declared sizes within the limits allocate nothing up front.
  const st = fresh();
  assert.equal(p.parseFrame(st, Req, bytes("*2147483647\r\n"), 1, 1), 13);
  assert.equal(p.parseFrame(st, Req, bytes("$536870912\r\nab"), 1, 1), 14);
  assert.equal(st.req.bulkLeft, 536870910);
  assert.equal(st.req.bulkBuf!.length, 1024);
  assert.equal(st.req.bulkKept, 2);
});

Deno.test("parseFrame consumes a command split at every byte identically", () => {
  const wire = cmd("SET", "k", "v".repeat(50)) + cmd("PING") + "GET k\r\n";
  const whole = commands(wire);
  assert.equal(whole.length, 3);
  for (let cut = 1; cut < wire.length; cut++) {
    const s = new Sim();
    s.push(Req, wire.slice(0, cut), 1);
    s.push(Req, wire.slice(cut), 2);
    assert.deepEqual(
      s.state.reqQueue.map((q) => q.msg),
      whole,
      `cut at ${cut}`,
    );
    assert.equal(s.invalid, 0);
  }
});

Deno.test("parseFrame times a command from its first to its last read", () => {
  const s = new Sim();
  const wire = cmd("SET", "k", "v".repeat(50));
  s.push(Req, wire.slice(0, 20), 5);
  s.push(Req, wire.slice(20, 40), 6);
  s.push(Req, wire.slice(40), 7);
  const q = s.state.reqQueue[0]!;
  assert.deepEqual([q.startNs, q.endNs, q.bytes], [5, 7, wire.length]);
  assert.deepEqual((q.msg as RedisRequest).args, ["k", "v".repeat(50)]);
});
