import assert from "node:assert/strict";
import { varint } from "./testdata.ts";
import { fixedHeader, printableText, Reader, varintLen } from "./wire.ts";

Deno.test("Remaining Length at the encoding's boundaries (5.0 §1.5.5)", () => {
  for (const n of [0, 127, 128, 16383, 16384, 2097151, 2097152, 268435455]) {
    const b = Uint8Array.from([0x30, ...varint(n)]);
    assert.equal(b.length - 1, varintLen(n));
    assert.deepEqual(fixedHeader(b, 0, 4), { type: 3, flags: 0, headerLen: b.length, remaining: n });
    assert.equal(fixedHeader(b.subarray(0, b.length - 1), 0, 4), null);
  }
});

Deno.test("Reader: reads past the end fail once, quietly", () => {
  const r = new Reader(Uint8Array.of(0, 3, 0x61, 0x62), 0, 4);
  assert.equal(r.str(), "");
  assert.equal(r.ok, false);
  const v = new Reader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7f), 0, 5);
  v.varint();
  assert.equal(v.ok, false);
});

Deno.test("printableText: UTF-8 text, a character cut at the end dropped, binary null", () => {
  const e = new TextEncoder();
  assert.equal(printableText(e.encode("héllo\n"), false), "héllo\n");
  assert.equal(printableText(e.encode("hé").subarray(0, 2), true), "h");
  assert.equal(printableText(e.encode("hé").subarray(0, 2), false), null);
  assert.equal(printableText(Uint8Array.of(0x61, 0x00), false), null);
  assert.equal(printableText(Uint8Array.of(0xff), false), null);
});

Deno.test("Reader.str: ASCII and UTF-8 strings, invalid bytes replaced", () => {
  const b = Uint8Array.from([0, 3, 0x61, 0x2f, 0x62, 0, 3, 0x63, 0xc3, 0xa9, 0, 1, 0xff]);
  const r = new Reader(b, 0, b.length);
  assert.deepEqual([r.str(), r.str(), r.str(), r.ok], ["a/b", "cé", "\ufffd", true]);
});
