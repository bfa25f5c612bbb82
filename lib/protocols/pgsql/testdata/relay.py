# Loopback TCP relay that logs each recv() chunk per direction as NDJSON,
# one file per accepted connection: {"dir": "c2s"|"s2c", "hex": "..."}.
# Usage: python3 relay.py LISTEN_PORT POSTGRES_PORT OUT_DIR, then point the
# client at 127.0.0.1:LISTEN_PORT.
import socket, threading, sys, json, itertools
lport, dport, outdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ids = itertools.count(1)
def pump(src, dst, tag, log, lock):
    while True:
        try:
            d = src.recv(1 << 20)
        except OSError:
            d = b""
        if not d:
            try: dst.shutdown(socket.SHUT_WR)
            except OSError: pass
            return
        with lock:
            log.write(json.dumps({"dir": tag, "hex": d.hex()}) + "\n"); log.flush()
        dst.sendall(d)
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", lport)); ls.listen(16)
while True:
    c, _ = ls.accept()
    s = socket.create_connection(("127.0.0.1", dport))
    n = next(ids)
    log = open(f"{outdir}/conn{n}.ndjson", "w"); lock = threading.Lock()
    a = threading.Thread(target=pump, args=(c, s, "c2s", log, lock), daemon=True)
    b = threading.Thread(target=pump, args=(s, c, "s2c", log, lock), daemon=True)
    a.start(); b.start()
