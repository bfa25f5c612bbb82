import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { header, REQ_MAGIC } from "./binary.ts";
import { memcachedParser as p } from "./mod.ts";
import { concat, Sim } from "./testdata.ts";
import type { McResponse } from "./types.ts";

/** A binary packet: header, extras, key, value. */
function pkt(
  magic: number,
  op: number,
  o: { key?: string; extras?: number[]; value?: string; opaque?: number; status?: number } = {},
) {
  const key = new TextEncoder().encode(o.key ?? "");
  const extras = Uint8Array.from(o.extras ?? []);
  const value = new TextEncoder().encode(o.value ?? "");
  const h = new Uint8Array(24);
  const v = new DataView(h.buffer);
  h[0] = magic;
  h[1] = op;
  v.setUint16(2, key.length);
  h[4] = extras.length;
  v.setUint16(6, o.status ?? 0);
  v.setUint32(8, extras.length + key.length + value.length);
  v.setUint32(12, o.opaque ?? 0);
  return concat([h, extras, key, value]);
}
const req = (op: number, o = {}) => pkt(0x80, op, o);
const resp = (op: number, o = {}) => pkt(0x81, op, o);

Deno.test("headers: unknown opcodes, non-raw data types and lengths beyond the body are not packets", () => {
  assert.ok(header(req(0x00, { key: "k" }), REQ_MAGIC));
  assert.equal(header(req(0x1f), REQ_MAGIC), null);
  assert.equal(header(req(0x30), REQ_MAGIC), null);
  const bad = req(0x00, { key: "k" });
  bad[5] = 1;
  assert.equal(header(bad, REQ_MAGIC), null);
  const long = req(0x00, { key: "k" });
  long[11] = 0; // body length 0 < key length 1
  assert.equal(header(long, REQ_MAGIC), null);
  assert.equal(header(req(0x00).subarray(0, 23), REQ_MAGIC), null);
});

Deno.test("quiet gets with the same opaque and no key in the reply: never guessed", () => {
  const s = new Sim();
  s.push(Stream.Request, concat([req(0x09, { key: "a" }), req(0x09, { key: "b" }), req(0x0a)]), 1);
  s.push(Stream.Response, concat([resp(0x09, { extras: [0, 0, 0, 0], value: "x" }), resp(0x0a)]), 2);
  // Pairing was abandoned at the getq reply; the noop's reply after it then resyncs.
  assert.deepEqual([s.out.length, s.invalid], [0, 1]);
  // With distinct opaques the same exchange pairs exactly.
  const t = new Sim();
  const quiet = [req(0x09, { key: "a", opaque: 1 }), req(0x09, { key: "b", opaque: 2 }), req(0x0a, { opaque: 3 })];
  t.push(Stream.Request, concat(quiet), 1);
  t.push(
    Stream.Response,
    concat([resp(0x09, { extras: [0, 0, 0, 0], value: "x", opaque: 2 }), resp(0x0a, { opaque: 3 })]),
    2,
  );
  const view = t.out.map((x) => [(x.req as { command: string }).command, (x.resp as McResponse | null)?.value ?? null]);
  assert.deepEqual(view, [["getq", null], ["getq", "x"], ["noop", null]]);
  assert.deepEqual((t.out[2]!.resp as McResponse).status, "OK");
});

Deno.test("a reply naming another opcode than the request waiting abandons pairing", () => {
  const s = new Sim();
  s.push(Stream.Request, req(0x00, { key: "a", opaque: 1 }), 1);
  s.push(Stream.Response, resp(0x01, { opaque: 1 }), 2);
  assert.deepEqual([s.out.length, s.state.lost], [0, true]);
});

Deno.test("a binary value beyond the capture is skipped by length; split headers wait", () => {
  const s = new Sim(4);
  s.push(Stream.Request, req(0x00, { key: "big", opaque: 7 }), 1);
  const r = resp(0x00, { extras: [0, 0, 0, 9], value: "0123456789".repeat(10), opaque: 7 });
  s.push(Stream.Response, r.subarray(0, 10), 2);
  s.push(Stream.Response, r.subarray(10, 40), 3);
  assert.equal(s.skip(Stream.Response, r.length - 40, 4), true);
  assert.deepEqual(s.out[0]!.resp, {
    status: "OK",
    opcode: "get",
    opaque: "7",
    flags: 9,
    value_size: 100,
    value: "0123",
    truncated: true,
  });
  assert.equal(s.out[0]!.respBytes, r.length);
});

Deno.test("findBoundary on a binary connection: the next sane header", () => {
  const st = p.createState({ maxBodyBytes: 16, datagram: false });
  const b = concat([new Uint8Array([0x80, 0xff, 1, 2]), req(0x0b)]);
  assert.equal(p.findBoundary(st, Stream.Request, b, 0), 4);
  assert.equal(p.findBoundary(st, Stream.Request, req(0x0b).subarray(0, 20), 0), -1);
});
