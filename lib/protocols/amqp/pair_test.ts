// Pairing on hand-built frames: the cases the captured session does not
// show (Get-Empty, no-wait, a multiple ack, interleaved channels, a
// Connection.Close refusing a login), each from the specification.
import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import {
  body,
  concat,
  header,
  long,
  longlong,
  longstr,
  method,
  PROTOCOL_HEADER,
  short,
  shortstr,
  Sim,
  table,
} from "./testdata.ts";

const C = Stream.Request, S = Stream.Response;

function run(reads: [Stream, Uint8Array][], maxBodyBytes = 1024): Sim {
  const s = new Sim(maxBodyBytes);
  reads.forEach(([st, b], i) => s.push(st, b, 10 * (i + 1)));
  s.close(1e6);
  return s;
}

const START = method(
  0,
  10,
  10,
  0,
  9,
  table({ product: "RabbitMQ", version: "3.12.1" }),
  longstr("PLAIN AMQPLAIN"),
  longstr("en_US"),
);
const START_OK = method(
  0,
  10,
  11,
  table({ product: "t" }),
  shortstr("PLAIN"),
  longstr("\0guest\0s3cret"),
  shortstr("en_US"),
);

Deno.test("Connection.Start is the server's request, Start-Ok its answer; the SASL response is never kept", () => {
  const s = run([[C, PROTOCOL_HEADER], [S, START], [C, START_OK]]);
  assert.equal(s.invalid, 0);
  assert.equal(s.out.length, 1);
  assert.deepEqual(s.out[0]!.req, {
    method: "Connection.Start",
    sender: "server",
    channel: 0,
    version_major: 0,
    version_minor: 9,
    product: "RabbitMQ",
    product_version: "3.12.1",
    mechanisms: "PLAIN AMQPLAIN",
    locales: "en_US",
  });
  assert.deepEqual(s.out[0]!.resp, {
    method: "Connection.Start-Ok",
    product: "t",
    mechanism: "PLAIN",
    response: "***",
    locale: "en_US",
  });
  assert.ok(!JSON.stringify(s.out).includes("s3cret"));
  assert.equal(s.out[0]!.reqBytes, START.length);
  assert.equal(s.out[0]!.respBytes, START_OK.length);
});

Deno.test("a refused Connection.Open: the server's Connection.Close answers it and is its own record", () => {
  const open = method(0, 10, 40, shortstr("/nope"), shortstr(""), 0);
  const close = method(0, 10, 50, short(530), shortstr("NOT_ALLOWED - vhost /nope not found"), short(10), short(40));
  const s = run([[C, open], [S, close], [C, method(0, 10, 51)]]);
  assert.deepEqual(s.out.map((x) => [x.req, x.resp]), [
    [
      { method: "Connection.Open", sender: "client", channel: 0, virtual_host: "/nope" },
      {
        method: "Connection.Close",
        reply_code: 530,
        reply_text: "NOT_ALLOWED - vhost /nope not found",
        failed_method: "Connection.Open",
      },
    ],
    [
      {
        method: "Connection.Close",
        sender: "server",
        channel: 0,
        reply_code: 530,
        reply_text: "NOT_ALLOWED - vhost /nope not found",
        failed_method: "Connection.Open",
      },
      { method: "Connection.Close-Ok" },
    ],
  ]);
});

Deno.test("Basic.Get: Get-Ok with its content, Get-Empty; replies matched per channel across interleaving", () => {
  const get = (ch: number) => method(ch, 60, 70, short(0), shortstr("q"), 0);
  const getOk = method(2, 60, 71, longlong(7), 1, shortstr("ex"), shortstr("rk"), long(3));
  const s = run([
    [C, concat(get(1), get(2))],
    [S, concat(getOk, header(2, 5, "text/plain"), body(2, "he"))],
    [S, concat(method(1, 60, 72, shortstr("")), body(2, "llo"))],
  ]);
  assert.equal(s.invalid, 0);
  assert.deepEqual(s.out.map((x) => [x.req, x.resp]), [
    [{ method: "Basic.Get", sender: "client", channel: 1, queue: "q" }, { method: "Basic.Get-Empty" }],
    [{ method: "Basic.Get", sender: "client", channel: 2, queue: "q" }, {
      method: "Basic.Get-Ok",
      delivery_tag: 7,
      flags: ["redelivered"],
      exchange: "ex",
      routing_key: "rk",
      message_count: 3,
      body_size: 5,
      properties: { content_type: "text/plain" },
      payload: "hello",
    }],
  ]);
  assert.equal(
    s.out[1]!.respBytes,
    getOk.length + header(2, 5, "text/plain").length + body(2, "he").length + body(2, "llo").length,
  );
});

