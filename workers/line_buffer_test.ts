import assert from "node:assert/strict";
import { LineBuffer } from "./line_buffer.ts";

const text = (chunks: Uint8Array[]) => chunks.map((c) => new TextDecoder().decode(c)).join("");

Deno.test("LineBuffer: lines come out whole, in order, UTF-8, across buffer boundaries", () => {
  const taken: Uint8Array[] = [];
  const counts: number[] = [];
  const buf: LineBuffer = new LineBuffer(() => {
    counts.push(buf.count);
    taken.push(buf.take());
  }, 64);
  const lines = ['{"a":1}\n', '{"é":"ü€"}\n', "x".repeat(30) + "\n", "y".repeat(100) + "\n", "z\n"];
  for (const l of lines) buf.push(l);
  counts.push(buf.count);
  taken.push(buf.take());
  assert.equal(text(taken), lines.join(""));
  // Every chunk ends at a line end; a line longer than the capacity gets a chunk of its own.
  for (const chunk of taken) assert.equal(chunk[chunk.length - 1], 10);
  assert.deepEqual(counts, [2, 1, 2]);
  assert.equal(buf.length, 0);
});

Deno.test("LineBuffer: take hands over the bytes; later pushes do not change them", () => {
  const buf = new LineBuffer(() => {}, 16);
  buf.push("ab\n");
  const first = buf.take();
  buf.push("cd\n");
  assert.equal(new TextDecoder().decode(first), "ab\n");
  assert.equal(new TextDecoder().decode(buf.take()), "cd\n");
});
