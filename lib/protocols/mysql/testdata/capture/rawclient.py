# Minimal raw MySQL client for capturing binary-protocol fixtures.
# usage: rawclient.py PORT SCENARIO [deprecate_eof] [cache_meta]
import socket, struct, sys, hashlib, time
port, scenario = int(sys.argv[1]), sys.argv[2]
deprecate = "deprecate" in sys.argv[3:]
cache_meta = "cachemeta" in sys.argv[3:]
s = socket.create_connection(("127.0.0.1", port))
def recv_idle(t=0.25):
    s.settimeout(t); out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d: break
            out += d
    except socket.timeout: pass
    return out
def packets(b):
    r = []
    while len(b) >= 4:
        L = int.from_bytes(b[:3], "little"); r.append((b[3], b[4:4+L])); b = b[4+L:]
    return r
def send(seq, payload):
    s.sendall(len(payload).to_bytes(3, "little") + bytes([seq]) + payload)
def native(pw, scr):
    if not pw: return b""
    h1 = hashlib.sha1(pw).digest(); h2 = hashlib.sha1(h1).digest()
    h3 = hashlib.sha1(scr + h2).digest()
    return bytes(a ^ b for a, b in zip(h1, h3))
g = packets(recv_idle())[0][1]
i = g.index(0, 1); ver = g[1:i]; p = i + 1 + 4
scr = g[p:p+8]; p += 9
caps = g[p] | g[p+1] << 8; p += 2 + 1 + 2; caps |= (g[p] | g[p+1] << 8) << 16; p += 2
alen = g[p]; p += 1 + 6 + 4
scr += g[p:p+max(13, alen-8)-1]
CLIENT = 0x00000200 | 0x00008000 | 0x00080000 | 0x00000008 | 0x00010000 | 0x00020000 | 0x00800000 | 0x00000004
if deprecate: CLIENT |= 0x01000000
ext = 0x1d if cache_meta else 0x05
user, pw = b"app", b"secret"
resp = native(pw, scr)
hs = struct.pack("<IIB", CLIENT, 1 << 24, 33) + b"\0" * 19 + struct.pack("<I", ext)
hs += user + b"\0" + bytes([len(resp)]) + resp + b"shop\0" + b"mysql_native_password\0"
send(1, hs)
r = packets(recv_idle())
print("auth:", r[0][1][:1].hex(), file=sys.stderr)
def cmd(payload, wait=True):
    send(0, payload)
    return recv_idle() if wait else b""
def u16(v): return struct.pack("<H", v)
def u32(v): return struct.pack("<I", v)
def lenenc(b): return bytes([len(b)]) + b if len(b) < 251 else b"\xfc" + u16(len(b)) + b
def prepare(sql):
    r = packets(cmd(b"\x16" + sql))
    assert r[0][1][0] == 0, r[0][1]
    sid, nc, np = struct.unpack("<IHH", r[0][1][1:9]); return sid, np
