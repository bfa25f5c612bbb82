import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { redisParser as p } from "./mod.ts";
import { bytes, cmd, load, rng } from "./testdata.ts";
import * as F from "./testdata/captured.ts";

const Req = Stream.Request;
const Resp = Stream.Response;

function find(stream: Stream, s: string, from = 0): number {
  const st = p.createState({ maxBodyBytes: 1024, datagram: false });
  return p.findBoundary(st, stream, bytes(s), from);
}

Deno.test("findBoundary accepts every command and reply start captured", async () => {
  let n = 0;
  for (const conns of Object.values(F)) {
    for (const conn of conns) {
      const reads = await load(conn);
      for (let i = 0; i < reads.length; i++) {
        const [stream, b] = reads[i]!;
        // A read continuing the previous one on the same stream is mid-message.
        if (i > 0 && reads[i - 1]![0] === stream) continue;
        const st = p.createState({ maxBodyBytes: 1024, datagram: false });
        if (b.length === 2) continue; // the blank inline line
        assert.equal(p.findBoundary(st, stream, b, 0), 0, `read ${i}`);
        n++;
      }
    }
  }
  assert.ok(n > 150);
});

Deno.test("findBoundary on commands: strict prefixes, line starts only", () => {
  assert.equal(find(Req, cmd("FT.SEARCH", "idx", "q")), 0);
  assert.equal(find(Req, "*123456789\r\n$3\r\n"), 0);
  assert.equal(find(Req, "get k\r\n"), 0);
  assert.equal(find(Req, "PING\r\n"), 0);
  assert.equal(find(Req, "PING\n"), 0);
  assert.equal(find(Req, "Hello 3\r\n"), 0);
  for (
    const s of [
      "*0\r\n$",
      "*01\r\n$",
      "*1234567890\r\n$",
      "*2\r\n:1",
      "*2\n$",
      "GETX k\r\n",
      "GET\tk\r\n",
      "HTTP/1.1 200 OK\r\n",
      "\x16\x03\x01\x02\x00",
      "ping!\r\n",
    ]
  ) {
    assert.equal(find(Req, s), -1, JSON.stringify(s));
  }
  // Undecided at the end of the buffer: -1, the caller waits for more.
  for (const s of ["*", "*3", "*3\r", "*3\r\n", "GE", "GET", "PING\r"]) {
    assert.equal(find(Req, s), -1, s);
  }
  assert.equal(find(Req, "xx " + cmd("GET", "k")), -1);
  assert.equal(find(Req, "garbage\r\n" + cmd("GET", "k")), 9);
  assert.equal(find(Req, "abc\nSET a b\r\n", 1), 4);
  // Mid-command, argument lines are not taken for inline commands.
  assert.equal(find(Req, cmd("GET", "k"), 1), -1);
  assert.equal(find(Req, cmd("GET", "k") + cmd("PING"), 1), 20);
  assert.equal(find(Req, "$3\r\nGET\r\n"), -1);
  assert.equal(find(Req, "$3\r\nGET\r\n", 5), -1);
});

Deno.test("findBoundary on replies: a type byte and a well-formed line", () => {
  for (
    const s of [
      "+OK\r\n",
      "+\r\n",
      "-ERR x\r\n",
      ":-1\r\n",
      "$-1\r\n",
      "$5\r\n",
      "*-1\r\n",
      "*0\r\n",
      "_\r\n",
      "#t\r\n",
      ",1.5\r\n",
      ",inf\r\n",
      "(123\r\n",
      "!3\r\n",
      "=15\r\n",
      "%2\r\n",
      "~1\r\n",
      ">3\r\n",
      "|1\r\n",
    ]
  ) {
    assert.equal(find(Resp, s), 0, JSON.stringify(s));
  }
  for (
    const s of [
      "-err\r\n",
      ":x\r\n",
      "$-2\r\n",
      "%-1\r\n",
      "#x\r\n",
      "_1\r\n",
      "OK\r\n",
      "+OK\n",
    ]
  ) {
    assert.equal(find(Resp, s), -1, JSON.stringify(s));
  }
  assert.equal(find(Resp, "+OK"), -1);
  assert.equal(find(Resp, "lo\r\n$5\r\nhello\r\n"), 4);
});

Deno.test("findBoundary rarely fires on random bytes and never throws", () => {
  const rand = rng(7);
  const buf = new Uint8Array(4096);
  let hits = 0;
  const st = p.createState({ maxBodyBytes: 1024, datagram: false });
  for (let it = 0; it < 200; it++) {
    for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(rand() * 256);
    for (const stream of [Req, Resp]) {
      const at = p.findBoundary(st, stream, buf, Math.floor(rand() * 64));
      assert.ok(at >= -1 && at < buf.length);
      if (at >= 0) hits++;
    }
  }
  assert.ok(hits < 20, `${hits} false starts`);
});

Deno.test("findBoundary resets the stream's frame in progress", () => {
  const st = p.createState({ maxBodyBytes: 1024, datagram: false });
  assert.equal(p.parseFrame(st, Req, bytes("*2\r\n$3\r\nGET\r\n"), 1, 1), 13);
  assert.equal(st.req.active, true);
  p.findBoundary(st, Req, bytes("PING\r\n"), 0);
  assert.equal(st.req.active, false);
  assert.equal(p.parseFrame(st, Req, bytes("PING\r\n"), 2, 2), 6);
  assert.deepEqual(st.reqQueue.map((q) => q.msg.command), ["PING"]);
});
