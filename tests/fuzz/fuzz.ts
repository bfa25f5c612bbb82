/**
 * Fuzzing the whole user-space pipeline: valid messages of every protocol,
 * mutated and split at random points, fed as kernel events (with gaps,
 * duplicates and closes) through the real tracker and parsers.
 *
 * Checks: no exception escapes, no event takes longer than MAX_EVENT_MS,
 * every connection is gone after its close, and a connection fed megabytes
 * of garbage keeps its memory bounded.
 *
 *   deno task fuzz [seconds-per-protocol]   (default 20)
 *
 * A failure prints the seed; `deno task fuzz --seed N` replays it.
 *
 * @module
 */
import { Direction, EventWriter, Role } from "../../ffi/event_writer.ts";
import { Tracker } from "../../lib/conn/tracker.ts";
import { PROTOCOLS } from "../../lib/protocols/registry.ts";
import { recordJson, wallClock, writeRecord } from "../../lib/record.ts";
import { LineBuffer, releaseLines } from "../../workers/line_buffer.ts";

/** An event that takes longer than this is a hang. */
export const MAX_EVENT_MS = 200;

const enc = new TextEncoder();
const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
}

/** A PostgreSQL simple query and its one-row answer, built message by message. */
function pgPair(sql: string): [Uint8Array, Uint8Array] {
  const msg = (tag: string, body: number[]) => {
    const len = body.length + 4;
    return [tag.charCodeAt(0), len >>> 24, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff, ...body];
  };
  const i32 = (n: number) => [n >>> 24 & 0xff, n >> 16 & 0xff, n >> 8 & 0xff, n & 0xff];
  const i16 = (n: number) => [n >> 8 & 0xff, n & 0xff];
  const field = [...enc.encode("?column?"), 0, ...i32(0), ...i16(0), ...i32(23), ...i16(4), ...i32(-1), ...i16(0)];
  const answer = [
    ...msg("T", [...i16(1), ...field]),
    ...msg("D", [...i16(1), ...i32(1), 0x31]),
    ...msg("C", [...enc.encode("SELECT 1"), 0]),
    ...msg("Z", [0x49]),
  ];
  return [Uint8Array.from(msg("Q", [...enc.encode(sql), 0])), Uint8Array.from(answer)];
}

/** A DNS A query and its answer over TCP (2-byte length prefixes). */
function dnsPair(id: number, name: string, addr: number[]): [Uint8Array, Uint8Array] {
  const qname = [...name.split(".").flatMap((l) => [l.length, ...enc.encode(l)]), 0];
  const question = [...qname, 0, 1, 0, 1];
  const header = (flags: number, an: number) => [id >> 8, id & 0xff, flags >> 8, flags & 0xff, 0, 1, 0, an, 0, 0, 0, 0];
  const query = [...header(0x0100, 0), ...question];
  const answer = [...header(0x8180, 1), ...question, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...addr];
  const framed = (m: number[]) => Uint8Array.from([m.length >> 8, m.length & 0xff, ...m]);
  return [framed(query), framed(answer)];
}

/** An MQTT control packet: first byte, Remaining Length (< 128 here), body. */
function mqtt(first: number, ...body: (number | string)[]): Uint8Array {
  const bytes = body.flatMap((x) => typeof x === "string" ? [0, x.length, ...enc.encode(x)] : [x]);
  return Uint8Array.from([first, bytes.length, ...bytes]);
}

/** An AMQP 0-9-1 frame: type, channel, payload (numbers, or strings as short strings), frame end. */
function amqp(type: number, channel: number, ...payload: (number | string)[]): Uint8Array {
  const bytes = payload.flatMap((x) => typeof x === "string" ? [x.length, ...enc.encode(x)] : [x]);
  const n = bytes.length;
  return Uint8Array.from([
    type,
    channel >> 8,
    channel & 0xff,
    n >>> 24,
    (n >> 16) & 0xff,
    (n >> 8) & 0xff,
    n & 0xff,
    ...bytes,
    0xce,
  ]);
}

