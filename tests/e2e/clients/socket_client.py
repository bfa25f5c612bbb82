#!/usr/bin/env python3
"""Raw-socket HTTP clients for l7trace's end-to-end tests.

Usage:
  socket_client.py vectored HOST PORT   one request with sendmsg/recvmsg, one with writev/readv
  socket_client.py reuse HOST PORT N    N connections in turn, each GET /echo?id=i then close
                                        (the fd number is reused every time)
  socket_client.py upgrade HOST PORT N  GET /upgrade, then N raw 1 KiB messages echoed back
  socket_client.py burst HOST PORT N R  R rounds on one connection: N pipelined GET /e?id=i
                                        in one write, then read every reply; then 10
                                        paced requests (id 1000000+k), 50 ms apart,
                                        after a 1 s pause
  socket_client.py paced HOST PORT N MS
                                        N requests GET /e?id=i one at a time on one
                                        connection, MS ms apart; prints the count
Prints one line per response: the response body.
"""
import os
import socket
import sys
import time


def read_response(recv):
    """Reads one Content-Length response with recv(n) -> bytes; returns its body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = recv(65536)
        if not chunk:
            raise SystemExit("connection closed early")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += recv(65536)
    return body[:length], body[length:]


def vectored(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.create_connection((host, port))
    s.sendmsg([b"GET /hello HTTP/1.1\r\n", b"Host: vectored\r\n", b"\r\n"])
    body, _ = read_response(lambda n: s.recvmsg(n)[0])
    print(body.decode())
    fd = s.fileno()
    os.writev(fd, [b"GET /echo?id=v HTTP/1.1\r\n", b"Host: vectored\r\n\r\n"])

    def readv(n):
        buf = bytearray(n)
        got = os.readv(fd, [memoryview(buf)[:10], memoryview(buf)[10:]])
        return bytes(buf[:got])

    body, _ = read_response(readv)
    print(body.decode())
    s.close()


def reuse(host, port, count):
    for i in range(count):
        s = socket.create_connection((host, port))
        s.sendall(b"GET /echo?id=%d HTTP/1.1\r\nHost: reuse\r\n\r\n" % i)
        body, _ = read_response(s.recv)
        print(body.decode(), s.fileno())
        s.close()


def upgrade(host, port, count):
    s = socket.create_connection((host, port))
    s.sendall(b"GET /upgrade HTTP/1.1\r\nHost: up\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    time.sleep(0.3)  # like an application starting to talk after the switch
    payload = b"x" * 1024
    for _ in range(count):
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            got += s.recv(65536)
    print(head.split(b"\r\n")[0].decode())
    s.close()


class Responses:
    """Content-Length responses off one socket; keeps what a read took beyond one."""

    def __init__(self, s):
        self.s = s
        self.rest = b""

    def recv(self, n):
        if self.rest:
            out, self.rest = self.rest, b""
            return out
        return self.s.recv(n)

    def next(self):
        body, self.rest = read_response(self.recv)
        return body


def burst(host, port, count, rounds):
    s = socket.create_connection((host, port))
    replies = Responses(s)
    got = 0
    for r in range(rounds):
        first = r * count
        s.sendall(b"".join(b"GET /e?id=%d HTTP/1.1\r\nHost: burst\r\n\r\n" % i
                           for i in range(first, first + count)))
        for i in range(first, first + count):
            body = replies.next()
            if body != b"%d" % i:
                raise SystemExit("reply %r to request %d" % (body, i))
            got += 1
    time.sleep(1.0)  # let the tracer drain what the bursts left behind
    for k in range(10):
        time.sleep(0.05)
        s.sendall(b"GET /e?id=%d HTTP/1.1\r\nHost: burst\r\n\r\n" % (1000000 + k))
        replies.next()
        got += 1
    print(got)
    s.close()


def paced(host, port, count, ms):
    s = socket.create_connection((host, port))
    replies = Responses(s)
    for i in range(count):
        s.sendall(b"GET /e?id=%d HTTP/1.1\r\nHost: paced\r\n\r\n" % i)
        body = replies.next()
        if body != b"%d" % i:
            raise SystemExit("reply %r to request %d" % (body, i))
        time.sleep(ms / 1000)
    print(count)
    s.close()


if __name__ == "__main__":
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "vectored":
        vectored(host, port)
    elif mode == "reuse":
        reuse(host, port, int(sys.argv[4]))
    elif mode == "upgrade":
        upgrade(host, port, int(sys.argv[4]))
    elif mode == "burst":
        burst(host, port, int(sys.argv[4]), int(sys.argv[5]))
    elif mode == "paced":
        paced(host, port, int(sys.argv[4]), float(sys.argv[5]))
