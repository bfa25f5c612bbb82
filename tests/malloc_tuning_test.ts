import assert from "node:assert/strict";
import { tuneMalloc } from "../lib/cli/malloc_tuning.ts";

Deno.test("tuneMalloc sets glibc's mmap and trim thresholds (Debian runs glibc)", () => {
  assert.equal(tuneMalloc(), true);
});
