#!/usr/bin/env python3
"""Capture the MQTT fixtures in captured.ts from a real broker.

Starts `mosquitto` (Debian 2.0.11) on 127.0.0.1 with a random port, its own
config file and no persistence, puts a logging TCP relay in front of it,
drives it with `mosquitto_sub`, `mosquitto_pub` (MQTT 3.1, 3.1.1 and 5) and
raw sockets, and writes every relayed chunk (one recv() of the relay = one
read of the tracker) of every client connection, in arrival order, as hex.
Run: python3 capture.py (needs mosquitto and mosquitto-clients); then
`deno fmt`.
"""

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "captured.ts")

sys.path.insert(0, os.path.join(HERE, "..", "..", "common", "testdata"))
from relay import Relay, encode, write_fixtures  # noqa: E402  (shared with the other protocols)


def varint(n):
    out = b""
    while True:
        b, n = n % 128, n // 128
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def packet(first, body):
    return bytes([first]) + varint(len(body)) + body


def s(text):
    b = text.encode() if isinstance(text, str) else text
    return len(b).to_bytes(2, "big") + b


def raw(port, packets, wait=0.15):
    """Sends each packet in its own write, reading what comes back."""
    c = socket.create_connection(("127.0.0.1", port))
    c.settimeout(wait)
    for p in packets:
        c.sendall(p)
        time.sleep(wait)
        try:
            while c.recv(65536):
                pass
        except socket.timeout:
            pass
    c.close()


def pub(port, *args):
    subprocess.run(["mosquitto_pub", "-p", str(port), *args], check=True,
                   capture_output=True)


def sub(port, *args):
    return subprocess.Popen(["mosquitto_sub", "-p", str(port), *args],
                            stdout=subprocess.DEVNULL)


def session(relay, port, version, tag):
    """A subscriber and publishers at QoS 0, 1 and 2, one protocol version."""
    v = ["-V", version]
    s1 = sub(port, *v, "-i", f"sub-{tag}", "-q", "2", "-t", "sensors/#",
             "-C", "3")
    time.sleep(0.4)
    pub(port, *v, "-i", f"pub0-{tag}", "-q", "0", "-t", "sensors/t",
        "-m", "21.5")
    pub(port, *v, "-i", f"pub1-{tag}", "-q", "1", "-t", "sensors/h",
        "-m", "hello", "-u", "alice", "-P", "s3cret")
    pub(port, *v, "-i", f"pub2-{tag}", "-q", "2", "-t", "sensors/x",
        "-m", "two")
    s1.wait(timeout=5)
    return relay.take()


def main():
    tmp = tempfile.mkdtemp()
    ports = random.sample(range(20000, 60000), 2)
    conf = os.path.join(tmp, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write(f"listener {ports[0]} 127.0.0.1\nallow_anonymous true\n"
                "persistence false\n")
    srv = subprocess.Popen(["mosquitto", "-c", conf],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        relay = Relay(ports[1], ports[0], settle=0.4)
        rp = ports[1]
        got = {}
        got["V311"] = session(relay, rp, "mqttv311", "v311")
        got["V5"] = session(relay, rp, "mqttv5", "v5")
        got["V31"] = session(relay, rp, "mqttv31", "v31")
        # v5 PUBLISH properties: a topic alias (sent with its topic, then
        # without), content type, user property; a 100 KB binary payload.
        big = os.path.join(tmp, "big.bin")
        with open(big, "wb") as f:
            f.write(bytes(range(256)) * 400)
        pub(rp, "-V", "mqttv5", "-i", "props", "-q", "1", "-t", "a/b",
            "-m", "x", "-D", "publish", "content-type", "text/plain",
            "-D", "publish", "user-property", "k", "v",
            "-D", "publish", "topic-alias", "3", "--repeat", "2")
        pub(rp, "-V", "mqttv5", "-i", "bigpub", "-q", "1", "-t", "big/blob",
            "-f", big)
        got["PROPS"] = relay.take()
        # Raw 3.1.1: PINGREQ, SUBSCRIBE two filters, UNSUBSCRIBE, a QoS 1
        # PUBLISH to itself (the broker's delivery and the client's PUBACK).
        connect4 = packet(0x10, s("MQTT") + bytes([4, 2, 0, 30]) + s("raw4"))
        raw(rp, [
            connect4,
            packet(0xC0, b""),
            packet(0x82, (7).to_bytes(2, "big") + s("t/+") + b"\x01" +
                   s("u/#") + b"\x00"),
            packet(0x32, s("t/1") + (8).to_bytes(2, "big") + b"ping"),
            packet(0x40, (1).to_bytes(2, "big")),
            packet(0xA2, (9).to_bytes(2, "big") + s("t/+") + s("u/#")),
            packet(0xE0, b""),
        ])
        # Raw 5: an authentication method the broker refuses (CONNACK 0x8C).
        raw(rp, [packet(0x10, s("MQTT") + bytes([5, 2, 0, 30]) +
                        b"\x08\x15" + s("SCRAM") + s("raw5"))])
        # Raw 5: UNSUBSCRIBE of a filter never subscribed (0x11), DISCONNECT
        # with a reason code.
        raw(rp, [
            packet(0x10, s("MQTT") + bytes([5, 2, 0, 30]) + b"\x00" +
                   s("raw5b")),
            packet(0xA2, (3).to_bytes(2, "big") + b"\x00" + s("none/x")),
            packet(0xE0, b"\x04\x00"),
        ])
        got["RAW"] = relay.take()
    finally:
        srv.send_signal(signal.SIGTERM)
        srv.wait()
        shutil.rmtree(tmp)
    write(got)


def write(got):
    write_fixtures(OUT, "mosquitto 2.0.11", got)


if __name__ == "__main__":
    main()
