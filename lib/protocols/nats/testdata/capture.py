#!/usr/bin/env python3
"""Capture the NATS fixtures in captured.ts from a real nats-server.

Starts `nats-server` (Debian 2.9.10) twice on 127.0.0.1 with random ports,
one without and one with --user/--pass, each with its own temp dir, puts a
logging TCP relay in front of each, drives them with the sessions of
tests/e2e/clients/nats_client.py (a subscriber and a verbose publisher at
the same time, pedantic errors, a good and a bad login, an idle client the
server pings), and writes every relayed chunk (one recv() of the relay =
one read of the tracker) of every client connection, in arrival order, as
hex ("gz:" + base64 of gzip for long ones).
Run: python3 capture.py; then `deno fmt`.
"""

import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "captured.ts")

sys.path.insert(0, os.path.join(HERE, "..", "..", "common", "testdata"))
from relay import Relay, encode  # noqa: E402  (shared with the other protocols)

CLIENT = os.path.join(HERE, "..", "..", "..", "..", "tests", "e2e", "clients", "nats_client.py")


def client(port, session, *extra, wait=True):
    args = [sys.executable, CLIENT, session, "127.0.0.1", str(port), *extra]
    if not wait:
        return subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    subprocess.run(args, check=True, capture_output=True)
    return None


def server(port, tmp, *extra):
    return subprocess.Popen(["nats-server", "-a", "127.0.0.1", "-p", str(port), "-P",
                             os.path.join(tmp, f"nats-{port}.pid"), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp)


def chunk(d, b):
    return f'  [{d}, "{encode(b)}"],'


def main():
    tmp = tempfile.mkdtemp()
    ports = random.sample(range(20000, 60000), 4)
    plain = server(ports[0], tmp)
    auth = server(ports[1], tmp, "--user", "alice", "--pass", "s3cret")
    try:
        time.sleep(0.5)
        r1, r2 = Relay(ports[2], ports[0], settle=0.4), Relay(ports[3], ports[1], settle=0.4)
        sub = client(ports[2], "sub", wait=False)
        assert sub.stdout.readline().strip() == "ready"
        client(ports[2], "pub")
        sub.wait(timeout=10)
        pubsub = r1.take()
        assert len(pubsub) == 2, len(pubsub)
        client(ports[2], "pedantic")
        client(ports[2], "quiet-err")
        errors = r1.take()
        client(ports[3], "auth", "alice", "s3cret")
        client(ports[3], "auth", "alice", "wrong")
        logins = r2.take()
        client(ports[2], "idle")
        idle = r1.take()
    finally:
        for p in (plain, auth):
            p.terminate()
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    groups = [
        ("SUB_PUB", "The subscriber, then the verbose publisher (their deliveries: one 100000-byte MSG).", pubsub),
        ("ERRORS", "Pedantic and verbose (-ERR then +OK for PUB, -ERR alone for SUB); pedantic, not verbose.", errors),
        ("LOGINS", "--user alice --pass s3cret: a verbose login, then one with a wrong password.", logins),
        ("IDLE", "A client idle until the server's PING, answered.", idle),
    ]
    lines = [
        "// Captured from nats-server 2.9.10 by capture.py: do not edit.",
        "// One entry per read of the relay: [0 client->server | 1 server->client, hex or gz:base64].",
        "",
        "/** One relayed read: direction and bytes. */",
        "export type Chunk = readonly [0 | 1, string];",
        "",
    ]
    for name, doc, conns in groups:
        lines.append(f"/** {doc} */")
        lines.append(f"export const {name}: readonly (readonly Chunk[])[] = [")
        for conn in conns:
            lines.append("  [")
            lines.extend("  " + chunk(d, b) for d, b in conn)
            lines.append("  ],")
        lines.append("];")
        lines.append("")
    with open(OUT, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
