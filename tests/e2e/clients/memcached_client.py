#!/usr/bin/env python3
"""Raw-socket memcached sessions for l7trace's tests (exact byte sequences).

Usage: memcached_client.py SESSION HOST PORT

SESSION is one of: text, noreply, meta, binary. Each step writes its bytes in one
send() and, unless the step expects no reply, reads until the reply ends
with the step's terminator. Prints one JSON line per step:
{"sent": "<hex>", "got": "<hex>"} (got is "" for steps without a reply).
The capture script in lib/protocols/memcached/testdata runs the same
sessions through its relay.
"""
import json
import socket
import struct
import sys

LONG_KEY = b"k" * 251


def bin_req(opcode, key=b"", extras=b"", value=b"", opaque=0, cas=0):
    """A binary-protocol request packet (magic 0x80, 24-byte header)."""
    body = len(extras) + len(key) + len(value)
    return struct.pack(">BBHBBHIIQ", 0x80, opcode, len(key), len(extras), 0, 0,
                       body, opaque, cas) + extras + key + value


def noop_end(opaque):
    """The 24-byte header of the noop response with `opaque` (ends a quiet batch)."""
    return struct.pack(">BBHBBHIIQ", 0x81, 0x0a, 0, 0, 0, 0, 0, opaque, 0)


SET_EXTRAS = struct.pack(">II", 3, 0)  # flags 3, no expiry
INCR_EXTRAS = struct.pack(">QQI", 5, 10, 0)  # delta 5, initial 10, no expiry

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
    "binary": [
        (bin_req(0x01, b"b1", SET_EXTRAS, b"hello", opaque=1), None),
        (bin_req(0x00, b"b1", opaque=2), b"hello"),
        (bin_req(0x00, b"nokey", opaque=3), b"Not found"),
        # Quiet gets: the miss sends nothing, the hit its key; noop ends the batch.
        (bin_req(0x09, b"nokey", opaque=4) + bin_req(0x0d, b"b1", opaque=5)
         + bin_req(0x0a, opaque=6), noop_end(6)),
        # A quiet set: success is silent.
        (bin_req(0x11, b"b2", SET_EXTRAS, b"xy", opaque=7) + bin_req(0x0a, opaque=8), noop_end(8)),
        (bin_req(0x05, b"cnt", INCR_EXTRAS, opaque=9), None),
        (bin_req(0x05, b"cnt", INCR_EXTRAS, opaque=10), None),
        (bin_req(0x04, b"nokey", opaque=11), b"Not found"),
        (bin_req(0x0b, opaque=12), b"1.6.18"),
        (bin_req(0x10, b"settings", opaque=13), None),
        (bin_req(0x07, opaque=14), None),
    ],
}

BIN_HEADER = struct.Struct(">BBHBBHIIQ")


def read_binary(s, opaque):
    """Reads response packets until the one with `opaque` (stat: until its empty-key packet)."""
    got = b""
    while True:
        while len(got) < 24 or len(got) < 24 + BIN_HEADER.unpack(got[:24])[6]:
            chunk = s.recv(65536)
            if not chunk:
                return got
            got += chunk
        packets, at = [], 0
        while at + 24 <= len(got):
            h = BIN_HEADER.unpack(got[at:at + 24])
            if at + 24 + h[6] > len(got):
                break
            packets.append(h)
            at += 24 + h[6]
        last = packets[-1] if packets else None
        if last and at == len(got) and last[7] == opaque and (last[1] != 0x10 or last[2] == 0):
            return got
        got += s.recv(65536)


def last_opaque(data):
    """The opaque of the last packet in `data` (packets are walked from the start)."""
    at, opaque = 0, 0
    while at + 24 <= len(data):
        h = BIN_HEADER.unpack(data[at:at + 24])
        opaque = h[7]
        at += 24 + h[6]
    return opaque


def main():
    session, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    s = socket.create_connection((host, port))
    s.settimeout(5)
    for data, end in SESSIONS[session]:
        s.sendall(data)
        got = b""
        if session == "binary":
            # The last packet's opaque is the one the reply ends with.
            got = read_binary(s, last_opaque(data))
            end = None
        while end is not None and not got.endswith(end):
            chunk = s.recv(65536)
            if not chunk:
                raise SystemExit(f"connection closed after {got!r}")
            got += chunk
        print(json.dumps({"sent": data.hex(), "got": got.hex()}), flush=True)
    s.close()


if __name__ == "__main__":
    main()
