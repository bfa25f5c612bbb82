import assert from "node:assert/strict";
import { type ConnectionInfo, putMillis, recordJson, wallClock, writeRecord } from "./record.ts";
import { RenderedJson } from "./protocols/common/json_bytes.ts";
import type { Exchange } from "./protocols/common/parser.ts";
import { LineBuffer } from "../workers/line_buffer.ts";

const utf8 = new TextEncoder();

/** `value`'s JSON as a RenderedJson, cut in two at `cut` when given. */
function rendered(value: unknown, cut = -1): RenderedJson {
  const bytes = utf8.encode(JSON.stringify(value));
  if (cut < 0) return new RenderedJson(bytes);
  const r = new RenderedJson(bytes.subarray(0, cut));
  r.tail = bytes.subarray(cut);
  return r;
}

const conn: ConnectionInfo = {
  connId: 3,
  pid: 4242,
  fd: 17,
  comm: "ngïnx\u2028",
  containerId: null,
  side: "client",
  localIp: "127.0.0.1",
  localPort: 40000,
  remoteIp: "127.0.0.1",
  remotePort: 8080,
  tls: false,
};

const req = { method: "GET", path: "/é", headers: { host: "h" }, body: "", body_truncated: false };
const resp = { status: 200, reason: "OK", headers: {}, body: "ok\n", body_truncated: false };

function exchange(over: Partial<Exchange>): Exchange {
  return {
    req,
    resp,
    reqStartNs: 999_999_999,
    reqEndNs: 1_000_000_000,
    respStartNs: 1_000_000_100,
    respEndNs: 1_000_123_457,
    reqBytes: 78,
    respBytes: 9_007_199_254_740_991,
    ...over,
  };
}

Deno.test("writeRecord writes recordJson's line, from bytes when req and resp are rendered", () => {
  const clock = wallClock(1_763_000_000_999_000_000);
  const cases: Exchange[] = [
    exchange({ req: rendered(req), resp: rendered(resp, 10) }),
    exchange({ req: rendered(req, 1), resp: null, respStartNs: -1, respEndNs: -1, respBytes: 0 }),
    // Answered in the same nanosecond, and a response that is not yet complete.
    exchange({ req: rendered(req), resp: rendered(resp), respEndNs: 999_999_999, reqBytes: 0 }),
    exchange({ req: rendered(req), resp: rendered(resp), respEndNs: -1 }),
    // Objects, or one of each: the text path.
    exchange({}),
    exchange({ req: rendered(req), resp }),
    exchange({ req, resp: rendered(resp, 3) }),
    // Redis-shaped, with what UTF-8 takes 2, 3 and 4 bytes for, and a lone surrogate.
    exchange({
      req: { command: "SET", args: ["k\u00e9", "\u2028\ud83d\ude00", "\ud800", '\u0000"\\'] },
      resp: { type: "array", value: [1, null, [true, "ü"], { "\u20ac": 2.5 }], truncated: true },
    }),
    exchange({ req: { command: "PING", args: [] }, resp: null, respStartNs: -1, respEndNs: -1, respBytes: 0 }),
  ];
  for (const tls of [false, true]) {
    const lines = new LineBuffer(() => assert.fail("one buffer holds every line"), 1 << 16);
    const want: string[] = [];
    for (const ex of cases) {
      const c = { ...conn, tls };
      writeRecord(lines, "http", c, ex, clock);
      writeRecord(lines, "http", c, ex, clock);
      const plain = { ...ex, req: JSON.parse(JSON.stringify(ex.req)), resp: JSON.parse(JSON.stringify(ex.resp)) };
      const line = recordJson("http", { ...conn, tls }, plain, clock) + "\n";
      want.push(line, line);
    }
    const { bytes, count } = lines.takeLines();
    assert.equal(new TextDecoder().decode(bytes), want.join(""));
    assert.equal(count, 2 * cases.length);
  }
});

Deno.test("writeRecord hands a full buffer over before a line that does not fit", () => {
  const taken: string[] = [];
  const lines: LineBuffer = new LineBuffer(() => taken.push(new TextDecoder().decode(lines.take())), 700);
  const ex = exchange({ req: rendered(req), resp: rendered({ ...resp, body: "x".repeat(400) }) });
  const clock = wallClock(0);
  for (let i = 0; i < 3; i++) writeRecord(lines, "http", { ...conn }, ex, clock);
  taken.push(new TextDecoder().decode(lines.take()));
  const line = recordJson("http", { ...conn }, { ...ex, req, resp: JSON.parse(JSON.stringify(ex.resp)) }, clock);
  // Each 700-byte buffer holds one of these ~640-byte lines; none is split.
  assert.deepEqual(taken, [line + "\n", line + "\n", line + "\n"]);
});

Deno.test("writeRecord's timestamps are exact to the microsecond, across second boundaries", () => {
  const clock = wallClock(1_763_000_000_999_000_000);
  // The exact wall-clock time, in BigInt microseconds, as ISO-8601.
  const iso = (ns: number) => {
    const micros = (BigInt(clock.sec) * 1_000_000_000n + BigInt(clock.ns) + BigInt(ns)) / 1000n;
    const text = new Date(Number(micros / 1000n)).toISOString().slice(0, 20);
    return `${text}${String(micros % 1_000_000n).padStart(6, "0")}Z`;
  };
  const starts = [0, 999, 1000, 999_999, 1_000_999, 999_999_999, 1_000_000_000];
  // A second's last nanosecond and its first, up to ~2^52 ns (52 days of uptime).
  for (let s = 1; s < 4.5e6; s = s * 3 + 1) {
    starts.push(s * 1e9 - clock.ns - 1, s * 1e9 - clock.ns, s * 1e9 + 123_456_789);
  }
  let x = 1;
  for (let i = 0; i < 2000; i++) (x = (x * 48271) % 2147483647), starts.push(x * 1_000_003 + (x % 1000));
  const lines = new LineBuffer(() => assert.fail("one buffer holds every line"), 1 << 22);
  for (const reqStartNs of starts) {
    writeRecord(lines, "http", conn, exchange({ req: rendered(req), resp: rendered(resp), reqStartNs }), clock);
  }
  const got = new TextDecoder().decode(lines.take()).split("\n").slice(0, -1).map((l) => JSON.parse(l).ts);
  assert.deepEqual(got, starts.map(iso));
});

Deno.test("putMillis writes what String(ns / 1e6) does", () => {
  const d = new Uint8Array(64);
  const text = (ns: number) => new TextDecoder().decode(d.subarray(0, putMillis(d, 0, ns)));
  const cases = [
    0,
    1,
    9,
    10,
    999_999,
    1_000_000,
    1_000_001,
    1_234_500,
    120_000_000,
    999_999_999_999_999,
    1e15,
    2 ** 53 - 1,
  ];
  let x = 1;
  for (let i = 0; i < 20_000; i++) {
    x = (x * 48271) % 2147483647;
    cases.push(x, x * 1000, x * 7919 + x, Math.floor(x / 1000) * 1_000_000, x * 465_661);
  }
  for (const ns of cases) assert.equal(text(ns), String(ns / 1e6), `${ns} ns`);
});