def execute(sid, params, flags=0, bound=True):
    # params: list of (type, unsigned, bytes|None)
    n = len(params); body = u32(sid) + bytes([flags]) + u32(1)
    if n:
        bm = bytearray((n + 7) // 8)
        for k, (_, _, v) in enumerate(params):
            if v is None: bm[k // 8] |= 1 << (k % 8)
        body += bytes(bm) + (b"\x01" if bound else b"\x00")
        if bound:
            for t, uns, _ in params: body += bytes([t, 0x80 if uns else 0])
        for _, _, v in params:
            if v is not None: body += v
    return cmd(b"\x17" + body)
if scenario == "binary":
    sql = b"SELECT ? AS a, ? AS b, ? AS c, ? AS d, ? AS e, ? AS f, ? AS g, ? AS h, ? AS i, ? AS j, ? AS k, ? AS l, ? AS m, ? AS n, ? AS o"
    sid, np = prepare(sql)
    params = [
        (0x01, False, struct.pack("<b", -5)),
        (0x01, True, struct.pack("<B", 250)),
        (0x02, False, struct.pack("<h", -30000)),
        (0x03, False, struct.pack("<i", -2000000000)),
        (0x03, True, struct.pack("<I", 4000000000)),
        (0x08, False, struct.pack("<q", -9007199254740993)),
        (0x08, True, struct.pack("<Q", 18446744073709551615)),
        (0x04, False, struct.pack("<f", 1.5)),
        (0x05, False, struct.pack("<d", -0.1)),
        (0xfd, False, lenenc("héllo wörld".encode())),
        (0x06, False, None),
        (0x0c, False, bytes([11]) + struct.pack("<HBBBBBI", 2024, 5, 6, 7, 8, 9, 123456)),
        (0x0a, False, bytes([4]) + struct.pack("<HBB", 1999, 12, 31)),
        (0x0b, False, bytes([12, 1]) + struct.pack("<IBBBI", 1, 2, 3, 4, 500)),
        (0xf6, False, lenenc(b"12.50")),
    ]
    execute(sid, params)
    execute(sid, params[:9] + [(0xfd, False, None)] + params[10:], bound=False)
    cmd(b"\x1a" + u32(sid))  # STMT_RESET
    cmd(b"\x19" + u32(sid), wait=False)  # STMT_CLOSE
    sid2, _ = prepare(b"INSERT INTO items (name, price, qty, note) VALUES (?, ?, ?, ?)")
    execute(sid2, [(0xfd, False, lenenc(b"fig")), (0xf6, False, lenenc(b"4.20")), (0x02, False, struct.pack("<h", 9)), (0xfc, False, lenenc(b"sweet"))])
    cmd(b"\x18" + u32(sid2) + u16(3) + b"long data part", wait=False)  # SEND_LONG_DATA
    execute(sid2, [(0xfd, False, lenenc(b"fig2")), (0xf6, False, lenenc(b"1")), (0x02, False, struct.pack("<h", 1)), (0xfc, False, b"")])
    execute(sid2, [(0xfd, False, None), (0xf6, False, lenenc(b"x")), (0x02, False, struct.pack("<h", 1)), (0xfc, False, lenenc(b""))])
    sid3, _ = prepare(b"SELECT id, name, price, qty, big, ratio, f, created, d, t, note, tiny FROM items WHERE id <= ? ORDER BY id")
    execute(sid3, [(0x08, False, struct.pack("<q", 3))])
    execute(sid3, [(0x08, False, struct.pack("<q", 2))], flags=1)  # cursor
    cmd(b"\x1c" + u32(sid3) + u32(1))  # FETCH 1 row
    cmd(b"\x1c" + u32(sid3) + u32(10))  # FETCH rest
    sid4, _ = prepare(b"CALL two()")
    execute(sid4, [])
    cmd(b"\x16" + b"SELECT * FROM nosuch WHERE a = ?")  # prepare error
    cmd(b"\x0e")  # PING
    cmd(b"\x09")  # STATISTICS
    cmd(b"\x04" + b"items\0")  # FIELD_LIST
    cmd(b"\x02" + b"nodb")  # INIT_DB error
    cmd(b"\x1b" + u16(0))  # SET_OPTION multi statements on
    cmd(b"\x03" + b"SELECT 1 FROM items WHERE 1 = 0")  # empty result set
    cmd(b"\x1f")  # RESET_CONNECTION
    cmd(b"\x1d")  # COM_DAEMON: unknown command error
    cmd(b"\x01", wait=False)  # QUIT
    time.sleep(0.2)
elif scenario == "changeuser":
    cmd(b"\x03SELECT 1")
    cu = b"nopw\0" + b"\0" + b"shop\0" + u16(33) + b"mysql_native_password\0"
    r = packets(cmd(b"\x11" + cu))
    if r and r[-1][1][:1] == b"\xfe":
        send(r[-1][0] + 1, b""); recv_idle()
    cmd(b"\x03SELECT CURRENT_USER()")
    cmd(b"\x01", wait=False); time.sleep(0.2)
s.close()
