#!/usr/bin/python3
"""Capture the AMQP fixtures in captured.ts from a real RabbitMQ broker.

Starts `rabbitmq-server` (Debian) on 127.0.0.1 with random ports, its own
temp dirs, Erlang cookie, epmd and no plugins, puts a logging TCP relay in
front of it, drives it with tests/e2e/clients/amqp_client.py (pika) and a
raw socket, and writes every relayed chunk (one recv() of the relay = one
read of the tracker) of every client connection, in arrival order, as hex.
Run as root: /usr/bin/python3 capture.py (needs rabbitmq-server and
python3-pika); then `deno fmt`.
"""

import base64
import gzip
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "captured.ts")
# The script itself: /usr/sbin/rabbitmq-server would switch to the rabbitmq user and drop the environment.
SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
CLIENT = os.path.join(HERE, "../../../../tests/e2e/clients/amqp_client.py")


class Relay:
    """Accepts clients on `port`, forwards to the broker, logs each chunk."""

    def __init__(self, port, target):
        self.port, self.target = port, target
        self.conns = []  # one list of (direction, bytes) per client
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            s = socket.create_connection(("127.0.0.1", self.target))
            log = []
            with self.lock:
                self.conns.append(log)
            for src, dst, d in ((c, s, 0), (s, c, 1)):
                threading.Thread(
                    target=self.pump, args=(src, dst, d, log), daemon=True
                ).start()

    def pump(self, src, dst, d, log):
        while True:
            try:
                b = src.recv(65536)
            except OSError:
                b = b""
            if not b:
                for x in (src, dst):
                    try:
                        x.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                return
            with self.lock:
                log.append((d, b))
            dst.sendall(b)

    def take(self):
        time.sleep(0.5)
        with self.lock:
            out, self.conns = self.conns, []
        return out


def wait_port(port, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"rabbitmq-server did not listen on {port}")


def start_broker(tmp, port, dist, epmd):
    """rabbitmq-server exec'ed into beam.smp (RABBITMQ_ALLOW_INPUT, with
    -noinput by hand), no plugins."""
    plugins = os.path.join(tmp, "enabled_plugins")
    with open(plugins, "w") as f:
        f.write("[].\n")
    env = dict(os.environ)
    env.update({
        "HOME": tmp,
        "RABBITMQ_MNESIA_BASE": os.path.join(tmp, "mnesia"),
        "RABBITMQ_LOG_BASE": os.path.join(tmp, "log"),
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODENAME": f"l7cap{port}@localhost",
        "RABBITMQ_DIST_PORT": str(dist),
        "RABBITMQ_ENABLED_PLUGINS_FILE": plugins,
        "RABBITMQ_ALLOW_INPUT": "1",
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-noinput",
        "ERL_EPMD_PORT": str(epmd),
    })
    return subprocess.Popen([SERVER], env=env, cwd=tmp,
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def raw(port, chunks, wait=0.3):
    """Sends each chunk in its own write, reading what comes back."""
    c = socket.create_connection(("127.0.0.1", port))
    c.settimeout(wait)
    for p in chunks:
        c.sendall(p)
        time.sleep(wait)
        try:
            while c.recv(65536):
                pass
        except socket.timeout:
            pass
    c.close()


def main():
    tmp = tempfile.mkdtemp(prefix="l7cap-amqp-")
    port, dist, epmd_port, relay_port = random.sample(range(20000, 60000), 4)
    epmd = subprocess.Popen(["epmd", "-port", str(epmd_port)],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    srv = None
    try:
        srv = start_broker(tmp, port, dist, epmd_port)
        wait_port(port)
        relay = Relay(relay_port, port)
        got = {}
        subprocess.run([sys.executable, CLIENT, str(relay_port), "big"],
                       check=True, timeout=60)
        got["SESSION"] = relay.take()
        # A client speaking AMQP 0-10: the broker answers its own header, closes.
        raw(relay_port, [b"AMQP\x01\x01\x00\x0a"])
        got["VERSION"] = relay.take()
    finally:
        if srv:
            srv.terminate()
            srv.wait(timeout=60)
        epmd.terminate()
        epmd.wait()
        shutil.rmtree(tmp)
    write(got)


def encode(b):
    """Hex, or for long chunks "gz:" and the base64 of their gzip."""
    if len(b) <= 2048:
        return b.hex()
    return "gz:" + base64.b64encode(gzip.compress(b, 9, mtime=0)).decode()


def write(got):
    with open(OUT, "w") as f:
        f.write(
            "// Generated by testdata/capture.py from Debian's rabbitmq-server\n"
            "// on 127.0.0.1 through a logging relay, driven by\n"
            "// tests/e2e/clients/amqp_client.py (pika): each chunk is one\n"
            "// recv() of the relay, [0, hex] client to server, [1, hex]\n"
            "// server to client, one array per client connection; chunks\n"
            "// over 2 KiB are \"gz:\" + base64(gzip(bytes)). Do not edit.\n\n"
            "/** One relayed read: 0 = request stream, 1 = response. */\n"
            "export type Chunk = readonly [0 | 1, string];\n\n"
        )
        for name, conns in got.items():
            f.write("/** Captured connections: %s. */\n" % name)
            f.write("export const %s: readonly (readonly Chunk[])[] = [\n"
                    % name)
            for conn in conns:
                f.write("  [\n")
                for d, b in conn:
                    f.write('    [%d, "%s"],\n' % (d, encode(b)))
                f.write("  ],\n")
            f.write("];\n\n")


if __name__ == "__main__":
    main()
