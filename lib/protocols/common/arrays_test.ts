import assert from "node:assert/strict";
import { clearArray, dropFront } from "./arrays.ts";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

Deno.test("clearArray empties short and long arrays", () => {
  for (const n of [0, 1, 5, 32, 33, 1000]) {
    const a = range(n);
    clearArray(a);
    assert.equal(a.length, 0, `length ${n}`);
    a.push(7);
    assert.deepEqual(a, [7]);
  }
});

Deno.test("dropFront removes the first n elements and keeps the order of the rest", () => {
  for (const len of [0, 1, 2, 10, 32, 33, 40, 100]) {
    for (const n of new Set([0, 1, 2, len >> 1, len - 1, len])) {
      if (n < 0 || n > len) continue;
      const a = range(len);
      dropFront(a, n);
      assert.deepEqual(a, range(len).slice(n), `length ${len}, drop ${n}`);
    }
  }
  // Holes are not left behind: what was moved is gone from the end.
  const objs = [{ a: 1 }, { a: 2 }, { a: 3 }];
  dropFront(objs, 1);
  assert.equal(objs.length, 2);
  assert.deepEqual(objs, [{ a: 2 }, { a: 3 }]);
});
