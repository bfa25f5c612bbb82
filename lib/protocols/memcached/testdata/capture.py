#!/usr/bin/env python3
"""Capture the memcached fixtures in captured.ts from a real server.

Starts `memcached` (Debian 1.6.18) on 127.0.0.1 with a random port, puts a
logging TCP relay in front of it, drives it with libmemcached-tools
(memccp, memccat, memcexist, memctouch, memcrm, memcstat, memcflush; text and
--binary) and with
the raw-socket sessions of tests/e2e/clients/memcached_client.py, and writes
every relayed chunk (one recv() of the relay = one read of the tracker) of
every client connection, in arrival order, as hex. Run as root:
python3 capture.py (needs memcached and libmemcached-tools); then `deno fmt`.
"""

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "captured.ts")

sys.path.insert(0, os.path.join(HERE, "..", "..", "common", "testdata"))
from relay import Relay, write_fixtures  # noqa: E402  (shared with the other protocols)
CLIENT = os.path.join(HERE, "../../../../tests/e2e/clients/memcached_client.py")


def tool(name, port, *args):
    subprocess.run([name, f"--servers=127.0.0.1:{port}", *args],
                   capture_output=True, check=False)


def session(name, port):
    subprocess.run(["python3", CLIENT, name, "127.0.0.1", str(port)],
                   capture_output=True, check=True)


def main():
    ports = random.sample(range(20000, 60000), 2)
    srv = subprocess.Popen(
        ["memcached", "-l", "127.0.0.1", "-p", str(ports[0]), "-U", "0",
         "-u", "root"],
        stdout=subprocess.DEVNULL,
    )
    tmp = tempfile.mkdtemp()
    try:
        time.sleep(0.5)
        relay = Relay(ports[1], ports[0])
        rp = ports[1]
        got = {}
        for name in ("text", "noreply", "meta", "binary"):
            session(name, rp)
            got[name.upper()] = relay.take()
        path = os.path.join(tmp, "greeting.txt")
        with open(path, "w") as f:
            f.write("hello from memccp\n")
        big = os.path.join(tmp, "big.bin")
        with open(big, "wb") as f:
            f.write(bytes(range(256)) * 64)
        tool("memccp", rp, path)
        tool("memccp", rp, big)
        tool("memccat", rp, "greeting.txt", "big.bin", "nokey")
        tool("memcexist", rp, "greeting.txt")
        tool("memctouch", rp, "--expire=100", "greeting.txt")
        tool("memcrm", rp, "greeting.txt")
        tool("memcstat", rp)
        tool("memcflush", rp)
        got["TOOLS"] = relay.take()
        tool("memccp", rp, "--binary", path)
        tool("memccat", rp, "--binary", "greeting.txt", "nokey")
        tool("memcrm", rp, "--binary", "greeting.txt")
        tool("memcstat", rp, "--binary")
        tool("memcflush", rp, "--binary")
        got["TOOLS_BINARY"] = relay.take()
    finally:
        srv.send_signal(signal.SIGTERM)
        srv.wait()
        for n in os.listdir(tmp):
            os.remove(os.path.join(tmp, n))
        os.rmdir(tmp)
    write(got)


def write(got):
    write_fixtures(OUT, "memcached 1.6.18", got)


if __name__ == "__main__":
    main()
