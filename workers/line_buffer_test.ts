import assert from "node:assert/strict";
import { LineBuffer } from "./line_buffer.ts";

const text = (chunks: Uint8Array[]) => chunks.map((c) => new TextDecoder().decode(c)).join("");
const LINES = ['{"a":1}\n', '{"é":"ü€"}\n', "x".repeat(30) + "\n", "y".repeat(100) + "\n", "z\n"];

Deno.test("LineBuffer: lines come out whole, in order, UTF-8, across buffer boundaries", () => {
  for (const [encodeChars, expected] of [[1, [2, 1, 2]], [16, [2, 1, 2]], [1000, [5]]] as const) {
    const taken: Uint8Array[] = [];
    const counts: number[] = [];
    const buf: LineBuffer = new LineBuffer(
      () => {
        counts.push(buf.count);
        taken.push(buf.take());
      },
      64,
      encodeChars,
    );
    for (const l of LINES) buf.push(l);
    counts.push(buf.count);
    taken.push(buf.take());
    assert.equal(text(taken), LINES.join(""));
    // Every chunk ends at a line end; a line longer than the capacity gets a chunk of its own.
    for (const chunk of taken) assert.equal(chunk[chunk.length - 1], 10);
    assert.deepEqual(counts, expected, `encodeChars ${encodeChars}`);
    assert.equal(buf.length, 0);
  }
});

Deno.test("LineBuffer: take hands over the bytes; later pushes do not change them", () => {
  const buf = new LineBuffer(() => {}, 16);
  buf.push("ab\n");
  const first = buf.take();
  buf.push("cd\n");
  assert.equal(new TextDecoder().decode(first), "ab\n");
  assert.equal(new TextDecoder().decode(buf.take()), "cd\n");
});

Deno.test("LineBuffer: recycled buffers are reused, a bounded number of them, full-size only", () => {
  const buf = new LineBuffer(() => {}, 32);
  buf.push("one\n");
  const a = buf.take();
  buf.recycle(a.buffer);
  buf.push("two\n");
  const b = buf.take();
  assert.ok(b.buffer !== a.buffer, "lines after a take go to the buffer already in place");
  buf.push("three\n");
  const c = buf.take();
  assert.ok(c.buffer === a.buffer, "then to the recycled one");
  assert.equal(new TextDecoder().decode(c), "three\n");
  buf.recycle(new SharedArrayBuffer(8));
  buf.push("four\n");
  buf.take();
  buf.push("five\n");
  assert.equal(buf.take().buffer.byteLength, 32, "a buffer of another size is not reused");
  const given = Array.from({ length: 10 }, () => new SharedArrayBuffer(32));
  for (const b of given) buf.recycle(b);
  let reused = 0;
  for (let i = 0; i < 12; i++) {
    buf.push("x\n");
    if (given.includes(buf.take().buffer)) reused++;
  }
  assert.equal(reused, 4, "at most 4 buffers are kept");
});