/** Valid request/response pairs per protocol (the seeds mutations start from). */
export const SEEDS: Record<string, [Uint8Array, Uint8Array][]> = {
  http: [
    [
      enc.encode("GET /a?x=1 HTTP/1.1\r\nHost: h\r\nCookie: a=b\r\n\r\n"),
      enc.encode("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
    ],
    [
      enc.encode("POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
      enc.encode("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n"),
    ],
    [enc.encode("HEAD / HTTP/1.0\r\n\r\n"), enc.encode("HTTP/1.0 204 No Content\r\n\r\n")],
  ],
  redis: [
    [enc.encode("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n"), enc.encode("+OK\r\n")],
    [enc.encode("*2\r\n$6\r\nLRANGE\r\n$1\r\nl\r\n"), enc.encode("*3\r\n$1\r\na\r\n:2\r\n*1\r\n$-1\r\n")],
    [enc.encode("PING\r\n"), enc.encode("-ERR oops\r\n")],
    [enc.encode("*1\r\n$5\r\nHELLO\r\n"), enc.encode("%1\r\n+proto\r\n:3\r\n>2\r\n+a\r\n+b\r\n")],
  ],
  mysql: [
    // COM_QUERY "SELECT 1" -> 1 column, 1 row, EOF terminators.
    [
      hex("090000000353454c4543542031"),
      hex(
        "01000001011700000203646566000000013100" + "0c3f000100000008810000000005000003fe00000200" +
          "0200000401310500000" + "5fe00000200",
      ),
    ],
    [hex("0100000001"), new Uint8Array(0)],
    [hex("0e00000003696e7365727420696e746f2074"), hex("0700000100010002000000")],
  ],
  pgsql: [pgPair("select 1")],
  // CONNECT 3.1.1 / CONNACK, PUBLISH QoS 1 / PUBACK, SUBSCRIBE / SUBACK, PINGREQ / PINGRESP.
  mqtt: [
    [mqtt(0x10, "MQTT", 4, 0xc2, 0, 60, "fuzz", "user", "pw"), mqtt(0x20, 0, 0)],
    [mqtt(0x32, "a/b", 0, 1, 104, 105), mqtt(0x40, 0, 1)],
    [mqtt(0x82, 0, 2, "a/#", 1), mqtt(0x90, 0, 2, 1)],
    [mqtt(0xc0), mqtt(0xd0)],
  ],
  // Protocol header + Channel.Open / Open-Ok, Queue.Declare / Declare-Ok, Basic.Publish with content
  // on a confirm channel / Basic.Ack, Basic.Get / Get-Ok with content.
  amqp: [
    [concat(enc.encode("AMQP\x00\x00\x09\x01"), amqp(1, 1, 0, 20, 0, 10, "")), amqp(1, 1, 0, 20, 0, 11, 0, 0, 0, 0)],
    [amqp(1, 1, 0, 50, 0, 10, 0, 0, "q", 2, 0, 0, 0, 0), amqp(1, 1, 0, 50, 0, 11, "q", 0, 0, 0, 1, 0, 0, 0, 0)],
    [amqp(1, 1, 0, 85, 0, 10, 0), amqp(1, 1, 0, 85, 0, 11)],
    [
      concat(
        amqp(1, 1, 0, 60, 0, 40, 0, 0, "x", "k", 0),
        amqp(2, 1, 0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0x80, 0, "t"),
        amqp(3, 1, 104, 105),
      ),
      amqp(1, 1, 0, 60, 0, 80, 0, 0, 0, 0, 0, 0, 0, 1, 0),
    ],
    [
      amqp(1, 1, 0, 60, 0, 70, 0, 0, "q", 0),
      concat(
        amqp(1, 1, 0, 60, 0, 71, 0, 0, 0, 0, 0, 0, 0, 1, 0, "x", "k", 0, 0, 0, 0),
        amqp(2, 1, 0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0),
        amqp(3, 1, 104, 105),
      ),
    ],
  ],
  // CONNECT verbose / +OK, PUB with reply-to / +OK, SUB / +OK, PING / PONG, HPUB / -ERR and its +OK.
  nats: [
    [enc.encode('CONNECT {"verbose":true,"user":"u","pass":"p"}\r\n'), enc.encode("+OK\r\n")],
    [enc.encode("PUB a.b _INBOX.1 5\r\nhello\r\n"), enc.encode("+OK\r\n")],
    [enc.encode("SUB a.> q 1\r\n"), enc.encode("+OK\r\n")],
    [enc.encode("PING\r\n"), enc.encode("PONG\r\n")],
    [enc.encode("HPUB a 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"), enc.encode("-ERR 'Invalid Publish Subject'\r\n+OK\r\n")],
  ],
  dns: [dnsPair(0x1234, "example.test", [10, 1, 2, 3]), dnsPair(0x0001, "a.b.c", [127, 0, 0, 1])],
  memcached: [
    [enc.encode("set k 0 0 5\r\nvalue\r\n"), enc.encode("STORED\r\n")],
    [enc.encode("gets a b\r\n"), enc.encode("VALUE a 3 2 17\r\nhi\r\nEND\r\n")],
    [enc.encode("mg a v k O1\r\n"), enc.encode("VA 2 ka O1\r\nhi\r\n")],
    [enc.encode("stats\r\n"), enc.encode("STAT pid 1\r\nSTAT uptime 9\r\nEND\r\n")],
  ],
  // Preface, SETTINGS, HEADERS (GET http://localhost/) / SETTINGS, HEADERS :status 200, DATA "ok".
  http2: [[
    concat(
      enc.encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
      hex("000000040000000000"),
      hex("00000e0105000000018286844109"),
      enc.encode("localhost"),
    ),
    hex("000000040000000000" + "000001010400000001" + "88" + "000002000100000001" + "6f6b"),
  ]],
};

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ABSURD = ["99999999999999999999", "18446744073709551616", "2147483648", "-1", "ffffffffffffffff", "4294967296"];

/** One mutation of `bytes`. */
export function mutate(bytes: Uint8Array, rnd: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(rnd() * n);
  const out = Array.from(bytes);
  const op = pick(8);
  const at = pick(out.length + 1);
  switch (op) {
    case 0: // flip bits
      for (let i = 0; i < 1 + pick(4) && out.length; i++) out[pick(out.length)]! ^= 1 << pick(8);
      break;
    case 1: // insert random bytes
      out.splice(at, 0, ...Array.from({ length: 1 + pick(16) }, () => pick(256)));
      break;
    case 2: // delete a range
      out.splice(at, 1 + pick(8));
      break;
    case 3: // duplicate a range
      out.splice(at, 0, ...out.slice(at, at + 1 + pick(32)));
      break;
    case 4: // an absurd number where digits are
      out.splice(at, 0, ...enc.encode(ABSURD[pick(ABSURD.length)]!));
      break;
    case 5: // a huge binary length field
      out.splice(at, Math.min(4, out.length - at), 0xff, 0xff, 0xff, 0x7f);
      break;
    case 6: // truncate
      out.length = at;
      break;
    default: // random bytes entirely
      return Uint8Array.from({ length: pick(512) }, () => pick(256));
  }
  return Uint8Array.from(out);
}

/** Outcome of a fuzz run. */
export interface FuzzResult {
  iterations: number;
  events: number;
  maxEventMs: number;
}

/**
 * Feeds mutated traffic of one protocol for `ms` milliseconds (or
 * `iterations` connections). Throws on any violated check.
 */
export function fuzzProtocol(protocol: string, seed: number, ms: number, iterations = Infinity): FuzzResult {
  const entry = PROTOCOLS.find((p) => p.parser.protocol === protocol);
  const seeds = SEEDS[protocol];
  if (!entry || !seeds) throw new Error(`no fuzz seeds for ${protocol}`);
  const rnd = prng(seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const deadline = performance.now() + ms;
  let events = 0, maxEventMs = 0, i = 0;
  // The same events also go to a tracker whose parsers write JSON bytes
  // (ParserOptions.renderJson): its lines must be the object path's.
  const clock = wallClock(1_700_000_000_000_000_000);
  const expected: string[] = [];
  const tracker = new Tracker({ maxBodyBytes: 64 }, (p, conn, ex) => expected.push(recordJson(p, conn, ex, clock)));
  const got: string[] = [];
  const lines: LineBuffer = new LineBuffer(() => takeLines());
  function takeLines() {
    const bytes = lines.take();
    got.push(new TextDecoder().decode(bytes));
    releaseLines(bytes);
  }
  const rendering = new Tracker(
    { maxBodyBytes: 64, renderJson: true },
    (p, conn, ex) => writeRecord(lines, p, conn, ex, clock),
  );
  for (; i < iterations && performance.now() < deadline; i++) {
    const w = new EventWriter();
    const c = { connId: i + 1, tgid: 1 + pick(3), fd: 3 + pick(5) };
    const role = pick(2) ? Role.Client : Role.Server;
    w.open(c, 1, { role, protocol: entry.id });
    // The stream each side sends: several messages, some mutated.
    const streams: [number[], number[]] = [[], []];
    for (let m = 0; m < 1 + pick(6); m++) {
      const [q, r] = seeds[pick(seeds.length)]!;
      const mq = pick(3) === 0 ? mutate(q, rnd) : q;
      const mr = pick(3) === 0 ? mutate(r, rnd) : r;
      streams[0].push(...mq);
      streams[1].push(...mr);
    }
    // Request direction per role: client sends requests, server receives them.
    const reqDir = role === Role.Client ? Direction.Send : Direction.Recv;
    const dirs = [reqDir, reqDir === Direction.Send ? Direction.Recv : Direction.Send] as const;
    const pos = [0, 0];
    const sent = [0, 0];
    let ts = 10;
    while (sent[0]! < streams[0].length || sent[1]! < streams[1].length) {
      const s = pick(2);
      const bytes = streams[s]!;
      if (sent[s]! >= bytes.length) continue;
      const n = Math.min(bytes.length - sent[s]!, 1 + pick(pick(4) === 0 ? 4 : 300));
      const dir = dirs[s]!;
      const other = dirs[1 - s]!;
      if (pick(20) === 0) {
        w.gap(c, ts += 100, dir, pos[dir]!, n); // bytes not captured
      } else if (pick(30) === 0) {
        // lost: just skip them
      } else {
        w.data(c, ts += 100, dir, pos[dir]!, Uint8Array.from(bytes.slice(sent[s]!, sent[s]! + n)), pos[other]);
        if (pick(25) === 0) w.data(c, ts, dir, pos[dir]!, Uint8Array.from(bytes.slice(sent[s]!, sent[s]! + n)));
      }
      pos[dir]! += n;
      sent[s]! += n;
    }
    w.close(c, ts + 1, pos[Direction.Send]!, pos[Direction.Recv]!);
    const batch = w.bytes;
    const view = new DataView(batch.buffer, batch.byteOffset, batch.length);
    for (let off = 0; off < batch.length;) {
      const t0 = performance.now();
      tracker.handleEvent(batch, view, off);
      const dt = performance.now() - t0;
      rendering.handleEvent(batch, view, off);
      if (dt > maxEventMs) maxEventMs = dt;
      if (dt > MAX_EVENT_MS) throw new Error(`${protocol} seed ${seed}: an event took ${dt.toFixed(0)} ms`);
      events++;
      off += (view.getUint32(off, true) + 7) & ~7;
    }
    if (tracker.size !== 0) throw new Error(`${protocol} seed ${seed}: ${tracker.size} connections left after close`);
    takeLines();
    const want = expected.map((l) => l + "\n").join("");
    if (got.join("") !== want) {
      throw new Error(`${protocol} seed ${seed}: records written as bytes differ:\n${got.join("")}\nfrom\n${want}`);
    }
    expected.length = got.length = 0;
  }
  return { iterations: i, events, maxEventMs };
}

/** Feeds `megabytes` of random bytes on one long connection; returns heap growth in MB. */
export function garbageHeapGrowthMb(protocol: string, megabytes: number, seed = 1): number {
  const entry = PROTOCOLS.find((p) => p.parser.protocol === protocol)!;
  const rnd = prng(seed);
  const tracker = new Tracker({ maxBodyBytes: 1024 }, () => {});
  const c = { connId: 1, tgid: 1, fd: 3 };
  const open = new EventWriter().open(c, 1, { role: Role.Client, protocol: entry.id });
  tracker.handleBatch(open.bytes, open.bytes.length);
  const before = Deno.memoryUsage().heapUsed;
  const chunk = new Uint8Array(16384);
  const pos = [0, 0];
  for (let i = 0; i < (megabytes * 1024 * 1024) / chunk.length; i++) {
    for (let k = 0; k < chunk.length; k++) chunk[k] = Math.floor(rnd() * 256);
    const dir = (i % 2) as Direction;
    const w = new EventWriter().data(c, 10 + i, dir, pos[dir]!, chunk, pos[1 - dir]);
    pos[dir]! += chunk.length;
    tracker.handleBatch(w.bytes, w.bytes.length);
  }
  return (Deno.memoryUsage().heapUsed - before) / 1e6;
}

if (import.meta.main) {
  const seedFlag = Deno.args.indexOf("--seed");
  const seed = seedFlag >= 0 ? Number(Deno.args[seedFlag + 1]) : Date.now() % 1e9;
  const seconds = Number(Deno.args.find((a, i) => /^\d+$/.test(a) && Deno.args[i - 1] !== "--seed") ?? 20);
  const out = (s: string) => Deno.stdout.writeSync(enc.encode(`${s}\n`));
  out(`fuzz: seed ${seed}, ${seconds} s per protocol`);
  for (const protocol of Object.keys(SEEDS)) {
    if (!PROTOCOLS.some((p) => p.parser.protocol === protocol)) continue;
    const r = fuzzProtocol(protocol, seed, seconds * 1000);
    out(`${protocol}: ${r.iterations} connections, ${r.events} events, slowest event ${r.maxEventMs.toFixed(2)} ms`);
  }
}
