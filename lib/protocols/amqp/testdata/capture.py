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
from relay import Relay, write_fixtures  # noqa: E402  (shared with the other protocols)
# The script itself: /usr/sbin/rabbitmq-server would switch to the rabbitmq user and drop the environment.
SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
CLIENT = os.path.join(HERE, "../../../../tests/e2e/clients/amqp_client.py")


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
        relay = Relay(relay_port, port, settle=0.5)
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


def write(got):
    write_fixtures(OUT, "Debian's rabbitmq-server (driven by tests/e2e/clients/amqp_client.py, pika)", got)


if __name__ == "__main__":
    main()
