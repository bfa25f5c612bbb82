import assert from "node:assert/strict";
import { EventWriter, Role } from "../../ffi/event_writer.ts";
import { Direction, ringForConnection } from "../../ffi/shim.ts";
import { splitBlock } from "./replay.ts";

Deno.test("splitBlock sends each connection to the worker the kernel hash picks, in order", () => {
  const w = new EventWriter();
  const conns = Array.from(
    { length: 12 },
    (_, i) => ({ connId: i + 1, tgid: 100 + i, fd: 3 + (i % 4) }),
  );
  for (const c of conns) w.open(c, 1, { role: Role.Client, protocol: 1 });
  for (const c of conns) {
    w.data(c, 2, Direction.Send, 0, `GET /${c.connId} HTTP/1.1\r\n\r\n`);
  }
  w.exit(100, 3);
  const { parts, count } = splitBlock(w.bytes, 5, 3, 1000);
  assert.equal(count, 25);
  assert.equal(parts.length, 3);
  let total = 0;
  parts.forEach((part, worker) => {
    const v = new DataView(part.bytes.buffer);
    const seen: number[] = [];
    for (let off = 0, i = 0; off < part.bytes.length; i++) {
      const size = v.getUint32(off, true);
      const tgid = v.getUint32(off + 8, true), fd = v.getInt32(off + 12, true);
      if (fd >= 0) assert.equal(ringForConnection(tgid, fd, 3), worker);
      seen.push(part.seqs[i]!);
      assert.equal(part.sources[i], 5);
      off += (size + 7) & ~7;
      total++;
    }
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b), "file order kept");
    assert.equal(seen[seen.length - 1], 1024, "the exit reaches every worker");
  });
  assert.equal(total, 24 + 3);
});

Deno.test("splitBlock gives a single worker the block itself, uncopied and without sort keys", () => {
  const w = new EventWriter();
  const c = { connId: 1, tgid: 100, fd: 3 };
  w.open(c, 1, { role: Role.Client, protocol: 1 });
  w.data(c, 2, Direction.Send, 0, "GET / HTTP/1.1\r\n\r\n");
  w.close(c, 3, 18, 0);
  const block = new Uint8Array(new SharedArrayBuffer(w.bytes.length));
  block.set(w.bytes);
  const { parts, count } = splitBlock(block, 2, 1, 500);
  assert.equal(count, 3);
  assert.equal(parts.length, 1);
  assert.equal(parts[0]!.bytes, block, "the same bytes, not a copy");
  const unshared = splitBlock(w.bytes.slice(), 2, 1, 500).parts[0]!.bytes;
  assert.ok(unshared.buffer instanceof SharedArrayBuffer, "a worker gets shared memory");
  assert.deepEqual([...unshared], [...block]);
  assert.deepEqual([...parts[0]!.sources], [2, 2, 2]);
  assert.equal(parts[0]!.seqs.length, 0);
});

Deno.test("splitBlock for a single worker stops at a torn event as the shards do", () => {
  const w = new EventWriter();
  const c = { connId: 1, tgid: 100, fd: 3 };
  w.open(c, 1, { role: Role.Client, protocol: 1 });
  w.data(c, 2, Direction.Send, 0, "GET / HTTP/1.1\r\n\r\n");
  const whole = w.bytes.slice();
  // More than the 7 bytes of padding an event can end with: into its payload.
  const torn = whole.slice(0, whole.length - 12);
  const one = splitBlock(torn, 0, 1, 0);
  const two = splitBlock(torn, 0, 2, 0);
  assert.equal(one.count, 1);
  assert.equal(two.count, 1);
  assert.equal(one.parts[0]!.bytes.length, two.parts.reduce((n, p) => n + p.bytes.length, 0));
});
