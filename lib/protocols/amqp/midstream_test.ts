import assert from "node:assert/strict";
import { Tracker } from "../../conn/tracker.ts";
import { Direction, EventWriter, Role } from "../../../ffi/event_writer.ts";
import type { AmqpRequest } from "./types.ts";
import { body, concat, header, longlong, method, shortstr } from "./testdata.ts";

const deliver = (tag: number, text: string) =>
  concat(
    method(1, 60, 60, shortstr("c1"), longlong(tag), 0, shortstr(""), shortstr("q")),
    header(1, text.length),
    body(1, text),
  );

Deno.test("an AMQP consumer seen mid-stream is traced from the first delivery that starts a syscall", () => {
  const seen: AmqpRequest[] = [];
  const t = new Tracker({ maxBodyBytes: 64 }, (_p, _c, ex) => seen.push(ex.req as AmqpRequest));
  const w = new EventWriter();
  const c = { connId: 3, tgid: 50, fd: 9 };
  // An auto-ack consumer sends nothing: only the broker's frames arrive.
  w.open(c, 1000, { role: Role.Client, protocol: 10, sendPos: 400, recvPos: 2000 });
  const frames = [
    Uint8Array.of(0x6f, 0xce), // the end of a frame that began before tracing
    method(1, 50, 11, shortstr("q"), 0, 0, 0, 0, 0, 0, 0, 0), // a Declare-Ok no request of which was seen
    deliver(1, "one"),
    deliver(2, "two"),
  ];
  let pos = 2000;
  for (const [i, f] of frames.entries()) {
    w.data(c, 2000 + i, Direction.Recv, pos, f, 400);
    pos += f.length;
  }
  w.close(c, 9000, 400, pos);
  t.handleBatch(w.bytes, w.bytes.length);
  assert.deepEqual(seen.map((q) => [q.method, q.sender, q.delivery_tag, q.payload]), [
    ["Basic.Deliver", "server", 1, "one"],
    ["Basic.Deliver", "server", 2, "two"],
  ]);
});