Deno.test("confirm mode: a multiple Basic.Ack answers every publish up to its tag, a Nack the one it names", () => {
  const pub = (text: string) =>
    concat(method(1, 60, 40, short(0), shortstr("x"), shortstr("k"), 0), header(1, text.length), body(1, text));
  const ack = method(1, 60, 80, longlong(2), 1);
  const nack = method(1, 60, 120, longlong(3), 2);
  const s = run([
    [C, method(1, 85, 10, 0)],
    [S, method(1, 85, 11)],
    [C, concat(pub("a"), pub("b"), pub("c"))],
    [S, concat(ack, nack)],
  ]);
  assert.equal(s.invalid, 0);
  assert.deepEqual(s.out.map((x) => [x.req, x.resp]).slice(1), [
    [
      {
        method: "Basic.Publish",
        sender: "client",
        channel: 1,
        exchange: "x",
        routing_key: "k",
        body_size: 1,
        payload: "a",
      },
      { method: "Basic.Ack", delivery_tag: 2, flags: ["multiple"] },
    ],
    [
      {
        method: "Basic.Publish",
        sender: "client",
        channel: 1,
        exchange: "x",
        routing_key: "k",
        body_size: 1,
        payload: "b",
      },
      { method: "Basic.Ack", delivery_tag: 2, flags: ["multiple"] },
    ],
    [
      {
        method: "Basic.Publish",
        sender: "client",
        channel: 1,
        exchange: "x",
        routing_key: "k",
        body_size: 1,
        payload: "c",
      },
      { method: "Basic.Nack", delivery_tag: 3, flags: ["requeue"] },
    ],
  ]);
  // The ack's bytes count once, on the first publish it confirms.
  assert.deepEqual(s.out.slice(1).map((x) => x.respBytes), [ack.length, 0, nack.length]);
});

Deno.test("no-wait methods stand alone; a heartbeat is no record; a body cut at maxBodyBytes", () => {
  const declare = method(1, 50, 10, short(0), shortstr("q"), 0x10 | 0x02, table());
  const heartbeat = Uint8Array.from([8, 0, 0, 0, 0, 0, 0, 0xce]);
  const deliver = method(1, 60, 60, shortstr("ctag"), longlong(1), 0, shortstr(""), shortstr("q"));
  const s = run([[C, concat(declare, heartbeat)], [S, concat(heartbeat, deliver, header(1, 6), body(1, "abcdef"))]], 4);
  assert.equal(s.invalid, 0);
  assert.deepEqual(s.out.map((x) => [x.req, x.resp]), [
    [{ method: "Queue.Declare", sender: "client", channel: 1, queue: "q", flags: ["durable"] }, null],
    [{
      method: "Basic.Deliver",
      sender: "server",
      channel: 1,
      consumer_tag: "ctag",
      delivery_tag: 1,
      exchange: "",
      routing_key: "q",
      body_size: 6,
      payload: "abcd",
      payload_truncated: true,
    }, null],
  ]);
});

Deno.test("a gap inside a body frame is skipped without losing sync", () => {
  const s = new Sim(64);
  const pub = method(1, 60, 40, short(0), shortstr(""), shortstr("q"), 0);
  const b = body(1, "0123456789");
  s.push(C, concat(pub, header(1, 10), b.subarray(0, 9)), 1); // the frame header and 2 bytes
  s.gap(C, 6, 2);
  s.push(C, concat(b.subarray(15), method(1, 90, 10)), 3);
  s.close(4);
  assert.equal(s.invalid, 0);
  assert.deepEqual(s.out.map((x) => x.req), [
    {
      method: "Basic.Publish",
      sender: "client",
      channel: 1,
      exchange: "",
      routing_key: "q",
      body_size: 10,
      payload: "01",
      payload_truncated: true,
    },
    { method: "Tx.Select", sender: "client", channel: 1 },
  ]);
  assert.equal(s.out[0]!.reqBytes, pub.length + header(1, 10).length + b.length);
});
