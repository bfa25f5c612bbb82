#!/usr/bin/env python3
"""Raw-socket memcached sessions for l7trace's tests (exact byte sequences).

Usage: memcached_client.py SESSION HOST PORT

SESSION is one of: text, noreply, meta. Each step writes its bytes in one
send() and, unless the step expects no reply, reads until the reply ends
with the step's terminator. Prints one JSON line per step:
{"sent": "<hex>", "got": "<hex>"} (got is "" for steps without a reply).
The capture script in lib/protocols/memcached/testdata runs the same
sessions through its relay.
"""
import json
import socket
import sys

LONG_KEY = b"k" * 251

# (bytes to send, terminator of the reply or None when none comes)
SESSIONS = {
    "text": [
        (b"set user:1 0 0 5\r\nalice\r\n", b"STORED\r\n"),
        (b"add user:1 0 0 1\r\nx\r\n", b"NOT_STORED\r\n"),
        (b"replace nokey 0 0 1\r\nx\r\n", b"NOT_STORED\r\n"),
        (b"append user:1 0 0 2\r\n!!\r\n", b"STORED\r\n"),
        (b"prepend user:1 0 0 2\r\n<<\r\n", b"STORED\r\n"),
        (b"get user:1\r\n", b"END\r\n"),
        (b"gets user:1 nokey\r\n", b"END\r\n"),
        (b"cas user:1 7 0 3 999999\r\nbob\r\n", b"EXISTS\r\n"),
        (b"cas nokey 0 0 1 1\r\nx\r\n", b"NOT_FOUND\r\n"),
        (b"gat 100 user:1\r\n", b"END\r\n"),
        (b"gats 100 user:1 nokey\r\n", b"END\r\n"),
        (b"touch user:1 10\r\n", b"TOUCHED\r\n"),
        (b"set n 0 0 2\r\n10\r\n", b"STORED\r\n"),
        (b"incr n 5\r\n", b"\r\n"),
        (b"decr n 20\r\n", b"\r\n"),
        (b"incr user:1 1\r\n", b"\r\n"),
        (b"incr nokey 1\r\n", b"NOT_FOUND\r\n"),
        (b"delete user:1\r\n", b"DELETED\r\n"),
        (b"delete user:1\r\n", b"NOT_FOUND\r\n"),
        (b"get user:1\r\n", b"END\r\n"),
        (b"version\r\n", b"\r\n"),
        (b"verbosity 1\r\n", b"OK\r\n"),
        (b"bogus command\r\n", b"ERROR\r\n"),
        (b"stats settings\r\n", b"END\r\n"),
        (b"get " + LONG_KEY + b"\r\n", b"\r\n"),
        (b"flush_all\r\n", b"OK\r\n"),
    ],
    "noreply": [
        (b"set a 0 0 1 noreply\r\nx\r\n", None),
        (b"delete nokey noreply\r\n", None),
        (b"incr nokey 1 noreply\r\n", None),
        (b"touch a 10 noreply\r\n", None),
        (b"get a\r\n", b"END\r\n"),
        # One write: a noreply set, then a get that must keep its own reply.
        (b"set b 0 0 2 noreply\r\nyy\r\nget b\r\n", b"END\r\n"),
        (b"flush_all noreply\r\n", None),
        (b"verbosity 1 noreply\r\n", None),
        (b"version\r\n", b"\r\n"),
        (b"quit\r\n", None),
    ],
    "meta": [
        (b"ms m1 5 T0 F3\r\nhello\r\n", b"HD\r\n"),
        (b"mg m1 v f t\r\n", b"hello\r\n"),
        (b"mg nokey v\r\n", b"EN\r\n"),
        (b"mg m1 s c\r\n", b"\r\n"),
        # Quiet gets told apart by k and O; the miss sends nothing; mn ends it.
        (b"mg m1 v k q\r\nmg nokey v k q\r\nmg m1 s v O42 q\r\nmn\r\n", b"MN\r\n"),
        # Quiet sets: success is silent, NS is not.
        (b"ms m2 2 q O1\r\nhi\r\nms m2 2 q ME O2\r\nhi\r\nmn\r\n", b"MN\r\n"),
        # A quiet delete's HD is silent; the get after it is answered.
        (b"md m2 q\r\nmg m2 v\r\n", b"EN\r\n"),
        (b"md nokey q\r\nmn\r\n", b"MN\r\n"),
        (b"ma cnt N0 J7\r\n", b"HD\r\n"),
        (b"ma cnt v D5\r\n", b"12\r\n"),
        (b"ma nokey q\r\nmn\r\n", b"MN\r\n"),
        (b"me m1\r\n", b"\r\n"),
        (b"mn\r\n", b"MN\r\n"),
        (b"ms m3 abc\r\n", b"\r\n"),
    ],
}


def main():
    session, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    s = socket.create_connection((host, port))
    s.settimeout(5)
    for data, end in SESSIONS[session]:
        s.sendall(data)
        got = b""
        while end is not None and not got.endswith(end):
            chunk = s.recv(65536)
            if not chunk:
                raise SystemExit(f"connection closed after {got!r}")
            got += chunk
        print(json.dumps({"sent": data.hex(), "got": got.hex()}), flush=True)
    s.close()


if __name__ == "__main__":
    main()
