/**
 * End-to-end AMQP 0-9-1 tracing (root): a real RabbitMQ broker (Debian's
 * rabbitmq-server, beam.smp) driven by pika (tests/e2e/clients/
 * amqp_client.py): the connection handshake, declarations, publishes with
 * and without properties, Basic.Get, a consumer, a confirm channel, a
 * channel error (404), a transaction and a 200 KB message over several body
 * frames, with exact records on the client's and the broker's side, and the
 * `amqp` filters on the same traffic. And a pika connection opened before
 * l7trace started (clients/amqp_late.py), traced from its next publish.
 */
import assert from "node:assert/strict";
import type { AmqpFields, AmqpRequest } from "../../lib/protocols/amqp/types.ts";
import { type Rec, sessionRecords } from "../../lib/protocols/amqp/testdata/session.ts";
import type { L7Record } from "../../lib/record.ts";
import { recordsOf, run, type Server, startTracer } from "./harness.ts";
import { byTime, runClient, startRabbitmq, stopAll } from "./daemons.ts";
import { TextOutput } from "./text_output.ts";

const CLIENT = new URL("./clients/amqp_client.py", import.meta.url).pathname;
const LATE_CLIENT = new URL("./clients/amqp_late.py", import.meta.url).pathname;
/** Debian's interpreter: python3-pika is installed for it (a python3 earlier on PATH may lack it). */
const PYTHON = "/usr/bin/python3";

function view(r: L7Record): Rec {
  assert.equal(r.protocol, "amqp");
  return [r.req as AmqpRequest, r.resp as AmqpFields | null];
}

/** Frame bytes: 8 of frame header and end around each payload. */
const PUBLISH_TEXT_BYTES = (8 + 4 + 2 + 6 + 3 + 1) + (8 + 14 + 11 + 1 + 3) + (8 + 10);

Deno.test("pika against RabbitMQ: exact records on the client's and the broker's side, and the amqp filters", async () => {
  let broker: Server | undefined;
  try {
    broker = await startRabbitmq();
    const version = (await run("dpkg-query", ["-W", "-f", "${Version}", "rabbitmq-server"])).split("-")[0]!;
    const tracer = await startTracer(["amqp"]);
    const publishes = await startTracer(["amqp", "--method", "basic.publish", "--exchange", "e2e.x", "--workers", "1"]);
    const gets = await startTracer(["amqp", "--queue", "e2e.q", "--routing-key", "e2e.q", "--workers", "1"]);
    const ran = await runClient(PYTHON, [CLIENT, String(broker.port), "big"]);
    const [all, pub, get] = [await tracer.stop(), await publishes.stop(), await gets.stop()];
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout.trim(), "ok");
    for (const t of [all, pub, get]) assert.equal(t.code, 0, t.stderr);

    const client = byTime(recordsOf(all.records, ran.pid, "client"));
    assert.ok(client.length > 0, "no record on the client's side");
    const port = client[0]!.local_port;
    const mine = (rs: L7Record[], side: "client" | "server") =>
      byTime(
        rs.filter((r) =>
          side === "client"
            ? r.pid === ran.pid && r.side === "client"
            : r.pid === broker!.pid && r.side === "server" && r.remote_port === port
        ),
      );
    const server = mine(all.records, "server");
    const want = sessionRecords(version, true);
    assert.deepEqual(client.map(view), want);
    assert.deepEqual(server.map(view), want);
    // The broker's side is the Erlang VM itself (its scheduler threads read and write the socket).
    assert.deepEqual([...new Set(server.map((r) => r.comm))], ["beam.smp"]);
    assert.deepEqual([...new Set(client.map((r) => r.remote_port))], [broker.port]);
    // Both ends count the same bytes; the first text publish is its three frames.
    assert.deepEqual(server.map((r) => [r.req_bytes, r.resp_bytes]), client.map((r) => [r.req_bytes, r.resp_bytes]));
    const textPublish = client.find((r) => (r.req as AmqpRequest).payload === "hello amqp")!;
    assert.equal(textPublish.req_bytes, PUBLISH_TEXT_BYTES);
    assert.equal(textPublish.resp_bytes, 0);
    // The 200000-byte message: method, header and two body frames (frame_max 131072) on the wire.
    const big = client.find((r) => (r.req as AmqpRequest).body_size === 200000)!;
    assert.equal(big.req_bytes, (8 + 4 + 2 + 1 + 6 + 1) + (8 + 14) + 2 * 8 + 200000);
    // The SASL response (guest's password) is never in a record.
    assert.ok(!JSON.stringify(all.records.filter((r) => r.pid === ran.pid)).includes("guest\\u0000guest"));

    // --method basic.publish --exchange e2e.x: the five publishes to e2e.x, on each side.
    const toX = want.filter(([q]: Rec) => q.method === "Basic.Publish" && q.exchange === "e2e.x");
    assert.equal(toX.length, 5);
    assert.deepEqual(mine(pub.records, "client").map(view), toX);
    assert.deepEqual(mine(pub.records, "server").map(view), toX);
    // --queue e2e.q --routing-key e2e.q: records naming both (the big message's publish has the
    // queue as routing key but names no queue, its Basic.Get names the queue and gets the key back).
    const bigGet = want.filter(([q, r]: Rec) => q.queue === "e2e.q" && (q.routing_key ?? r?.routing_key) === "e2e.q");
    assert.equal(bigGet.length, 1);
    assert.deepEqual(mine(get.records, "client").map(view), bigGet);
    assert.deepEqual(mine(get.records, "server").map(view), bigGet);
  } finally {
    await stopAll(broker);
  }
});

