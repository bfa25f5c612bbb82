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
