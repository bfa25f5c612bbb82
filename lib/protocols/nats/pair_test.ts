// Pairing rules on hand-written streams: what answers what, and what never
// takes a later answer for its own.
import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { bytes, lines, Sim } from "./testdata.ts";

const C = Stream.Request, S = Stream.Response;

function run(steps: [Stream, string][]): Sim {
  const s = new Sim(64);
  steps.forEach(([st, t], i) => s.push(st, bytes(t), (i + 1) * 10));
  s.close(1e6);
  assert.equal(s.invalid, 0);
  return s;
}

Deno.test("not verbose: PUB, SUB, UNSUB are records at once; a later +OK or PONG is not theirs", () => {
  const s = new Sim();
  s.push(C, bytes('CONNECT {"verbose":false}\r\nSUB a 1\r\nPUB a 2\r\nhi\r\nUNSUB 1\r\nPING\r\n'), 10);
  // Out before any answer came: nothing waits for one.
  assert.deepEqual(lines(s.out), ['CONNECT "" ? ?', "SUB a sid 1", "PUB a (2 B)", "UNSUB sid 1"]);
  s.push(S, bytes("+OK\r\nPONG\r\n"), 20);
  s.close(30);
  assert.deepEqual(lines(s.out).slice(4), ["PING -> PONG"]);
  assert.equal(s.state.orphans, 1);
});

Deno.test("verbose: answers in order, PING answered by PONG between +OKs", () => {
  const s = run([
    [C, 'CONNECT {"verbose":true,"name":"n"}\r\nSUB a 1\r\nPING\r\nPUB a 1\r\nx\r\n'],
    [S, "+OK\r\n+OK\r\nPONG\r\n+OK\r\n"],
  ]);
  assert.deepEqual(lines(s.out), ["CONNECT n ? ? -> +OK", "SUB a sid 1 -> +OK", "PING -> PONG", "PUB a (1 B) -> +OK"]);
  const pub = s.out[3]!;
  assert.deepEqual([pub.reqStartNs, pub.respStartNs, pub.respBytes], [10, 20, 5]);
});

Deno.test("verbose: a refused PUB keeps its -ERR and takes the +OK after it; the next SUB gets the next +OK", () => {
  const s = run([
    [C, 'CONNECT {"verbose":true,"pedantic":true}\r\nPUB a.* 0\r\n\r\nSUB b 1\r\n'],
    [S, "+OK\r\n-ERR 'Invalid Publish Subject'\r\n+OK\r\n+OK\r\n"],
  ]);
  assert.deepEqual(lines(s.out).slice(1), ["PUB a.* (0 B) -> -ERR Invalid Publish Subject", "SUB b sid 1 -> +OK"]);
  assert.equal(s.state.orphans, 0);
});

Deno.test("verbose: a refused SUB is answered by its -ERR alone", () => {
  const s = run([
    [C, 'CONNECT {"verbose":true}\r\nSUB a..b 1\r\nSUB b 2\r\n'],
    [S, "+OK\r\n-ERR 'Invalid Subject'\r\n+OK\r\n"],
  ]);
  assert.deepEqual(lines(s.out).slice(1), ["SUB a..b sid 1 -> -ERR Invalid Subject", "SUB b sid 2 -> +OK"]);
});

Deno.test("a PUB whose -ERR came and then the connection closed keeps that -ERR", () => {
  const s = run([
    [C, 'CONNECT {"verbose":true}\r\nPUB a 9999\r\n'],
    [S, "+OK\r\n-ERR 'Maximum Payload Violation'\r\n"],
  ]);
  // The PUB's payload never came, so it was never waiting: the -ERR stands alone.
  assert.deepEqual(lines(s.out), ['CONNECT "" ? ? -> +OK', "-ERR Maximum Payload Violation"]);
  const t = run([
    [C, 'CONNECT {"verbose":true}\r\nPUB a 1\r\nx\r\n'],
    [S, "+OK\r\n-ERR 'Permissions Violation for Publish to \"a\"'\r\n"],
  ]);
  assert.deepEqual(lines(t.out)[1], 'PUB a (1 B) -> -ERR Permissions Violation for Publish to "a"');
});

Deno.test("the server's PING waits for the client's PONG; an -ERR with nothing waiting is a record", () => {
  const s = run([
    [S, 'INFO {"server_id":"X","version":"2.9"} \r\nPING\r\n'],
    [C, "PONG\r\n"],
    [S, "-ERR 'Slow Consumer'\r\n"],
  ]);
  assert.deepEqual(lines(s.out), ["INFO X 2.9", "PING (from server) -> PONG", "-ERR Slow Consumer"]);
  assert.deepEqual(s.out[2]!.req, { op: "-ERR", sender: "server", error: "Slow Consumer" });
});

Deno.test("unanswered operations come out, oldest first, when the connection closes", () => {
  const s = run([[C, 'CONNECT {"verbose":true}\r\nSUB a 1\r\nPING\r\n'], [S, "PING\r\n"]]);
  assert.deepEqual(lines(s.out), ['CONNECT "" ? ?', "SUB a sid 1", "PING", "PING (from server)"]);
  assert.ok(s.out.every((x) => x.resp === null && x.respBytes === 0));
});

Deno.test("at most MAX_QUEUED operations wait: the oldest are dropped and counted", () => {
  const s = new Sim();
  s.push(C, bytes('CONNECT {"verbose":true}\r\n' + "PING\r\n".repeat(1100)), 1);
  assert.equal(s.state.pings[0].length, 1024);
  assert.equal(s.state.overflow, 1100 - 1024);
});
