# Loopback TCP relay that logs every chunk as "c <hex>" (client->server) or
# "s <hex>" (server->client), one connection per log file.
import socket, sys, threading, itertools
listen_port, target_port, outdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
counter = itertools.count()
def pump(src, dst, tag, log, lock):
    while True:
        try:
            data = src.recv(65536)
        except OSError:
            data = b""
        if not data:
            try: dst.shutdown(socket.SHUT_WR)
            except OSError: pass
            return
        with lock:
            log.write(f"{tag} {data.hex()}\n"); log.flush()
        dst.sendall(data)
def handle(c):
    n = next(counter)
    s = socket.create_connection(("127.0.0.1", target_port))
    log = open(f"{outdir}/conn{n:03d}.log", "w"); lock = threading.Lock()
    t1 = threading.Thread(target=pump, args=(c, s, "c", log, lock)); t2 = threading.Thread(target=pump, args=(s, c, "s", log, lock))
    t1.start(); t2.start(); t1.join(); t2.join(); c.close(); s.close(); log.close()
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen_port)); srv.listen(16)
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
