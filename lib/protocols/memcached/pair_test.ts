import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { memcachedParser as p } from "./mod.ts";
import { MAX_QUEUE } from "./pair.ts";
import { brief, Sim } from "./testdata.ts";

Deno.test("quiet mg followed by a plain mg, one VA and no O or k: never guessed, pairing abandoned", () => {
  const s = new Sim();
  s.push(Stream.Request, "mg nokey v q\r\nmg a v\r\n", 1);
  s.push(Stream.Response, "VA 1\r\nx\r\n", 2);
  assert.deepEqual(s.out, []);
  assert.equal(s.state.lost, true);
  // The tracker resyncs at the next bytes, then resumes at a request that starts a syscall.
  s.push(Stream.Request, "get a\r\n", 3);
  assert.equal(s.invalid, 1);
  s.push(Stream.Request, "get a\r\n", 4);
  s.push(Stream.Response, "END\r\n", 5);
  assert.deepEqual(brief(s.out), [["get", "END"]]);
});

Deno.test("a quiet request that cannot send the code that came is passed over with a null response", () => {
  const s = new Sim();
  s.push(Stream.Request, "ms k 2 q\r\nhi\r\nmg k v\r\nmd k q\r\nget k\r\n", 1);
  s.push(Stream.Response, "VA 2\r\nhi\r\nEND\r\n", 2);
  assert.deepEqual(brief(s.out), [["ms", null], ["mg", "VA"], ["md", null], ["get", "END"]]);
  assert.equal(s.state.suppressed, 2);
});

Deno.test("a quiet mg hit whose returned flags it did not ask for is not its answer", () => {
  const s = new Sim();
  s.push(Stream.Request, "mg a v q\r\nmg b v t\r\n", 1);
  s.push(Stream.Response, "VA 1 t-1\r\nx\r\n", 2);
  assert.deepEqual(brief(s.out), [["mg", null], ["mg", "VA"]]);
});

Deno.test("an error after a quiet request with a later one queued is ambiguous; alone it is the quiet one's", () => {
  const s = new Sim();
  s.push(Stream.Request, "mg a v q O1\r\nbogus\r\n", 1);
  s.push(Stream.Response, "ERROR\r\n", 2);
  assert.deepEqual([s.out.length, s.state.lost], [0, true]);
  const t = new Sim();
  t.push(Stream.Request, "ms k 2 q\r\nhi\r\n", 1);
  t.push(Stream.Response, "SERVER_ERROR out of memory storing object\r\n", 2);
  assert.deepEqual(t.out[0]!.resp, { status: "SERVER_ERROR", error: "out of memory storing object" });
});

Deno.test("quiet requests still waiting at close get a null response; orphans are counted", () => {
  const s = new Sim();
  s.push(Stream.Response, "STORED\r\n", 1);
  assert.equal(s.state.orphanResponses, 1);
  s.push(Stream.Request, "mg a v q k\r\n", 2);
  s.close(3);
  assert.deepEqual(brief(s.out), [["mg", null]]);
});

Deno.test("a response that predates its request abandons pairing", () => {
  const s = new Sim();
  s.push(Stream.Response, "STOR", 1);
  s.push(Stream.Request, "get a\r\n", 2);
  s.push(Stream.Response, "ED\r\n", 3);
  assert.deepEqual([s.out.length, s.state.lost], [0, true]);
});

Deno.test("bytes not captured inside a value are skipped; the value is flagged truncated", () => {
  const s = new Sim(4);
  s.push(Stream.Request, "get big\r\n", 1);
  s.push(Stream.Response, "VALUE big 0 100\r\nabcdef", 2);
  assert.equal(s.skip(Stream.Response, 90, 3), true);
  s.push(Stream.Response, "wxyz\r\nEND\r\n", 4);
  assert.deepEqual(s.out[0]!.resp, {
    status: "VALUE",
    values: [{ key: "big", flags: 0, size: 100, value: "abcd", truncated: true }],
  });
  assert.equal(s.out[0]!.respBytes, 17 + 102 + 5);
  // A gap outside a data block cannot be skipped.
  s.push(Stream.Request, "get a", 5);
  assert.equal(s.skip(Stream.Request, 3, 6), false);
  // Storage data blocks too.
  const t = new Sim();
  t.push(Stream.Request, "set k 0 0 1000\r\nab", 1);
  assert.equal(t.skip(Stream.Request, 1000, 2), true);
  t.push(Stream.Response, "STORED\r\n", 3);
  assert.deepEqual(t.out[0]!.req, { command: "set", keys: ["k"], flags: 0, exptime: 0, value_size: 1000 });
  assert.equal(t.out[0]!.reqBytes, 16 + 1002);
});

Deno.test("a data block not ended by CRLF, a line with control bytes, an unknown response: invalid", () => {
  for (
    const [stream, bytes] of [
      [Stream.Request, "set k 0 0 3\r\nabcd\r\n"],
      [Stream.Request, "get a\x01b\r\n"],
      [Stream.Response, "HELLO\r\n"],
      [Stream.Response, "VALUE k x 3\r\n"],
      [Stream.Response, "STORED now\r\n"],
    ] as const
  ) {
    const st = p.createState({ maxBodyBytes: 16, datagram: false });
    if (stream === Stream.Response) p.parseFrame(st, Stream.Request, new TextEncoder().encode("get k\r\n"), 1, 1);
    assert.equal(p.parseFrame(st, stream, new TextEncoder().encode(bytes), 2, 2), -1, JSON.stringify(bytes));
  }
});

Deno.test("a full queue abandons pairing instead of growing", () => {
  const s = new Sim();
  s.push(Stream.Request, "get a\r\n".repeat(MAX_QUEUE + 1), 1);
  assert.equal(s.invalid, 1);
  assert.equal(s.state.reqQueue.length, 0);
});

Deno.test("findBoundary: line starts with a known command word, or a response line", () => {
  const st = p.createState({ maxBodyBytes: 16, datagram: false });
  const b = (s: string) => new TextEncoder().encode(s);
  assert.equal(p.findBoundary(st, Stream.Request, b("xyz\r\nget a\r\n"), 0), 5);
  assert.equal(p.findBoundary(st, Stream.Request, b("GET / HTTP/1.1\r\n"), 0), -1);
  assert.equal(p.findBoundary(st, Stream.Request, b("*1\r\n$4\r\nPING\r\n"), 0), -1);
  assert.equal(p.findBoundary(st, Stream.Request, b("get a"), 0), -1);
  assert.equal(p.findBoundary(st, Stream.Request, b("set a 0 0 1\r\n"), 1), -1);
  assert.equal(p.findBoundary(st, Stream.Response, b("abc\r\nVALUE k 0 1\r\nx\r\nEND\r\n"), 0), 5);
  assert.equal(p.findBoundary(st, Stream.Response, b("+OK\r\n"), 0), -1);
});

Deno.test("summaries", () => {
  const sum = (q: unknown, r: unknown) => p.summarize(q, r);
  assert.equal(sum({ command: "get", keys: ["a", "b", "c"] }, { status: "END", values: [] }), "get a (+2) -> 3 misses");
  assert.equal(sum({ command: "get", keys: ["a"] }, null), "get a -> (no response)");
  assert.equal(sum({ command: "mn", keys: [] }, { status: "MN" }), "mn -> MN");
  assert.equal(
    sum({ command: "stats", keys: [], args: ["slabs"] }, { status: "STAT", stat_count: 1 }),
    "stats slabs -> 1 stat",
  );
});
