#!/usr/bin/python3
"""A pika connection opened before l7trace starts (AMQP mid-stream).

Usage: amqp_late.py PORT. Connects (heartbeats off), opens channel 1 and
declares queue e2e.late, prints "ready", then waits for a line on stdin
(l7trace starts meanwhile). Then, on channel 1: Basic.Publish "one",
Basic.Get + Basic.Ack, Basic.Publish "two", Basic.Consume (tag late-ctag)
+ its Basic.Deliver + Basic.Ack, Basic.Cancel, Queue.Delete, and
Connection.Close (pika closes channel 1 first). Prints "ok".
"""

import sys

import pika

params = pika.ConnectionParameters(
    host="127.0.0.1",
    port=int(sys.argv[1]),
    credentials=pika.PlainCredentials("guest", "guest"),
    heartbeat=0,
)
conn = pika.BlockingConnection(params)
ch = conn.channel()
ch.queue_declare("e2e.late")
print("ready", flush=True)
sys.stdin.readline()
ch.basic_publish("", "e2e.late", b"one")
method, _, body = ch.basic_get("e2e.late")
assert body == b"one", body
ch.basic_ack(method.delivery_tag)
ch.basic_publish("", "e2e.late", b"two")
got = []


def on_message(channel, method, _props, body):
    channel.basic_ack(method.delivery_tag)
    got.append(body)


ch.basic_consume("e2e.late", on_message, consumer_tag="late-ctag")
while not got:
    conn.process_data_events(time_limit=1)
assert got == [b"two"], got
ch.basic_cancel("late-ctag")
ch.queue_delete("e2e.late")
conn.close()
print("ok")
