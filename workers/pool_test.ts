import assert from "node:assert/strict";
import { mergeReplies } from "./pool.ts";
import type { BatchMessage } from "./messages.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function shared(text: string): Uint8Array<SharedArrayBuffer> {
  const bytes = enc.encode(text);
  const out = new Uint8Array(new SharedArrayBuffer(bytes.length));
  out.set(bytes);
  return out;
}

function reply(chunks: string[], seqs: number[], connIds: number[]): BatchMessage {
  return {
    type: "batch",
    batch: 0,
    chunks: chunks.map(shared),
    counts: chunks.map((c) => c.split("\n").length - 1),
    seqs: Float64Array.from(seqs),
    connIds: Float64Array.from(connIds),
  };
}

Deno.test("mergeReplies orders the workers' lines by completing event, then connection, across chunks", () => {
  const a = reply(['{"a":1}\n{"a":2}\n', '{"a":"é"}\n'], [1, 5, 9], [10, 10, 10]);
  const b = reply(['{"b":1}\n', "", '{"b":2}\n{"b":3}\n'], [2, 5, 20], [3, 3, 3]);
  const merged = mergeReplies([a, b]);
  assert.equal(merged.count, 6);
  assert.equal(
    dec.decode(merged.bytes),
    '{"a":1}\n{"b":1}\n{"b":2}\n{"a":2}\n{"a":"é"}\n{"b":3}\n',
  );
});

Deno.test("mergeReplies of workers without records is empty", () => {
  const merged = mergeReplies([reply([], [], []), reply([""], [], [])]);
  assert.equal(merged.count, 0);
  assert.equal(merged.bytes.length, 0);
});
