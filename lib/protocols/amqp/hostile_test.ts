// Malformed frames are -1 (never a throw, never a record), incomplete ones
// 0, and findBoundary finds the next method frame after garbage.
import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { amqpParser as p, MAX_CONTROL } from "./mod.ts";
import { body, concat, frame, header, long, method, PROTOCOL_HEADER, short, shortstr, Sim, table } from "./testdata.ts";

const C = Stream.Request;
const fresh = () => p.createState({ maxBodyBytes: 64, datagram: false });
const parse = (b: Uint8Array) => p.parseFrame(fresh(), C, b, 1, 1);

Deno.test("malformed frames are -1", () => {
  const declare = method(1, 50, 10, short(0), shortstr("q"), 0, table());
  const badEnd = declare.slice();
  badEnd[badEnd.length - 1] = 0;
  const bad: [string, Uint8Array][] = [
    ["frame type 4", frame(4, 0, [])],
    ["frame type 0", frame(0, 0, [])],
    ["a frame end other than 0xCE", badEnd],
    ["an unknown method", method(1, 50, 99)],
    ["an unknown class", method(1, 77, 10)],
    ["a method frame shorter than its ids", frame(1, 1, [0, 50])],
    ["arguments past the frame", method(1, 50, 10, short(0), shortstr("q"))],
    ["bytes after the arguments", method(1, 50, 11, shortstr("q"), long(0), long(0), 9)],
    ["a short string longer than the frame", method(1, 50, 10, short(0), [200, 0x71], 0, table())],
    ["a heartbeat with a payload", frame(8, 0, [1])],
    ["a heartbeat on a channel", frame(8, 1, [])],
    ["a content header with a truncated property", frame(2, 1, [0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x80, 0, 9])],
    [`a method frame over ${MAX_CONTROL} bytes`, Uint8Array.of(1, 0, 1, 0x7f, 0xff, 0xff, 0xff)],
    ["another protocol header than AMQP", Uint8Array.from([0x41, 0x4d, 0x51, 0x58, 0, 0, 9, 1])],
    ["an AMQP header with a version byte over 1", Uint8Array.from([0x41, 0x4d, 0x51, 0x50, 9, 0, 9, 1])],
    ["HTTP", new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n")],
    ["RESP", new TextEncoder().encode("*1\r\n$4\r\nPING\r\n")],
  ];
  for (const [what, b] of bad) assert.equal(parse(b), -1, what);
});

Deno.test("incomplete frames are 0 until whole; a method's ids are checked as soon as they are in", () => {
  const declare = method(1, 50, 10, short(0), shortstr("queue"), 0, table({ "x-queue-type": "classic" }));
  for (let n = 1; n < declare.length; n++) assert.equal(parse(declare.subarray(0, n)), 0, `${n} bytes`);
  assert.equal(parse(declare), declare.length);
  for (let n = 1; n < 8; n++) assert.equal(parse(PROTOCOL_HEADER.subarray(0, n)), 0);
  assert.equal(parse(PROTOCOL_HEADER), 8);
  assert.equal(parse(Uint8Array.of(1, 0, 1, 0, 0, 0, 40, 0, 77, 0, 10)), -1);
});

Deno.test("a field table that is malformed inside is skipped by its length", () => {
  // An entry of unknown type 'Z': the table's length still bounds it.
  const t = [...long(5), 1, 0x61, 0x5a, 0, 0];
  const s = new Sim();
  s.push(C, method(1, 50, 10, short(0), shortstr("q"), 0, t), 1);
  s.close(2);
  assert.equal(s.invalid, 0);
  assert.deepEqual(s.out.map((x) => x.req), [{ method: "Queue.Declare", sender: "client", channel: 1, queue: "q" }]);
});

Deno.test("content frames on a channel with no message announced are absorbed, not recorded", () => {
  const s = new Sim();
  s.push(C, concat(header(5, 2), body(5, "hi"), method(5, 90, 10)), 1);
  s.close(2);
  assert.equal(s.invalid, 0);
  assert.deepEqual(s.out.map((x) => x.req), [{ method: "Tx.Select", sender: "client", channel: 5 }]);
});

Deno.test("findBoundary: the next method frame or protocol header after garbage", () => {
  const st = fresh();
  const m = method(1, 60, 80, [0, 0, 0, 0, 0, 0, 0, 1], 0);
  const junk = new TextEncoder().encode("junk\x01\x00\x01 more");
  assert.equal(p.findBoundary(st, C, concat(junk, m), 0), junk.length);
  assert.equal(p.findBoundary(st, C, concat(junk, PROTOCOL_HEADER), 0), junk.length);
  // A method frame cut by the end of the buffer is plausible from its ids.
  assert.equal(p.findBoundary(st, C, concat(junk, m.subarray(0, 12)), 0), junk.length);
  assert.equal(p.findBoundary(st, C, junk, 0), -1);
  assert.equal(p.findBoundary(st, C, concat(junk, body(1, "x")), 0), -1);
});
