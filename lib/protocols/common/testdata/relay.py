"""A logging TCP relay and the chunk encoding the protocols' capture.py share.

Each protocol's testdata/capture.py puts a Relay in front of a real server,
drives it with real clients, and writes every relayed chunk (one recv() of
the relay = one read of the tracker) of every connection, in arrival order,
with encode(). Imported by path: the scripts add this folder to sys.path.
"""

import base64
import gzip
import socket
import threading
import time


class Relay:
    """Accepts clients on `port`, forwards each to `target`, logs each chunk.

    `settle` is how long `take` waits for the last chunks in flight.
    """

    def __init__(self, port, target, settle=0.3):
        self.port, self.target, self.settle = port, target, settle
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
            try:
                dst.sendall(b)
            except OSError:
                return

    def take(self):
        time.sleep(self.settle)
        with self.lock:
            out, self.conns = self.conns, []
        return out



def encode(b):
    """Hex, or for long chunks "gz:" and the base64 of their gzip."""
    if len(b) <= 2048:
        return b.hex()
    return "gz:" + base64.b64encode(gzip.compress(b, 9, mtime=0)).decode()

