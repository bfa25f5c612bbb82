/**
 * Test support for parser fuzz tests: feeds bytes to a {@linkcode Parser}
 * the way the connection tracker does, cut at random places, and checks the
 * contract every parser keeps whatever the bytes.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Exchange, Parser, Stream } from "./parser.ts";

/**
 * Drives every entry point of `parser` with `buf` cut into random pieces of
 * 1-64 bytes: parseFrame on the held head (consumed bytes dropped, -1
 * answered by reset and findBoundary), now and then a skip and a closing
 * match. After each piece `invariants(state)` checks what the parser keeps
 * bounded; at the end every exchange must summarise and serialise.
 */
export function driveParser<S>(
  parser: Parser<S>,
  state: S,
  rand: () => number,
  stream: Stream,
  buf: Uint8Array,
  invariants: (state: S) => void,
): Exchange[] {
  const out: Exchange[] = [];
  let held = new Uint8Array(0);
  for (let i = 0; i < buf.length;) {
    const n = 1 + Math.floor(rand() * 64);
    const piece = buf.subarray(i, i + n);
    i += n;
    const b = new Uint8Array(held.length + piece.length);
    b.set(held);
    b.set(piece, held.length);
    held = b;
    const start = held.length;
    for (let guard = 0; held.length > 0; guard++) {
      assert.ok(guard <= start, "progress");
      const r = parser.parseFrame(state, stream, held, i, i);
      assert.ok(Number.isInteger(r) && r >= -1 && r <= held.length, `${r}`);
      if (r === 0) break;
      if (r > 0) {
        held = held.subarray(r);
        continue;
      }
      parser.reset(state);
      const at = parser.findBoundary(state, stream, held, 1);
      assert.ok(at === -1 || (at >= 1 && at < held.length));
      held = at < 0 ? new Uint8Array(0) : held.subarray(at);
    }
    if (rand() < 0.05) parser.skip(state, stream, Math.floor(rand() * 100), i);
    parser.match(state, out, rand() < 0.02);
    invariants(state);
  }
  for (const x of out) assert.equal(typeof parser.summarize(x.req, x.resp), "string");
  JSON.stringify(out);
  return out;
}
