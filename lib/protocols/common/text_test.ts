import assert from "node:assert/strict";
import { latin1Text, utf8Text } from "./text.ts";

const all = Uint8Array.from({ length: 256 }, (_, i) => i);

Deno.test("latin1Text maps every byte to the code point of its value", () => {
  const s = latin1Text(all, 0, 256);
  assert.equal(s.length, 256);
  for (let i = 0; i < 256; i++) assert.equal(s.charCodeAt(i), i);
  assert.equal(latin1Text(all, 65, 68), "ABC");
  assert.equal(latin1Text(all, 5, 5), "");
  assert.equal(latin1Text(all, 6, 5), "");
});

Deno.test("utf8Text decodes like TextDecoder, ASCII or not, shared or not", () => {
  const dec = new TextDecoder();
  const cases = [
    "",
    "ok",
    "\u00e9",
    "exactly12byt",
    "thirteen byte",
    "plain ascii \u0000\u007f",
    "caf\u00e9 \u{1f600}",
    "x".repeat(5000) + "\u00ff",
  ];
  for (const text of cases) {
    const bytes = new TextEncoder().encode(`<${text}>`);
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
    shared.set(bytes);
    for (const b of [bytes, shared]) assert.equal(utf8Text(b, 1, b.length - 1), text);
  }
  const invalid = new Uint8Array([0x61, 0xff, 0xc3, 0x62, 0xe2, 0x82]);
  assert.equal(utf8Text(invalid, 0, invalid.length), dec.decode(invalid));
  assert.equal(utf8Text(invalid, 0, invalid.length), "a\ufffd\ufffdb\ufffd");
});
