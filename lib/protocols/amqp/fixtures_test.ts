// Replays of traffic captured from a real RabbitMQ 3.10.8 driven by pika
// (see testdata/capture.py): the records are exactly those the end-to-end
// test expects on both sides of the connection.
import assert from "node:assert/strict";
import type { AmqpRequest } from "./types.ts";
import { lines, load, replay } from "./testdata.ts";
import * as F from "./testdata/captured.ts";
import { sessionRecords } from "./testdata/session.ts";

const VERSION = "3.10.8";

Deno.test("the pika session: every record exact, at two --max-body-bytes", async () => {
  for (const max of [1024, 4]) {
    const s = await replay(F.SESSION[0]!, max);
    assert.equal(s.invalid, 0);
    assert.equal(s.state.orphans, 0);
    // In request order, as the end-to-end test sorts them (a publish waits for its ack, the Return before it does not).
    const inOrder = [...s.out].sort((a, b) => a.reqStartNs - b.reqStartNs);
    assert.deepEqual(inOrder.map((x) => [x.req, x.resp]), sessionRecords(VERSION, true, max));
  }
});

Deno.test("the pika session: sizes on the wire and the table's lines", async () => {
  const s = await replay(F.SESSION[0]!);
  // Every byte of both streams is in a record (heartbeats are off, the protocol header is in none).
  const reads = await load(F.SESSION[0]!);
  const total = (stream: number) => reads.filter(([st]) => st === stream).reduce((n, [, b]) => n + b.length, 0);
  const bySender = (sender: string, field: "reqBytes" | "respBytes") =>
    s.out.filter((x) => (x.req as AmqpRequest).sender === sender).reduce((n, x) => n + x[field], 0);
  assert.equal(bySender("client", "reqBytes") + bySender("server", "respBytes"), total(0) - 8);
  // The broker's Channel.Close is the refused Queue.Declare's response and its own record's request.
  const close = s.out.find((x) =>
    (x.req as AmqpRequest).method === "Channel.Close" && (x.req as AmqpRequest).sender === "server"
  )!;
  assert.equal(bySender("server", "reqBytes") + bySender("client", "respBytes"), total(1) + close.reqBytes);
  const text = lines(s.out);
  assert.equal(text[0], "Connection.Start (from server) ch0 -> Connection.Start-Ok");
  assert.ok(text.includes("Queue.Declare e2e.q ch1 -> Queue.Declare-Ok e2e.q 0 msgs 0 consumers"), text.join("\n"));
  assert.ok(text.includes("Basic.Publish e2e.x/k2 (9 B) ch2 -> Basic.Ack #1"), text.join("\n"));
  assert.ok(
    text.includes(
      "Queue.Declare e2e.missing ch3 -> Channel.Close 404 NOT_FOUND - no queue 'e2e.missing' in vhost '/'",
    ),
    text.join("\n"),
  );
});

Deno.test("a client of another AMQP version: the broker's own protocol header, then the close; no record", async () => {
  const s = await replay(F.VERSION[0]!);
  assert.equal(s.invalid, 0);
  assert.deepEqual(s.out, []);
});
