"""A minimal raw MySQL/MariaDB client for the end-to-end tests.

usage: mysql_client.py PORT SCENARIO

Logs in as root with an empty password (mysql_native_password, protocol
4.1, no CLIENT_DEPRECATE_EOF, no TLS), runs a scenario and prints one JSON
line per command: what it sent and, for commands with a response, the
response's exact size on the wire ("bytes": packet headers included) and
what it said. Reads like a real client: big recv()s into a buffer, packets
cut from the buffer.

Scenarios:
  stmt  COM_STMT_PREPARE "SELECT ? + ?", COM_STMT_EXECUTE (2, 40),
        COM_STMT_EXECUTE (-7, NULL), COM_STMT_CLOSE, COM_QUERY "SELECT 1", COM_QUIT
  big   COM_QUERY "SELECT seq, REPEAT('x', 20) FROM mysql.seq_1_to_5000", COM_QUIT
  late  PREPARE "SELECT ? * 2", print "ready" and wait for a line on stdin
        (l7trace starts meanwhile), then COM_QUERY "SELECT 1", EXECUTE the old
        statement (21), PREPARE "SELECT ? + 1" and EXECUTE it (1), COM_QUIT
  multi (with CLIENT_MULTI_STATEMENTS) DDL, INSERT and UPDATE (OKs with info),
        then one COM_QUERY of four statements, the last failing; COM_QUIT
"""
import json
import socket
import struct
import sys

CLIENT_LONG_PASSWORD = 0x1
CLIENT_LONG_FLAG = 0x4
CLIENT_PROTOCOL_41 = 0x200
CLIENT_TRANSACTIONS = 0x2000
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_MULTI_STATEMENTS = 0x10000
CLIENT_MULTI_RESULTS = 0x20000
SERVER_MORE_RESULTS_EXISTS = 0x8
CLIENT_PLUGIN_AUTH = 0x80000

port, scenario = int(sys.argv[1]), sys.argv[2]
sock = socket.create_connection(("127.0.0.1", port))
buf = b""


def packet():
    """The next packet: (sequence id, payload, wire bytes)."""
    global buf
    while True:
        if len(buf) >= 4:
            n = int.from_bytes(buf[:3], "little")
            if len(buf) >= 4 + n:
                seq, payload = buf[3], buf[4 : 4 + n]
                buf = buf[4 + n :]
                return seq, payload, 4 + n
        d = sock.recv(1 << 20)
        if not d:
            raise EOFError("server closed the connection")
        buf += d


def send(seq, payload):
    sock.sendall(len(payload).to_bytes(3, "little") + bytes([seq]) + payload)


def lenenc_int(b, p):
    c = b[p]
    if c < 0xFB:
        return c, p + 1
    if c == 0xFC:
        return int.from_bytes(b[p + 1 : p + 3], "little"), p + 3
    if c == 0xFD:
        return int.from_bytes(b[p + 1 : p + 4], "little"), p + 4
    return int.from_bytes(b[p + 1 : p + 9], "little"), p + 9


def lenenc_str(b, p):
    n, p = lenenc_int(b, p)
    return b[p : p + n], p + n


def is_eof(payload):
    return payload[:1] == b"\xfe" and len(payload) < 9


def err(payload):
    code = struct.unpack("<H", payload[1:3])[0]
    return {"error_code": code, "sql_state": payload[4:9].decode(), "message": payload[9:].decode()}


def ok(payload):
    affected, p = lenenc_int(payload, 1)
    insert_id, p = lenenc_int(payload, p)
    status = struct.unpack("<H", payload[p : p + 2])[0]
    out = {"affected_rows": affected, "last_insert_id": insert_id, "more": bool(status & SERVER_MORE_RESULTS_EXISTS)}
    if p + 4 < len(payload):
        info, _ = lenenc_str(payload, p + 4)  # length-encoded, as libmysqlclient reads it
        out["info"] = info.decode()
    return out


def column_type(coldef):
    p = 0
    for _ in range(6):  # catalog, schema, table, org_table, name, org_name
        _, p = lenenc_str(coldef, p)
    _, p = lenenc_int(coldef, p)  # length of the fixed fields (0x0c)
    return coldef[p + 6]  # after charset (2) and column length (4)


def binary_value(t, row, p):
    if t == 0x08:  # LONGLONG
        return struct.unpack("<q", row[p : p + 8])[0], p + 8
    if t == 0x03:  # LONG
        return struct.unpack("<i", row[p : p + 4])[0], p + 4
    s, p = lenenc_str(row, p)  # DECIMAL, strings
    return s.decode(), p


