/**
 * The records the pika session of tests/e2e/clients/amqp_client.py makes
 * against RabbitMQ: what the captured fixtures replay to, and what the
 * end-to-end test sees on the client's and on the broker's side.
 *
 * @module
 */
import type { AmqpFields, AmqpRequest } from "../types.ts";

/** One record: its req and resp. */
export type Rec = [AmqpRequest, AmqpFields | null];

const c = (channel: number, method: string, args: Partial<AmqpFields> = {}): AmqpRequest => ({
  method,
  sender: "client",
  channel,
  ...args,
});
const s = (channel: number, method: string, args: Partial<AmqpFields> = {}): AmqpRequest => ({
  method,
  sender: "server",
  channel,
  ...args,
});
const ok = (method: string, args: Partial<AmqpFields> = {}): AmqpFields => ({ method, ...args });

const HEX64 = Array.from({ length: 64 }, (_, i) => i.toString(16).padStart(2, "0")).join("");
const TEXT_PROPS = { content_type: "text/plain", delivery_mode: 2, message_id: "m1" };

/**
 * The records of one run of amqp_client.py, in request order: `version` is
 * the broker's, `big` whether the client ran with "big" (a 200000-byte
 * message published and got), `maxBodyBytes` where payloads are cut.
 */
export function sessionRecords(version: string, big: boolean, maxBodyBytes = 1024): Rec[] {
  const closeOk = (ch: number): Rec => [
    c(ch, "Channel.Close", { reply_code: 200, reply_text: "Normal shutdown" }),
    ok("Channel.Close-Ok"),
  ];
  const notFound = {
    reply_code: 404,
    reply_text: "NOT_FOUND - no queue 'e2e.missing' in vhost '/'",
    failed_method: "Queue.Declare",
  };
  const cut = (text: string) =>
    text.length > maxBodyBytes ? { payload: text.slice(0, maxBodyBytes), payload_truncated: true } : { payload: text };
  const hex64 = HEX64.length / 2 > maxBodyBytes
    ? { payload_hex: HEX64.slice(0, 2 * maxBodyBytes), payload_truncated: true }
    : { payload_hex: HEX64 };
  const bigMessage: Rec[] = [
    [
      c(1, "Basic.Publish", { exchange: "", routing_key: "e2e.q", body_size: 200000, ...cut("x".repeat(200000)) }),
      null,
    ],
    [
      c(1, "Basic.Get", { queue: "e2e.q", flags: ["no_ack"] }),
      ok("Basic.Get-Ok", {
        delivery_tag: 3,
        exchange: "",
        routing_key: "e2e.q",
        message_count: 0,
        body_size: 200000,
        ...cut("x".repeat(200000)),
      }),
    ],
  ];
  return [
    [
      s(0, "Connection.Start", {
        version_major: 0,
        version_minor: 9,
        product: "RabbitMQ",
        product_version: version,
        mechanisms: "PLAIN AMQPLAIN",
        locales: "en_US",
      }),
      ok("Connection.Start-Ok", {
        product: "Pika Python Client Library",
        connection_name: "l7trace-e2e",
        mechanism: "PLAIN",
        response: "***",
        locale: "en_US",
      }),
    ],
    [
      s(0, "Connection.Tune", { channel_max: 2047, frame_max: 131072, heartbeat: 60 }),
      ok("Connection.Tune-Ok", { channel_max: 2047, frame_max: 131072, heartbeat: 0 }),
    ],
    [c(0, "Connection.Open", { virtual_host: "/" }), ok("Connection.Open-Ok")],
    [c(1, "Channel.Open"), ok("Channel.Open-Ok")],
    [c(1, "Exchange.Declare", { exchange: "e2e.x", type: "direct" }), ok("Exchange.Declare-Ok")],
    [
      c(1, "Queue.Declare", { queue: "e2e.q" }),
      ok("Queue.Declare-Ok", { queue: "e2e.q", message_count: 0, consumer_count: 0 }),
    ],
    [c(1, "Queue.Bind", { queue: "e2e.q", exchange: "e2e.x", routing_key: "k1" }), ok("Queue.Bind-Ok")],
    [
      c(1, "Basic.Publish", {
        exchange: "e2e.x",
        routing_key: "k1",
        body_size: 10,
        properties: TEXT_PROPS,
        ...cut("hello amqp"),
      }),
      null,
    ],
    [c(1, "Basic.Publish", { exchange: "e2e.x", routing_key: "k1", body_size: 64, ...hex64 }), null],
    [
      c(1, "Basic.Get", { queue: "e2e.q" }),
      ok("Basic.Get-Ok", {
        delivery_tag: 1,
        exchange: "e2e.x",
        routing_key: "k1",
        message_count: 1,
        body_size: 10,
        properties: TEXT_PROPS,
        ...cut("hello amqp"),
      }),
    ],
    [c(1, "Basic.Ack", { delivery_tag: 1 }), null],
    [c(1, "Basic.Qos", { prefetch_size: 0, prefetch_count: 2 }), ok("Basic.Qos-Ok")],
    [
      c(1, "Basic.Consume", { queue: "e2e.q", consumer_tag: "e2e-ctag" }),
      ok("Basic.Consume-Ok", { consumer_tag: "e2e-ctag" }),
    ],
    [
      s(1, "Basic.Deliver", {
        consumer_tag: "e2e-ctag",
        delivery_tag: 2,
        exchange: "e2e.x",
        routing_key: "k1",
        body_size: 64,
        ...hex64,
      }),
      null,
    ],
    [c(1, "Basic.Ack", { delivery_tag: 2 }), null],
    [
      c(1, "Basic.Cancel", { consumer_tag: "e2e-ctag" }),
      ok("Basic.Cancel-Ok", { consumer_tag: "e2e-ctag" }),
    ],
    [c(1, "Queue.Purge", { queue: "e2e.q" }), ok("Queue.Purge-Ok", { message_count: 0 })],
    ...(big ? bigMessage : []),
    [c(2, "Channel.Open"), ok("Channel.Open-Ok")],
    [c(2, "Confirm.Select"), ok("Confirm.Select-Ok")],
    [
      c(2, "Basic.Publish", { exchange: "e2e.x", routing_key: "k2", body_size: 9, ...cut("confirmed") }),
      ok("Basic.Ack", { delivery_tag: 1 }),
    ],
    [
      c(2, "Basic.Publish", {
        exchange: "e2e.x",
        routing_key: "nowhere",
        flags: ["mandatory"],
        body_size: 8,
        ...cut("returned"),
      }),
      ok("Basic.Ack", { delivery_tag: 2 }),
    ],
    [
      s(2, "Basic.Return", {
        reply_code: 312,
        reply_text: "NO_ROUTE",
        exchange: "e2e.x",
        routing_key: "nowhere",
        body_size: 8,
        ...cut("returned"),
      }),
      null,
    ],
    [c(3, "Channel.Open"), ok("Channel.Open-Ok")],
    [c(3, "Queue.Declare", { queue: "e2e.missing", flags: ["passive"] }), ok("Channel.Close", notFound)],
    [s(3, "Channel.Close", notFound), ok("Channel.Close-Ok")],
    [c(3, "Channel.Open"), ok("Channel.Open-Ok")],
    [c(3, "Tx.Select"), ok("Tx.Select-Ok")],
    [c(3, "Basic.Publish", { exchange: "e2e.x", routing_key: "k2", body_size: 5, ...cut("in tx") }), null],
    [c(3, "Tx.Commit"), ok("Tx.Commit-Ok")],
    [c(3, "Queue.Delete", { queue: "e2e.q" }), ok("Queue.Delete-Ok", { message_count: 0 })],
    closeOk(1),
    closeOk(2),
    closeOk(3),
    [c(0, "Connection.Close", { reply_code: 200, reply_text: "Normal shutdown" }), ok("Connection.Close-Ok")],
  ];
}
