#!/usr/bin/env python3
"""Raw-socket NATS client sessions for l7trace's tests (exact byte sequences).

Usage: nats_client.py SESSION HOST PORT [USER PASS]

Each operation is written in one send(); the session then reads until the
answer it waits for (+OK, -ERR, PONG, a MSG) has come, answering any PING
the server sends with a PONG. SESSION is one of:

  sub        CONNECT (not verbose), SUB e2e.> 1 and SUB e2e.work workers 2,
             prints "ready", takes 7 deliveries (replying "pong" to the one
             with a reply subject), UNSUB 1, UNSUB 2 10, PING.
  pub        CONNECT verbose, SUB on an inbox, PUB, a binary PUB, HPUB with
             headers, PUB to the queue group, a 100000-byte PUB, a request
             (PUB with reply-to) and its reply on the inbox, UNSUB, PING.
  pedantic   CONNECT verbose and pedantic: an invalid publish subject
             (-ERR, then +OK) and an invalid SUB subject (-ERR only), PING.
  quiet-err  CONNECT pedantic, not verbose: an invalid publish subject
             (an -ERR that answers nothing), PING.
  auth       CONNECT verbose with USER and PASS, PING (none after an -ERR).
  idle       CONNECT, PING, then waits for the server's PING and answers it.

Prints one JSON line per operation received: {"op": ..., "line": ...}.
The capture script in lib/protocols/nats/testdata runs the same sessions
through its relay.
"""
import json
import socket
import sys
import time

BIG = 100000


def connect_line(**opts):
    o = {"verbose": False, "pedantic": False, "tls_required": False,
         "name": "e2e", "lang": "python3", "version": "1.0.0",
         "protocol": 1, "headers": True, "no_responders": True}
    o.update(opts)
    return b"CONNECT " + json.dumps(o, separators=(",", ":")).encode() + b"\r\n"


def pub(subject, payload, reply=None):
    head = subject if reply is None else subject + " " + reply
    return b"PUB %s %d\r\n" % (head.encode(), len(payload)) + payload + b"\r\n"


def hpub(subject, headers, payload):
    block = b"NATS/1.0\r\n" + b"".join(
        b"%s: %s\r\n" % (k.encode(), v.encode()) for k, v in headers) + b"\r\n"
    return b"HPUB %s %d %d\r\n" % (subject.encode(), len(block),
                                   len(block) + len(payload)) + block + payload + b"\r\n"


class Conn:
    """A connection that parses what the server sends into operations."""

    def __init__(self, host, port):
        self.s = socket.create_connection((host, port))
        self.s.settimeout(10)
        self.buf = b""
        self.got = []

    def send(self, b):
        self.s.sendall(b)

    def _op(self):
        """The next server operation: (verb, line, payload)."""
        while b"\r\n" not in self.buf:
            b = self.s.recv(65536)
            if not b:
                raise EOFError("server closed the connection")
            self.buf += b
        line, self.buf = self.buf.split(b"\r\n", 1)
        verb = line.split(b" ", 1)[0].upper().decode()
        payload = b""
        if verb in ("MSG", "HMSG"):
            size = int(line.split()[-1])
            while len(self.buf) < size + 2:
                b = self.s.recv(65536)
                if not b:
                    raise EOFError("server closed inside a message")
                self.buf += b
            payload, self.buf = self.buf[:size], self.buf[size + 2:]
        self.got.append({"op": verb, "line": line[:200].decode()})
        return verb, line, payload

    def wait(self, *verbs):
        """Reads until one of `verbs`; a server PING is answered on the way."""
        while True:
            verb, line, payload = self._op()
            if verb == "PING" and "PING" not in verbs:
                self.send(b"PONG\r\n")
                continue
            if verb in verbs:
                return verb, line, payload

    def close(self):
        self.s.close()
        for g in self.got:
            print(json.dumps(g), flush=True)


def session_sub(c):
    c.send(connect_line(name="e2e-sub"))
    c.send(b"PING\r\n")
    c.wait("PONG")
    c.send(b"SUB e2e.> 1\r\n")
    c.send(b"SUB e2e.work workers 2\r\n")
    c.send(b"PING\r\n")
    c.wait("PONG")
    print("ready", flush=True)
    for _ in range(7):
        _, line, _ = c.wait("MSG", "HMSG")
        f = line.split()
        if f[0].upper() == b"MSG" and len(f) == 5:
            c.send(pub(f[3].decode(), b"pong"))
    c.send(b"UNSUB 1\r\n")
    c.send(b"UNSUB 2 10\r\n")
    c.send(b"PING\r\n")
    c.wait("PONG")


def session_pub(c):
    c.wait("INFO")
    c.send(connect_line(verbose=True, name="e2e-pub"))
    c.wait("+OK")
    c.send(b"SUB _INBOX.e2e 7\r\n")
    c.wait("+OK")
    c.send(pub("e2e.greet", b"hello"))
    c.wait("+OK")
    c.send(pub("e2e.bin", b"\x00\x01\x02\xff"))
    c.wait("+OK")
    c.send(hpub("e2e.hdr", [("Trace-Id", "abc"), ("X-Multi", "1"), ("X-Multi", "2")], b"with headers"))
    c.wait("+OK")
    c.send(pub("e2e.work", b"job"))
    c.wait("+OK")
    c.send(pub("e2e.big", b"x" * BIG))
    c.wait("+OK")
    c.send(pub("e2e.rpc", b"req", reply="_INBOX.e2e"))
    c.wait("+OK")
    c.wait("MSG")
    c.send(b"UNSUB 7\r\n")
    c.wait("+OK")
    c.send(b"PING\r\n")
    c.wait("PONG")


def session_pedantic(c):
    c.send(connect_line(verbose=True, pedantic=True, name="e2e-pedantic"))
    c.wait("+OK")
    c.send(pub("e2e.*", b"hi"))
    c.wait("-ERR")
    c.wait("+OK")
    c.send(b"SUB e2e..bad 3\r\n")
    c.wait("-ERR")
    c.send(b"PING\r\n")
    c.wait("PONG")


def session_quiet_err(c):
    c.send(connect_line(pedantic=True, name="e2e-quiet"))
    c.send(pub("e2e.*", b"hi"))
    c.wait("-ERR")
    c.send(b"PING\r\n")
    c.wait("PONG")


def session_auth(c, user, password):
    c.send(connect_line(verbose=True, name="e2e-auth", user=user, **{"pass": password}))
    verb, _, _ = c.wait("+OK", "-ERR")
    if verb == "-ERR":  # Authorization Violation: the server closes the connection
        return
    c.send(b"PING\r\n")
    c.wait("PONG")


def session_idle(c):
    c.send(connect_line(name="e2e-idle"))
    c.send(b"PING\r\n")
    c.wait("PONG")
    c.wait("PING")
    c.send(b"PONG\r\n")
    time.sleep(0.2)


def main():
    name, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    c = Conn(host, port)
    if name != "pub":
        c.wait("INFO")
    if name == "sub":
        session_sub(c)
    elif name == "pub":
        session_pub(c)
    elif name == "pedantic":
        session_pedantic(c)
    elif name == "quiet-err":
        session_quiet_err(c)
    elif name == "auth":
        session_auth(c, sys.argv[4], sys.argv[5])
    elif name == "idle":
        session_idle(c)
    else:
        sys.exit(f"nats_client.py: unknown session {name!r}")
    c.close()


if __name__ == "__main__":
    main()
