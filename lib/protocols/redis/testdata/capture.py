#!/usr/bin/env python3
"""Capture the Redis fixtures in captured.ts from a real server.

Starts `redis-server` (Debian 7.0.15) on 127.0.0.1 with a random port and a
temporary data dir, puts a logging TCP relay in front of it, drives it with
`redis-cli`, `redis-benchmark` and raw sockets, and writes every relayed
chunk (one recv() of the relay = one read of the tracker) of every client
connection, in arrival order, as hex. Run: python3 capture.py (needs
redis-server, redis-cli and redis-benchmark on PATH); then `deno fmt`.
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


def cmd(*args):
    """A command as RESP multibulk bytes."""
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def raw_session(port, steps, direct_port):
    """Runs (bytes-to-send | ("pub", channel, msg) | ("sleep", s)) steps."""
    c = socket.create_connection(("127.0.0.1", port))
    c.settimeout(0.2)
    for step in steps:
        if isinstance(step, bytes):
            c.sendall(step)
        elif step[0] == "pub":
            p = socket.create_connection(("127.0.0.1", direct_port))
            p.sendall(cmd("PUBLISH", step[1], step[2]))
            p.recv(100)
            p.close()
        elif step[0] == "other":
            p = socket.create_connection(("127.0.0.1", direct_port))
            p.sendall(step[1])
            time.sleep(0.05)
            p.close()
        time.sleep(0.1)
        try:
            while c.recv(65536):
                pass
        except socket.timeout:
            pass
    c.close()


def cli(port, lines, *flags):
    subprocess.run(
        ["redis-cli", "-p", str(port), *flags],
        input="\n".join(lines) + "\n",
        text=True,
        capture_output=True,
        check=True,
    )


BASIC = [
    "PING",
    "SET user:1 hello",
    "GET user:1",
    "GET missing",
    "INCR counter",
    "RPUSH list a b c",
    "LRANGE list 0 -1",
    "HSET h f1 v1 f2 v2",
    "HGETALL h",
    "SADD s x",
    "SMEMBERS s",
    "ZADD z 1.5 m",
    "ZSCORE z m",
    "CONFIG GET maxmemory",
    "OBJECT ENCODING list",
    "CLIENT SETNAME fixture",
    "NOSUCHCMD x",
    "MGET user:1 missing",
    "LRANGE nolist 0 -1",
    "DEL user:1",
    "EXISTS user:1",
    "MULTI",
    "SET a 1",
    "INCR a",
    "EXEC",
]


def main():
    tmp = tempfile.mkdtemp()
    ports = random.sample(range(20000, 60000), 2)
    srv = subprocess.Popen(
        ["redis-server", "--port", str(ports[0]), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", tmp,
         "--enable-debug-command", "local"],
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        relay = Relay(ports[1], ports[0])
        rp, dp = ports[1], ports[0]
        got = {}
        cli(rp, BASIC)
        got["RESP2_CLI"] = relay.take()
        cli(rp, BASIC[:14] + [
            "DEBUG PROTOCOL true", "DEBUG PROTOCOL false",
            "DEBUG PROTOCOL verbatim", "DEBUG PROTOCOL double",
            "DEBUG PROTOCOL null", "DEBUG PROTOCOL map",
            "DEBUG PROTOCOL set",
        ], "-3")
        got["RESP3_CLI"] = relay.take()
        raw_session(rp, [
            cmd("SUBSCRIBE", "news", "sport"),
            ("pub", "news", "hello"), ("pub", "sport", "goal"),
            cmd("PSUBSCRIBE", "n*"),
            ("pub", "news", "both"),
            cmd("PING"), cmd("GET", "x"),
            cmd("UNSUBSCRIBE"), cmd("PUNSUBSCRIBE"),
            cmd("UNSUBSCRIBE"),
            cmd("PING"), cmd("GET", "x"),
        ], dp)
        got["PUBSUB2"] = relay.take()
        raw_session(rp, [
            cmd("HELLO", "3"),
            cmd("SUBSCRIBE", "news"),
            ("pub", "news", "hi"),
            cmd("GET", "x"),
            cmd("UNSUBSCRIBE"),
            cmd("DEBUG", "PROTOCOL", "attrib"),
            cmd("DEBUG", "PROTOCOL", "bignum"),
            cmd("DEBUG", "PROTOCOL", "push"),
            cmd("CLIENT", "TRACKING", "ON"),
            cmd("GET", "tracked"),
            ("other", cmd("SET", "tracked", "1")),
            cmd("PING"),
        ], dp)
        got["PUBSUB3"] = relay.take()
        raw_session(rp, [
            b"PING\r\n", b"set k v\r\n", b"GET k\n", b"\r\n",
            b'ECHO "hello world" \'x y\'\r\n',
        ], dp)
        got["INLINE"] = relay.take()
        subprocess.run(
            ["redis-benchmark", "-p", str(rp), "-c", "1", "-n", "50",
             "-P", "10", "-t", "set,get", "-q"],
            capture_output=True, check=True,
        )
        # Only the connections that ran the benchmark's SET and GET.
        got["BENCH"] = [c for c in relay.take()
                        if any(b"__rand_int__" in b for _, b in c)]
    finally:
        srv.send_signal(signal.SIGTERM)
        srv.wait()
        shutil.rmtree(tmp)
    write(got)


def write(got):
    write_fixtures(OUT, "redis-server 7.0.15", got)


if __name__ == "__main__":
    main()
