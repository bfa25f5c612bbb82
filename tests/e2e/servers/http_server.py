#!/usr/bin/env python3
"""HTTP/1.1 keep-alive test server for l7trace's end-to-end tests.

Usage: http_server.py PORT [BIND [CERT KEY]]   (with CERT and KEY: HTTPS)
Routes: /hello, /upgrade (101, then a raw echo), /chunked, /big (1 MiB), /big4 (4 MiB in one write), /nocontent (204), /echo?id=N,
and PUT/POST/PATCH/DELETE on any path (reply names method, path, body size).
"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

BIG = b"x" * (1 << 20)
BIG4 = b"y" * (4 << 20)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "l7test/1"
    sys_version = ""

    def log_message(self, *args):
        pass

    def send_body(self, status, body, ctype="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/hello":
            self.send_body(200, b"hello")
        elif url.path == "/big":
            self.send_body(200, BIG)
        elif url.path == "/big4":
            # Headers and the 4 MiB body leave in one write.
            head = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(BIG4)).encode()
            self.wfile.write(head + BIG4)
        elif url.path == "/nocontent":
            self.send_response(204)
            self.end_headers()
        elif url.path == "/echo":
            ident = parse_qs(url.query).get("id", ["none"])[0]
            self.send_body(200, ("id=" + ident).encode())
        elif url.path == "/upgrade":
            # Switch to a raw echo protocol, like a WebSocket would.
            self.send_response(101)
            self.send_header("Upgrade", "echo")
            self.send_header("Connection", "Upgrade")
            self.end_headers()
            self.wfile.flush()
            while True:
                data = self.connection.recv(65536)
                if not data:
                    break
                self.connection.sendall(data)
            self.close_connection = True
        elif url.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_body(404, b"not found")

    def do_HEAD(self):
        self.do_GET()

    def do_write(self):
        length = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(length) if length else b""
        self.send_body(200, ("%s %s %d" % (self.command, self.path, len(data))).encode())

    do_PUT = do_POST = do_PATCH = do_DELETE = do_write


if __name__ == "__main__":
    import socket
    import ssl

    port = int(sys.argv[1])
    bind = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    ThreadingHTTPServer.address_family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    server = ThreadingHTTPServer((bind, port), Handler)
    if len(sys.argv) > 4:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[3], sys.argv[4])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()
