import assert from "node:assert/strict";
import { LineBuffer, releaseLines } from "./line_buffer.ts";

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

Deno.test("LineBuffer: released buffers are reused, up to 16 of them; taken ones never", () => {
  const buf = new LineBuffer(() => {}, 32);
  buf.push("one\n");
  const a = buf.take();
  buf.push("two\n");
  const b = buf.take();
  assert.ok(b.buffer !== a.buffer, "a taken buffer is not written while it is out");
  releaseLines(a);
  buf.push("three\n");
  const c = buf.take();
  assert.ok(c.buffer === a.buffer, "a released one is");
  assert.equal(new TextDecoder().decode(c), "three\n");
  assert.equal(new TextDecoder().decode(b), "two\n", "and the one still out is untouched");
  // Nothing is released: every take needs a new buffer, and 16 are kept.
  const out = [b, c];
  for (let i = 0; i < 30; i++) {
    buf.push("x\n");
    out.push(buf.take());
  }
  assert.equal(buf.pooled, 16);
  for (const bytes of out) releaseLines(bytes);
  const seen = new Set<SharedArrayBuffer>();
  for (let i = 0; i < 40; i++) {
    buf.push("y\n");
    const bytes = buf.take();
    seen.add(bytes.buffer);
    releaseLines(bytes);
  }
  assert.equal(buf.pooled, 16, "released buffers are enough: no more are made");
  assert.equal(seen.size, 1, "with each released at once, one buffer serves every take");
});

Deno.test("LineBuffer: an empty take hands nothing over and takes no buffer", () => {
  const buf = new LineBuffer(() => {}, 32);
  const empty = buf.take();
  assert.equal(empty.length, 0);
  assert.equal(buf.pooled, 0);
  releaseLines(empty);
  buf.push("a\n");
  const a = buf.take();
  assert.equal(new TextDecoder().decode(a), "a\n");
  buf.push("b\n");
  assert.ok(buf.take().buffer !== a.buffer, "the handed-over buffer is out until released");
  assert.equal(buf.pooled, 2);
});

Deno.test("LineBuffer: another thread releases a buffer with no message to the owner", async () => {
  const buf = new LineBuffer(() => {}, 32);
  buf.push("one\n");
  const a = buf.take();
  const code = `self.onmessage = (e) => {
    Atomics.store(new Int32Array(e.data.buffer, 0, 1), 0, 0);
    self.postMessage("done");
  };`;
  const worker = new Worker(URL.createObjectURL(new Blob([code], { type: "text/javascript" })), { type: "module" });
  try {
    const done = new Promise((resolve) => worker.onmessage = resolve);
    worker.postMessage(a);
    await done;
  } finally {
    worker.terminate();
  }
  buf.push("two\n");
  assert.ok(buf.take().buffer === a.buffer);
});

Deno.test("LineBuffer: takeLines counts the lines it hands over, when encoding them fills the buffer first", () => {
  // Flushing as a worker does: pending lines that no longer fit make
  // onFull hand the encoded ones over before takeLines returns the rest.
  const posted: { text: string; count: number }[] = [];
  const post = () => {
    const { bytes, count } = buf.takeLines();
    if (count > 0) posted.push({ text: new TextDecoder().decode(bytes), count });
    releaseLines(bytes);
  };
  const buf: LineBuffer = new LineBuffer(post, 64, 1000);
  buf.push("a".repeat(20) + "\n");
  buf.length; // encodes it: 21 bytes used
  buf.push("b".repeat(20) + "\n"); // pending: 21 chars, 63 bytes at worst, do not fit after 21
  post();
  assert.deepEqual(posted.map((p) => p.count), [1, 1]);
  for (const p of posted) assert.equal(p.text.split("\n").length - 1, p.count, p.text);
});

Deno.test("LineBuffer: lines written with reserve and commit keep their place among pushed ones", () => {
  const taken: string[] = [];
  const buf: LineBuffer = new LineBuffer(() => taken.push(text([buf.take()])), 16, 4);
  const write = (line: string) => {
    const b = buf.reserve(line.length);
    let o = buf.used;
    for (const c of line) b[o++] = c.charCodeAt(0);
    buf.commit(o);
  };
  buf.push("a\n");
  write("bb\n");
  buf.push("c\n");
  write("dddddddddd\n");
  write("e".repeat(40) + "\n");
  buf.push("f\n");
  // The oversized line, in a buffer of its own, and the pushed one.
  assert.equal(buf.count, 2);
  taken.push(text([buf.take()]));
  assert.deepEqual(taken, ["a\nbb\nc\n", "dddddddddd\n", "e".repeat(40) + "\n", "f\n"]);
});
