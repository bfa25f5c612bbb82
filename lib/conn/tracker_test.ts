import assert from "node:assert/strict";
import { Direction, EventWriter, Role } from "../../ffi/event_writer.ts";
import type { Exchange } from "../protocols/common/parser.ts";
import type { ConnectionInfo } from "../record.ts";
import { Tracker } from "./tracker.ts";

const HTTP = 1;

interface Seen {
  conn: ConnectionInfo;
  ex: Exchange;
}

function tracker(): { t: Tracker; seen: Seen[] } {
  const seen: Seen[] = [];
  const t = new Tracker(
    { maxBodyBytes: 64 },
    (_p, conn, ex) => seen.push({ conn, ex }),
  );
  return { t, seen };
}

/** A client connection whose events are written with running positions. */
class ClientConn {
  readonly w = new EventWriter();
  readonly pos = [0, 0];
  ts = 1000;
  constructor(readonly c = { connId: 1, tgid: 42, fd: 7 }, role = Role.Client) {
    this.w.open(c, this.ts, {
      role,
      protocol: HTTP,
      comm: "curl",
      remotePort: 8080,
    });
  }
  send(text: string | Uint8Array, deliver = true): this {
    return this.#data(Direction.Send, text, deliver);
  }
  recv(text: string | Uint8Array, deliver = true): this {
    return this.#data(Direction.Recv, text, deliver);
  }
  #data(dir: Direction, text: string | Uint8Array, deliver: boolean): this {
    this.ts += 1000;
    const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
    // An event not delivered was lost from the ring, which counts it.
    if (!deliver) this.w.ringLosses++;
    if (deliver) {
      this.w.data(
        this.c,
        this.ts,
        dir,
        this.pos[dir]!,
        bytes,
        this.pos[dir ^ 1],
      );
    }
    this.pos[dir]! += bytes.length;
    return this;
  }
  close(): this {
    this.w.close(this.c, ++this.ts, this.pos[0]!, this.pos[1]!);
    return this;
  }
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`;
const ok = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const path = (s: Seen) => (s.ex.req as { path: string }).path;
const body = (s: Seen) => (s.ex.resp as { body: string } | null)?.body ?? null;

Deno.test("Tracker pairs a request and response with connection metadata", () => {
  const { t, seen } = tracker();
  const c = new ClientConn().send(get("/a")).recv(ok("A"));
  t.handleBatch(c.w.bytes, c.w.bytes.length);
  assert.equal(seen.length, 1);
  const s = seen[0]!;
  assert.deepEqual(
    [
      s.conn.pid,
      s.conn.fd,
      s.conn.comm,
      s.conn.side,
      s.conn.remotePort,
      s.conn.localIp,
    ],
    [42, 7, "curl", "client", 8080, "127.0.0.1"],
  );
  assert.equal(path(s), "/a");
  assert.equal(body(s), "A");
  assert.equal(s.ex.reqBytes, get("/a").length);
  assert.equal(s.ex.respBytes, ok("A").length);
  assert.equal(s.ex.reqStartNs, 2000);
  assert.equal(s.ex.respEndNs, 3000);
});

Deno.test("Tracker gives the same exchanges when every byte is its own event", () => {
  const { t, seen } = tracker();
  const c = new ClientConn();
  for (const ch of get("/x") + get("/y")) c.send(ch);
  for (const ch of ok("X") + ok("Y")) c.recv(ch);
  t.handleBatch(c.w.bytes, c.w.bytes.length);
  assert.deepEqual(seen.map((s) => [path(s), body(s)]), [["/x", "X"], [
    "/y",
    "Y",
  ]]);
});

Deno.test("Tracker skips a gap of known length inside a body and stays in sync", () => {
  const { t, seen } = tracker();
  const c = new ClientConn().send(get("/big"));
  const head = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
  c.recv(head + "z".repeat(100));
  c.w.gap(c.c, ++c.ts, Direction.Recv, c.pos[1]!, 99_900);
  c.pos[1]! += 99_900;
  c.send(get("/next")).recv(ok("N"));
  t.handleBatch(c.w.bytes, c.w.bytes.length);
  assert.deepEqual(seen.map((s) => [path(s), s.ex.respBytes]), [
    ["/big", head.length + 100_000],
    ["/next", ok("N").length],
  ]);
  assert.equal(
    (seen[0]!.ex.resp as { body_truncated: boolean }).body_truncated,
    true,
  );
  assert.equal(t.stats.desyncs, 0);
});

Deno.test("Tracker never pairs across a lost request, and resumes at the next request", () => {
  const { t, seen } = tracker();
  const c = new ClientConn()
    .send(get("/1")).recv(ok("1"))
    .send(get("/2"), false).recv(ok("2")) // lost: request 2
    .send(get("/3")).recv(ok("3"))
    .send(get("/4")).recv(ok("4"));
  t.handleBatch(c.w.bytes, c.w.bytes.length);
  // Response 2 arrives while its request is missing: never paired with /1 or /3.
  assert.deepEqual(seen.map((s) => [path(s), body(s)]), [["/1", "1"], [
    "/3",
    "3",
  ], ["/4", "4"]]);
  assert.equal(t.stats.desyncs, 1);
});

Deno.test("Tracker learns of lost responses from the next request, and pairs it", () => {
  const { t, seen } = tracker();
  const c = new ClientConn()
    .send(get("/1")).recv(ok("1"))
    .send(get("/2")).recv(ok("2"), false) // lost at the tail: nothing after it yet
    .send(get("/3")).recv(ok("3"));
  t.handleBatch(c.w.bytes, c.w.bytes.length);
  // /3's event says the response stream moved past what arrived: /2 is
  // dropped before /3 is queued, so /3 pairs with its own response.
  assert.deepEqual(seen.map((s) => [path(s), body(s)]), [["/1", "1"], [
    "/3",
    "3",
  ]]);
});

/**
 * A server whose threads move both directions at once: the response is
 * counted before the next request is read, but its event reaches the ring
 * after the request's, whose other_pos already covers it.
 */
function concurrentServer(split: number): { t: Tracker; seen: Seen[]; batches: Uint8Array[] } {
  const { t, seen } = tracker();
  const c = { connId: 3, tgid: 9, fd: 4 };
  const [q1, q2, r1, r2] = [get("/1"), get("/2"), ok("1"), ok("2")].map((x) => new TextEncoder().encode(x)) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  const events: ((w: EventWriter) => void)[] = [
    (w) => w.open(c, 1000, { role: Role.Server, protocol: HTTP }),
    (w) => w.data(c, 2000, Direction.Recv, 0, q1, 0),
    (w) => w.data(c, 4000, Direction.Recv, q1.length, q2, r1.length),
    (w) => w.data(c, 3000, Direction.Send, 0, r1, q1.length),
    (w) => w.data(c, 5000, Direction.Send, r1.length, r2, q1.length + q2.length),
  ];
  const batches = [events.slice(0, split), events.slice(split)].map((part) => {
    const w = new EventWriter();
    for (const e of part) e(w);
    return w.bytes.slice();
  });
  return { t, seen, batches };
}

Deno.test("Tracker waits for bytes another thread counted first, in the same batch or a later one", () => {
  for (const split of [5, 3, 4]) {
    const { t, seen, batches } = concurrentServer(split);
    for (const b of batches) t.handleBatch(b, b.length);
    assert.deepEqual(seen.map((s) => [path(s), body(s)]), [["/1", "1"], ["/2", "2"]], `split ${split}`);
    assert.equal(t.stats.desyncs, 0, `split ${split}`);
  }
});

Deno.test("Tracker counts bytes as lost once they are still missing 10 ms of events after a claim", () => {
  const { t, seen, batches } = concurrentServer(3);
  t.handleBatch(batches[0]!, batches[0]!.length);
  assert.equal(t.stats.desyncs, 0, "the response may still be on its way");
  const later = (ts: number) =>
    new EventWriter().open({ connId: ts, tgid: 9, fd: 5 }, ts, { role: Role.Server, protocol: HTTP }).bytes;
  const soon = later(4000 + 9e6);
  t.handleBatch(soon, soon.length);
  assert.equal(t.stats.desyncs, 0, "9 ms on it may still come");
  const late = later(4000 + 10e6);
  t.handleBatch(late, late.length);
  assert.equal(t.stats.desyncs, 1, "10 ms on it is lost");
  assert.equal(t.stats.lostBytes, ok("1").length);
  t.closeAll();
  assert.deepEqual(seen, [], "neither request is paired with a response it did not get");
});

Deno.test("Tracker counts bytes as lost at once when the ring lost events since the connection's last", () => {
  const { t, seen } = tracker();
  const c = { connId: 3, tgid: 9, fd: 4 };
  const w = new EventWriter();
  w.open(c, 1000, { role: Role.Server, protocol: HTTP });
  w.data(c, 2000, Direction.Recv, 0, get("/1"), 0);
  w.ringLosses = 1;
  w.data(c, 4000, Direction.Recv, get("/1").length, get("/2"), ok("1").length);
  t.handleBatch(w.bytes, w.bytes.length);
  assert.equal(t.stats.desyncs, 1);
  assert.deepEqual(seen, []);
});

/**
 * The server writes 10 bytes while another thread reads the request that
 * announces the connection: they are counted, not sent (not inferable),
 * and the OPEN event was made before they were counted.
 */
function announceRace(lossOnResponse: boolean): { t: Tracker; seen: Seen[] } {
  const { t, seen } = tracker();
  const c = { connId: 3, tgid: 9, fd: 4 };
  const w = new EventWriter();
  w.open(c, 1000, { role: Role.Server, protocol: HTTP });
  w.data(c, 2000, Direction.Recv, 0, get("/1"), 10);
  if (lossOnResponse) w.ringLosses++;
  w.data(c, 3000, Direction.Send, 10, ok("1"), get("/1").length);
  t.handleBatch(w.bytes, w.bytes.length);
  t.closeAll();
  return { t, seen };
}

Deno.test("Tracker starts a stream after bytes that raced the announcing event and were never sent", () => {
  const { t, seen } = announceRace(false);
  assert.deepEqual(seen.map((s) => [path(s), body(s)]), [["/1", "1"]]);
  assert.equal(t.stats.desyncs, 0);
  assert.equal(t.stats.lostBytes, 0);
});

Deno.test("Tracker counts such bytes as lost when the ring lost events meanwhile", () => {
  const { t, seen } = announceRace(true);
  assert.deepEqual(seen, []);
  assert.equal(t.stats.lostBytes, 10);
});

Deno.test("Tracker keeps a connection's first OPEN when two threads both announce it", () => {
  const { t, seen } = tracker();
  const c = { connId: 3, tgid: 9, fd: 4 };
  const w = new EventWriter();
  w.open(c, 1000, { role: Role.Server, protocol: HTTP });
  w.data(c, 2000, Direction.Recv, 0, get("/1"), 0);
  w.open(c, 2500, { role: Role.Server, protocol: HTTP, recvPos: get("/1").length });
  w.data(c, 3000, Direction.Send, 0, ok("1"), get("/1").length);
  t.handleBatch(w.bytes, w.bytes.length);
  assert.deepEqual(seen.map((s) => [path(s), body(s)]), [["/1", "1"]]);
  assert.equal(t.stats.connections, 1);
});

Deno.test("Tracker pairs pipelined echoes correctly whatever events are lost", () => {
  // 40 pipelined requests in batches; drop events pseudo-randomly; every
  // pair reported must carry the same id on both sides.
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let round = 0; round < 50; round++) {
    const { t, seen } = tracker();
    const c = new ClientConn();
    for (let batch = 0; batch < 8; batch++) {
      const ids = [0, 1, 2, 3, 4].map((i) => batch * 5 + i);
      c.send(ids.map((id) => get(`/echo?id=${id}`)).join(""), random() > 0.2);
      for (const id of ids) c.recv(ok(`id=${id}`), random() > 0.2);
    }
    c.close();
    t.handleBatch(c.w.bytes, c.w.bytes.length);
    for (const s of seen) {
      if (s.ex.resp === null) continue;
      assert.equal(`id=${path(s).split("=")[1]}`, body(s), `round ${round}`);
    }
  }
});

Deno.test("Tracker drops a response seen before any request on a mid-stream connection", () => {
  const { t, seen } = tracker();
  const c = new ClientConn().recv(ok("old")).send(get("/new")).recv(ok("new"));
  t.handleBatch(c.w.bytes, c.w.bytes.length);
  assert.deepEqual(seen.map((s) => [path(s), body(s)]), [["/new", "new"]]);
});

Deno.test("Tracker reports an unanswered request with a null response on close", () => {
  const { t, seen } = tracker();
  const c = new ClientConn().send(get("/a")).recv(ok("A")).send(get("/lost"))
    .close();
  t.handleBatch(c.w.bytes, c.w.bytes.length);
  assert.deepEqual(seen.map((s) => [path(s), body(s), s.ex.respEndNs]), [[
    "/a",
    "A",
    3000,
  ], ["/lost", null, -1]]);
  assert.equal(t.size, 0);
});

Deno.test("Tracker closes a process's connections when it exits", () => {
  const { t, seen } = tracker();
  const c = new ClientConn().send(get("/a"));
  c.w.exit(42, 9999);
  t.handleBatch(c.w.bytes, c.w.bytes.length);
  assert.deepEqual(seen.map((s) => [path(s), body(s)]), [["/a", null]]);
  assert.equal(t.size, 0);
});

Deno.test("Tracker uses the server role to tell requests from responses", () => {
  const { t, seen } = tracker();
  const c = new ClientConn({ connId: 9, tgid: 5, fd: 3 }, Role.Server).recv(
    get("/s"),
  ).send(ok("S"));
  t.handleBatch(c.w.bytes, c.w.bytes.length);
  assert.deepEqual(seen.map((s) => [s.conn.side, path(s), body(s)]), [[
    "server",
    "/s",
    "S",
  ]]);
});

Deno.test("Tracker ignores duplicate bytes and events of unknown connections", () => {
  const { t, seen } = tracker();
  const c = new ClientConn().send(get("/a"));
  c.w.data(c.c, 2500, Direction.Send, 0, get("/a")); // the same bytes again
  c.w.data(
    { connId: 77, tgid: 1, fd: 1 },
    2600,
    Direction.Send,
    0,
    get("/ghost"),
  );
  c.recv(ok("A"));
  t.handleBatch(c.w.bytes, c.w.bytes.length);
  assert.deepEqual(seen.map((s) => [path(s), body(s)]), [["/a", "A"]]);
  assert.equal(t.stats.unknownConnEvents, 1);
});

Deno.test("Tracker survives random bytes on an HTTP connection", () => {
  const { t } = tracker();
  const c = new ClientConn();
  let seed = 3;
  for (let i = 0; i < 200; i++) {
    const junk = new Uint8Array(1 + (i * 37) % 700);
    for (let j = 0; j < junk.length; j++) {
      junk[j] = seed = (seed * 1103515245 + 12345) & 0xff;
    }
    c.w.data(c.c, ++c.ts, i % 2, c.pos[i % 2]!, junk);
    c.pos[i % 2]! += junk.length;
  }
  c.close();
  t.handleBatch(c.w.bytes, c.w.bytes.length);
  assert.equal(t.size, 0);
});

Deno.test("Tracker.sweep drops idle connections the kernel no longer has, and keeps live ones", () => {
  for (const alive of [true, false]) {
    const seen: Seen[] = [];
    const t = new Tracker({ maxBodyBytes: 64, isAlive: () => alive }, (_p, conn, ex) => seen.push({ conn, ex }));
    const idle = new ClientConn({ connId: 1, tgid: 5, fd: 3 }).send(get("/pending"));
    t.handleBatch(idle.w.bytes, idle.w.bytes.length);
    const busy = new ClientConn({ connId: 2, tgid: 5, fd: 4 });
    busy.ts = 61e9; // a minute later
    busy.send(get("/x"));
    t.handleBatch(busy.w.bytes, busy.w.bytes.length);
    assert.equal(t.sweep(), alive ? 0 : 1);
    assert.equal(t.size, alive ? 2 : 1);
    assert.deepEqual(seen, [], "a dropped connection reports nothing");
  }
});

Deno.test("Tracker.sweep without a kernel (replay) drops connections idle for ten minutes", () => {
  const t = new Tracker({ maxBodyBytes: 64 }, () => {});
  const old = new ClientConn({ connId: 1, tgid: 5, fd: 3 }).send(get("/a"));
  t.handleBatch(old.w.bytes, old.w.bytes.length);
  const later = new ClientConn({ connId: 2, tgid: 5, fd: 4 });
  later.ts = 120e9;
  later.send(get("/b"));
  t.handleBatch(later.w.bytes, later.w.bytes.length);
  assert.equal(t.sweep(), 0, "two minutes idle is not enough");
  const much = new ClientConn({ connId: 3, tgid: 5, fd: 5 });
  much.ts = 800e9; // the second connection is now idle 680 s
  much.send(get("/c"));
  t.handleBatch(much.w.bytes, much.w.bytes.length);
  assert.equal(t.sweep(), 2);
  assert.equal(t.size, 1);
});

Deno.test("Tracker never skips a bad response head to pair a later frame with the request", () => {
  const seen: Seen[] = [];
  const t = new Tracker({ maxBodyBytes: 64 }, (_p, conn, ex) => seen.push({ conn, ex }));
  const w = new EventWriter();
  const c = { connId: 1, tgid: 1, fd: 3 };
  const q = "*1\r\n$4\r\nPING\r\n", r = "*2147483648\r\n$5\r\nhello\r\n";
  w.open(c, 1, { role: Role.Client, protocol: 2 });
  w.data(c, 10, Direction.Send, 0, q, 0);
  w.data(c, 20, Direction.Recv, 0, r, q.length);
  w.close(c, 30, q.length, r.length);
  t.handleBatch(w.bytes, w.bytes.length);
  assert.deepEqual(seen, [], "a claimed 2^31-element array is no reply, and 'hello' is not PING's");
  assert.equal(t.stats.invalidFrames, 1);
});

/** An HTTP/2 frame: 9-byte header and payload. */
function h2frame(type: number, flags: number, id: number, payload: number[]): Uint8Array {
  const n = payload.length;
  return new Uint8Array([n >> 16, (n >> 8) & 255, n & 255, type, flags, 0, 0, 0, id, ...payload]);
}
const bytesOf = (...parts: (string | Uint8Array)[]) => {
  const arrays = parts.map((p) => typeof p === "string" ? new TextEncoder().encode(p) : p);
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) (out.set(a, at), at += a.length);
  return out;
};

Deno.test("tracker: HTTP/1.1 Upgrade: h2c switches the connection to HTTP/2, stream 1 carrying the upgrade request", () => {
  const seen: [string, Exchange][] = [];
  const t = new Tracker({ maxBodyBytes: 64 }, (protocol, _conn, ex) => seen.push([protocol, ex]));
  const c = new ClientConn();
  const settings = h2frame(4, 0, 0, []);
  // Stream 1's response adds "x-a: 1" to the server's dynamic table; stream
  // 3's uses it by index, so the table must survive the client preface.
  const xa = [0x40, 3, ...new TextEncoder().encode("x-a"), 1, 0x31];
  c.send(
    "GET /up HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n" +
      "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n",
  )
    .recv(bytesOf(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
      settings,
      h2frame(1, 4, 1, [0x88, ...xa]),
      h2frame(0, 1, 1, [0x68, 0x69]),
    ))
    .send(bytesOf("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", settings, h2frame(1, 5, 3, [0x82, 0x86, 0x84, 0x41, 1, 0x68])))
    .recv(h2frame(1, 5, 3, [0x8d, 0xbe]))
    .close();
  t.handleBatch(c.w.bytes, c.w.bytes.length);
  const view = seen.map(([protocol, ex]) => {
    const q = ex.req as { method: string; path: string; headers: Record<string, string> };
    const r = ex.resp as { status: number; headers: Record<string, string>; body: string };
    return [protocol, q.method, q.path, r.status, r.headers["x-a"] ?? null, r.body];
  });
  assert.deepEqual(view, [
    ["http", "GET", "/up", 101, null, ""],
    ["http2", "GET", "/up", 200, "1", "hi"],
    ["http2", "GET", "/", 404, "1", ""],
  ]);
  assert.equal((seen[1]![1].req as { headers: Record<string, string> }).headers.upgrade, undefined);
  assert.equal(seen[1]![1].reqStartNs, seen[0]![1].reqStartNs);
  assert.equal(t.stats.protocolSwitches, 1);
  assert.equal(t.stats.disabled, 0);
});

Deno.test("Tracker parses a server's NATS INFO from byte 0 when seen open, mid-stream at a syscall start only", () => {
  const info = 'INFO {"server_id":"S","version":"2.9.10"} \r\n';
  const connect = 'CONNECT {"verbose":false}\r\nPING\r\n';
  const cases = [
    [0, info, ["INFO", "CONNECT", "PING"]],
    // A pushed INFO (a cluster update) at the start of a syscall.
    [100, info, ["INFO", "CONNECT", "PING"]],
    // The end of a message that began before tracing, then an INFO: no resuming inside a syscall.
    [100, "lo\r\n" + info, ["CONNECT", "PING"]],
  ] as const;
  for (const [recvPos, first, want] of cases) {
    const { t, seen } = tracker();
    const w = new EventWriter();
    const c = { connId: 9, tgid: 42, fd: 3 };
    w.open(c, 1000, { role: Role.Client, protocol: 9, comm: "python3", remotePort: 4222, recvPos });
    w.data(c, 2000, Direction.Recv, recvPos, first, 0);
    w.data(c, 3000, Direction.Send, 0, connect, recvPos + first.length);
    w.data(c, 4000, Direction.Recv, recvPos + first.length, "PONG\r\n", connect.length);
    w.close(c, 5000, connect.length, recvPos + first.length + 6);
    t.handleBatch(w.bytes, w.bytes.length);
    assert.deepEqual(seen.map((s) => (s.ex.req as { op: string }).op), want, `recvPos ${recvPos}: ${first}`);
  }
});

Deno.test("Tracker resumes a mid-stream NATS connection at a server delivery, not only at a request", () => {
  const { t, seen } = tracker();
  const w = new EventWriter();
  const c = { connId: 11, tgid: 42, fd: 5 };
  // Opened before tracing: both streams far from their start.
  w.open(c, 1000, { role: Role.Client, protocol: 9, comm: "python3", remotePort: 4222, sendPos: 500, recvPos: 900 });
  const tail = "lo\r\n"; // the end of a delivery that began before: no record
  const msg = "MSG e2e.late 1 5\r\nhello\r\n";
  const pub = "PUB e2e.late 2\r\nhi\r\n";
  w.data(c, 2000, Direction.Recv, 900, tail, 500);
  w.data(c, 3000, Direction.Recv, 900 + tail.length, msg, 500);
  w.data(c, 4000, Direction.Send, 500, pub, 900 + tail.length + msg.length);
  w.data(c, 5000, Direction.Recv, 900 + tail.length + msg.length, msg, 500 + pub.length);
  t.handleBatch(w.bytes, w.bytes.length);
  const view = seen.map((s) => {
    const q = s.ex.req as { op: string; subject: string; payload: string };
    return [q.op, q.subject, q.payload, s.ex.reqStartNs];
  });
  assert.deepEqual(view, [
    ["MSG", "e2e.late", "hello", 3000],
    ["PUB", "e2e.late", "hi", 4000],
    ["MSG", "e2e.late", "hello", 5000],
  ]);
});

Deno.test("Tracker does not resume a mid-stream HTTP connection at a response", () => {
  const { t, seen } = tracker();
  const w = new EventWriter();
  const c = { connId: 12, tgid: 42, fd: 6 };
  w.open(c, 1000, { role: Role.Client, protocol: 1, sendPos: 300, recvPos: 700 });
  const resp = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  w.data(c, 2000, Direction.Recv, 700, resp, 300);
  const req = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";
  w.data(c, 3000, Direction.Send, 300, req, 700 + resp.length);
  w.data(c, 4000, Direction.Recv, 700 + resp.length, resp, 300 + req.length);
  t.handleBatch(w.bytes, w.bytes.length);
  assert.deepEqual(seen.map((s) => (s.ex.req as { path: string }).path), ["/next"]);
});

/**
 * `events` (laid out as l7_drain lays them) as the records of a BPF ring of
 * `size` bytes mapped twice in a row, from offset `start`, with a discarded
 * record before each event: returns the double mapping and the records' length.
 */
function asRing(events: Uint8Array, size: number, start: number): { ring: Uint8Array; length: number } {
  const records: number[] = [];
  const view = new DataView(events.buffer, events.byteOffset, events.length);
  const put = (word: number, payload: Uint8Array) => {
    const header = [word & 255, (word >>> 8) & 255, (word >>> 16) & 255, word >>> 24, 0, 0, 0, 0];
    records.push(...header, ...payload, ...new Array((8 - (payload.length % 8)) % 8).fill(0));
  };
  for (let off = 0; off < events.length;) {
    const eventSize = view.getUint32(off, true);
    put((1 << 30) | 16, new Uint8Array(16).fill(0xee)); // discarded
    put(eventSize, events.subarray(off, off + eventSize));
    off += (eventSize + 7) & ~7;
  }
  assert.ok(records.length <= size);
  const data = new Uint8Array(size).fill(0xdd);
  for (let i = 0; i < records.length; i++) data[(start + i) % size] = records[i]!;
  const ring = new Uint8Array(2 * size);
  ring.set(data);
  ring.set(data, size);
  return { ring, length: records.length };
}

Deno.test("Tracker.handleRing reads events in place from ring records, across the ring's end, skipping discarded ones", () => {
  const c = new ClientConn();
  for (let i = 0; i < 20; i++) c.send(get(`/r${i}`)).recv(ok("x".repeat(i * 7)));
  c.close();
  const events = c.w.bytes;
  const expected = tracker();
  expected.t.handleBatch(events, events.length);
  assert.equal(expected.seen.length, 20);
  const size = 8192;
  for (const start of [0, 8, size - 8, size - 200, size / 2 + 40]) {
    const { ring, length } = asRing(events, size, start);
    const got = tracker();
    got.t.handleRing(ring, new DataView(ring.buffer), start, length);
    assert.deepEqual(got.seen.map(path), expected.seen.map(path));
    assert.deepEqual(got.seen.map(body), expected.seen.map(body));
    assert.equal(got.t.stats.events, expected.t.stats.events);
  }
});
