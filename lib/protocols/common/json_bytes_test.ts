import assert from "node:assert/strict";
import { isPlainAscii } from "./json_bytes.ts";

Deno.test("isPlainAscii: true exactly when JSON.stringify of the bytes as Latin-1 adds only its quotes and is ASCII", () => {
  for (let c = 0; c < 256; c++) {
    for (const at of [0, 37, 99]) {
      const bytes = new Uint8Array(100).fill(120);
      bytes[at] = c;
      const text = String.fromCharCode(...bytes);
      const plain = JSON.stringify(text).length === text.length + 2 && c < 128;
      assert.equal(isPlainAscii(bytes), plain, `byte ${c} at ${at}`);
    }
  }
  assert.equal(isPlainAscii(new Uint8Array(0)), true);
});