def result(binary):
    """Reads a whole response to a query or an execute."""
    _, first, total = packet()
    if first[0] == 0x00:
        return dict(ok(first), bytes=total)
    if first[0] == 0xFF:
        return dict(err(first), bytes=total)
    ncols, _ = lenenc_int(first, 0)
    types = []
    for _ in range(ncols):
        _, coldef, n = packet()
        total += n
        types.append(column_type(coldef))
    _, eof, n = packet()
    total += n
    assert is_eof(eof), eof
    rows = []
    while True:
        _, row, n = packet()
        total += n
        if is_eof(row):
            more = bool(struct.unpack("<H", row[3:5])[0] & SERVER_MORE_RESULTS_EXISTS)
            break
        if binary:
            nulls = row[1 : 1 + (ncols + 9) // 8]
            p, vals = 1 + len(nulls), []
            for i, t in enumerate(types):
                if nulls[(i + 2) // 8] & (1 << ((i + 2) % 8)):
                    vals.append(None)
                else:
                    v, p = binary_value(t, row, p)
                    vals.append(v)
        else:
            p, vals = 0, []
            for _ in range(ncols):
                if row[p] == 0xFB:
                    vals.append(None)
                    p += 1
                else:
                    s, p = lenenc_str(row, p)
                    vals.append(s.decode())
        rows.append(vals)
    return {"columns": ncols, "row_count": len(rows), "rows": rows[:3], "bytes": total, "more": more}


def results():
    """Reads every result of a response (SERVER_MORE_RESULTS_EXISTS)."""
    out = []
    while True:
        r = result(False)
        out.append(r)
        if not r.get("more"):
            return {"results": out, "bytes": sum(x["bytes"] for x in out)}


def login():
    _, greeting, _ = packet()
    assert greeting[0] == 10, greeting[:1]
    i = greeting.index(0, 1)
    p = i + 1 + 4
    p += 9  # scramble part 1 and filler
    caps = struct.unpack("<H", greeting[p : p + 2])[0]
    assert caps & CLIENT_PROTOCOL_41
    flags = (
        CLIENT_LONG_PASSWORD
        | CLIENT_LONG_FLAG
        | CLIENT_PROTOCOL_41
        | CLIENT_TRANSACTIONS
        | CLIENT_SECURE_CONNECTION
        | CLIENT_MULTI_RESULTS
        | CLIENT_PLUGIN_AUTH
    )
    if scenario == "multi":
        flags |= CLIENT_MULTI_STATEMENTS
    hs = struct.pack("<IIB", flags, 1 << 24, 33) + b"\0" * 23
    hs += b"root\0" + b"\0" + b"mysql_native_password\0"  # empty password: empty auth data
    send(1, hs)
    seq, r, _ = packet()
    if r[:1] == b"\xfe":  # auth switch: still an empty password
        send(seq + 1, b"")
        seq, r, _ = packet()
    assert r[:1] == b"\x00", r


def emit(**kw):
    print(json.dumps(kw), flush=True)


login()
def prepare(sql):
    send(0, b"\x16" + sql)
    _, first, total = packet()
    assert first[0] == 0, first
    stmt_id, ncols, nparams = struct.unpack("<IHH", first[1:9])
    for _ in range(nparams + (1 if nparams else 0) + ncols + (1 if ncols else 0)):
        total += packet()[2]
    return stmt_id, total


def execute_ints(stmt_id, values):
    body = struct.pack("<IBI", stmt_id, 0, 1) + bytes((len(values) + 7) // 8) + b"\x01"
    body += b"".join(bytes([0x08, 0]) for _ in values) + b"".join(struct.pack("<q", v) for v in values)
    send(0, b"\x17" + body)
    return dict(result(True), sent=len(body) + 1 + 4)


if scenario == "late":
    old, _ = prepare(b"SELECT ? * 2")
    print("ready", flush=True)
    sys.stdin.readline()
    send(0, b"\x03SELECT 1")
    emit(command="query", **result(False))
    emit(command="execute", statement_id=old, **execute_ints(old, [21]))
    new, nbytes = prepare(b"SELECT ? + 1")
    emit(command="prepare", statement_id=new, bytes=nbytes)
    emit(command="execute", statement_id=new, **execute_ints(new, [1]))
elif scenario == "stmt":
    sql = b"SELECT ? + ?"
    send(0, b"\x16" + sql)
    _, first, total = packet()
    assert first[0] == 0, first
    stmt_id, ncols, nparams = struct.unpack("<IHH", first[1:9])
    for _ in range(nparams):
        total += packet()[2]
    if nparams:
        total += packet()[2]  # EOF
    for _ in range(ncols):
        total += packet()[2]
    if ncols:
        total += packet()[2]  # EOF
    emit(command="prepare", statement_id=stmt_id, columns=ncols, params=nparams, bytes=total)

    def execute(params):
        # params: (MySQL type, little-endian bytes or None)
        body = struct.pack("<IBI", stmt_id, 0, 1)
        nulls = bytearray((len(params) + 7) // 8)
        for k, (_, v) in enumerate(params):
            if v is None:
                nulls[k // 8] |= 1 << (k % 8)
        body += bytes(nulls) + b"\x01" + b"".join(bytes([t, 0]) for t, _ in params)
        body += b"".join(v for _, v in params if v is not None)
        send(0, b"\x17" + body)
        return dict(result(True), sent=len(body) + 1 + 4)

    emit(command="execute", **execute([(0x08, struct.pack("<q", 2)), (0x08, struct.pack("<q", 40))]))
    emit(command="execute", **execute([(0x03, struct.pack("<i", -7)), (0x08, None)]))
    send(0, b"\x19" + struct.pack("<I", stmt_id))
    emit(command="close")
    send(0, b"\x03SELECT 1")
    emit(command="query", **result(False))
elif scenario == "big":
    send(0, b"\x03SELECT seq, REPEAT('x', 20) FROM mysql.seq_1_to_5000")
    emit(command="query", **result(False))
elif scenario == "multi":
    for sql in [
        "CREATE DATABASE d",
        "CREATE TABLE d.t (a INT)",
        "INSERT INTO d.t VALUES (1), (2)",
        "UPDATE d.t SET a = a + 10",
        "SELECT 1; SELECT 2, 3 UNION SELECT 4, 5; UPDATE d.t SET a = a; SELECT * FROM d.nosuch",
    ]:
        send(0, b"\x03" + sql.encode())
        emit(command="query", sql=sql, **results())
else:
    raise SystemExit(f"unknown scenario {scenario}")
send(0, b"\x01")
sock.close()
