#!/usr/bin/python3
"""A pika (BlockingConnection) session against RabbitMQ, always the same.

Usage: amqp_client.py PORT [big]. One connection (heartbeats off, so no
frame comes at a time of its own), then:
  channel 1: Exchange.Declare e2e.x (direct), Queue.Declare e2e.q, Queue.Bind
             k1, two Basic.Publish (text with properties; 64 binary bytes),
             Basic.Get + Basic.Ack, Basic.Qos 2, Basic.Consume (tag e2e-ctag)
             + one Basic.Deliver + Basic.Ack, Basic.Cancel, Queue.Purge;
  channel 2: Confirm.Select, a Basic.Publish the broker confirms (Basic.Ack),
             a mandatory one it returns (Basic.Return, then Basic.Ack);
  channel 3: Queue.Declare of a missing queue, passive: Channel.Close 404;
  channel 4: Tx.Select, a Basic.Publish, Tx.Commit; Queue.Delete e2e.q;
  with "big": a 200000-byte message published and got on channel 1
             (several body frames of frame_max 131072);
and Connection.Close (pika first closes each open channel). Prints "ok".
"""

import sys

import pika

PORT = int(sys.argv[1])
BIG = len(sys.argv) > 2 and sys.argv[2] == "big"

params = pika.ConnectionParameters(
    host="127.0.0.1",
    port=PORT,
    credentials=pika.PlainCredentials("guest", "guest"),
    heartbeat=0,
    client_properties={"connection_name": "l7trace-e2e"},
)
conn = pika.BlockingConnection(params)
ch = conn.channel()
ch.exchange_declare("e2e.x", exchange_type="direct")
ch.queue_declare("e2e.q")
ch.queue_bind("e2e.q", "e2e.x", routing_key="k1")
props = pika.BasicProperties(content_type="text/plain", delivery_mode=2, message_id="m1")
ch.basic_publish("e2e.x", "k1", b"hello amqp", properties=props)
ch.basic_publish("e2e.x", "k1", bytes(range(64)))
method, _, body = ch.basic_get("e2e.q")
assert body == b"hello amqp", body
ch.basic_ack(method.delivery_tag)
ch.basic_qos(prefetch_count=2)
got = []


def on_message(channel, method, _props, body):
    assert body == bytes(range(64)), body
    channel.basic_ack(method.delivery_tag)
    got.append(body)


ch.basic_consume("e2e.q", on_message, consumer_tag="e2e-ctag")
while not got:
    conn.process_data_events(time_limit=1)
ch.basic_cancel("e2e-ctag")
ch.queue_purge("e2e.q")
if BIG:
    ch.basic_publish("", "e2e.q", b"x" * 200000)
    method, _, body = ch.basic_get("e2e.q", auto_ack=True)
    assert len(body) == 200000

confirm = conn.channel()
confirm.confirm_delivery()
confirm.basic_publish("e2e.x", "k2", b"confirmed")
try:
    confirm.basic_publish("e2e.x", "nowhere", b"returned", mandatory=True)
    raise SystemExit("a mandatory publish to no queue was not returned")
except pika.exceptions.UnroutableError:
    pass

bad = conn.channel()
try:
    bad.queue_declare("e2e.missing", passive=True)
    raise SystemExit("the passive declare of a missing queue succeeded")
except pika.exceptions.ChannelClosedByBroker as e:
    assert e.reply_code == 404, e

tx = conn.channel()
tx.tx_select()
tx.basic_publish("e2e.x", "k2", b"in tx")
tx.tx_commit()
tx.queue_delete("e2e.q")
conn.close()
print("ok")