Deno.test("a pika connection opened before l7trace is traced from its next publish on, both sides", async () => {
  let broker: Server | undefined;
  let client: Deno.ChildProcess | undefined;
  try {
    broker = await startRabbitmq();
    client = new Deno.Command(PYTHON, {
      args: [LATE_CLIENT, String(broker.port)],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out = new TextOutput(client.stdout);
    await out.until("ready", "amqp_late.py");
    const tracer = await startTracer(["amqp"]);
    const stdin = client.stdin.getWriter();
    await stdin.write(new TextEncoder().encode("go\n"));
    await stdin.close();
    const [status, stdout, stderr] = await Promise.all([client.status, out.rest(), new Response(client.stderr).text()]);
    const pid = client.pid;
    client = undefined;
    assert.equal(status.code, 0, stderr);
    assert.equal(stdout, "ready\nok\n");
    const { records, code, stderr: tracerErr } = await tracer.stop();
    assert.equal(code, 0, tracerErr);

    const mine = byTime(recordsOf(records, pid, "client"));
    assert.ok(mine.length > 0, "no record on the client's side");
    const port = mine[0]!.local_port;
    const server = byTime(recordsOf(records, broker.pid, "server").filter((r) => r.remote_port === port));
    const c = (method: string, args: Partial<AmqpFields> = {}): AmqpRequest => ({
      method,
      sender: "client",
      channel: method.startsWith("Connection.") ? 0 : 1,
      ...args,
    });
    const want: Rec[] = [
      [c("Basic.Publish", { exchange: "", routing_key: "e2e.late", body_size: 3, payload: "one" }), null],
      [
        c("Basic.Get", { queue: "e2e.late" }),
        {
          method: "Basic.Get-Ok",
          delivery_tag: 1,
          exchange: "",
          routing_key: "e2e.late",
          message_count: 0,
          body_size: 3,
          payload: "one",
        },
      ],
      [c("Basic.Ack", { delivery_tag: 1 }), null],
      [c("Basic.Publish", { exchange: "", routing_key: "e2e.late", body_size: 3, payload: "two" }), null],
      [
        c("Basic.Consume", { queue: "e2e.late", consumer_tag: "late-ctag" }),
        { method: "Basic.Consume-Ok", consumer_tag: "late-ctag" },
      ],
      [
        {
          method: "Basic.Deliver",
          sender: "server",
          channel: 1,
          consumer_tag: "late-ctag",
          delivery_tag: 2,
          exchange: "",
          routing_key: "e2e.late",
          body_size: 3,
          payload: "two",
        },
        null,
      ],
      [c("Basic.Ack", { delivery_tag: 2 }), null],
      [c("Basic.Cancel", { consumer_tag: "late-ctag" }), { method: "Basic.Cancel-Ok", consumer_tag: "late-ctag" }],
      [c("Queue.Delete", { queue: "e2e.late" }), { method: "Queue.Delete-Ok", message_count: 0 }],
      [c("Channel.Close", { reply_code: 200, reply_text: "Normal shutdown" }), { method: "Channel.Close-Ok" }],
      [c("Connection.Close", { reply_code: 200, reply_text: "Normal shutdown" }), { method: "Connection.Close-Ok" }],
    ];
    assert.deepEqual(mine.map(view), want, "client side");
    assert.deepEqual(server.map(view), want, "broker side");
  } finally {
    client?.kill("SIGKILL");
    await client?.status;
    await stopAll(broker);
  }
});
