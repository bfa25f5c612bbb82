import assert from "node:assert/strict";
import { type Exchange, Stream } from "../common/parser.ts";
import { filters } from "./filter.ts";
import { PREFACE } from "./frame.ts";
import { http2Parser as p, UNKNOWN } from "./mod.ts";
import type { Http2Request, Http2Response, Http2State } from "./types.ts";

const hex = (s: string) => new Uint8Array(s.match(/../g)!.map((b) => parseInt(b, 16)));
const enc = (s: string) => new TextEncoder().encode(s);

/** A frame: 9-byte header and payload. */
function frame(type: number, flags: number, id: number, payload: Uint8Array | number[]): Uint8Array {
  const pl = payload instanceof Uint8Array ? payload : new Uint8Array(payload);
  const out = new Uint8Array(9 + pl.length);
  out.set([
    pl.length >> 16,
    (pl.length >> 8) & 255,
    pl.length & 255,
    type,
    flags,
    (id >>> 24) & 127,
    (id >> 16) & 255,
    (id >> 8) & 255,
    id & 255,
  ]);
  out.set(pl, 9);
  return out;
}
/** HPACK literal without indexing, new name (no table effect). */
function lit(fields: [string, string][]): Uint8Array {
  const out: number[] = [];
  for (const [n, v] of fields) out.push(0, n.length, ...enc(n), v.length, ...enc(v));
  return new Uint8Array(out);
}
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const x of parts) (out.set(x, at), at += x.length);
  return out;
};

const SETTINGS = frame(4, 0, 0, []);
const C31 = hex("828684410f7777772e6578616d706c652e636f6d"); // GET / www.example.com, adds :authority
const C32 = hex("828684be58086e6f2d6361636865"); // same, :authority from index 62
const C51 = hex(
  "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e17" +
    "68747470733a2f2f7777772e6578616d706c652e636f6d",
);

/** Feeds bytes like the tracker: accumulate, parse until 0, drop what was consumed. */
function feed(state: Http2State, stream: Stream, bytes: Uint8Array, chunk = bytes.length): void {
  let pending = new Uint8Array(0);
  for (let i = 0; i < bytes.length; i += chunk) {
    pending = cat(pending, bytes.subarray(i, i + chunk));
    for (;;) {
      const n = p.parseFrame(state, stream, pending, 1, 2);
      assert.ok(n >= 0, "invalid frame");
      if (n === 0) break;
      pending = pending.subarray(n);
    }
  }
  assert.equal(pending.length, 0);
}
function run(
  client: Uint8Array,
  server: Uint8Array,
  chunk?: number,
  state = p.createState({ maxBodyBytes: 64, datagram: false }),
) {
  feed(state, Stream.Request, client, chunk);
  feed(state, Stream.Response, server, chunk);
  const out: Exchange[] = [];
  p.match(state, out, false);
  return out.map((e) => ({ ...e, req: e.req as Http2Request, resp: e.resp as Http2Response }));
}

const CLIENT = cat(PREFACE, SETTINGS, frame(1, 5, 1, C31), frame(1, 5, 3, C32));
const SERVER = cat(
  SETTINGS,
  frame(1, 4, 1, C51),
  frame(0, 1, 1, enc("hello")),
  frame(1, 5, 3, lit([[":status", "404"]])),
);

Deno.test("http2: request/response pairing with the dynamic table", () => {
  const out = run(CLIENT, SERVER);
  assert.equal(out.length, 2);
  assert.deepEqual(out[0]!.req, {
    method: "GET",
    path: "/",
    authority: "www.example.com",
    scheme: "http",
    headers: {},
    body: "",
    body_truncated: false,
  });
  assert.equal(out[0]!.resp.status, 302);
  assert.equal(out[0]!.resp.headers.location, "https://www.example.com");
  assert.equal(out[0]!.resp.body, "hello");
  assert.equal(out[0]!.respBytes, 9 + C51.length + 9 + 5);
  assert.equal(out[1]!.req.headers["cache-control"], "no-cache");
  assert.equal(out[1]!.req.authority, "www.example.com");
  assert.equal(p.summarize(out[1]!.req, out[1]!.resp), "GET / -> 404");
});

Deno.test("http2: split at every byte boundary gives the same records", () => {
  const whole = JSON.stringify(run(CLIENT, SERVER));
  for (let chunk = 1; chunk <= 40; chunk++) {
    assert.equal(JSON.stringify(run(CLIENT, SERVER, chunk)), whole, `chunk ${chunk}`);
  }
});

Deno.test("http2: padding, priority and CONTINUATION", () => {
  const block = lit([[":method", "POST"], [":path", "/up"], [":scheme", "https"], [":authority", "a"], ["x-a", "1"]]);
  const padded = [4, ...[0, 0, 0, 0, 16], ...block.subarray(0, 10), 0, 0, 0, 0];
  const client = cat(
    PREFACE,
    frame(1, 0x28, 1, padded), // PADDED | PRIORITY, no END_HEADERS
    frame(9, 4, 1, block.subarray(10)),
    frame(0, 0x09, 1, [3, ...enc("abc"), 0, 0, 0]), // padded DATA, END_STREAM
  );
  const out = run(client, frame(1, 5, 1, lit([[":status", "201"]])));
  assert.equal(out[0]!.req.method, "POST");
  assert.equal(out[0]!.req.path, "/up");
  assert.equal(out[0]!.req.headers["x-a"], "1");
  assert.equal(out[0]!.req.body, "abc");
  assert.equal(out[0]!.resp.status, 201);
});

Deno.test("http2: header names Object.prototype has are kept as own fields, repeats joined", () => {
  const block = lit([
    [":method", "GET"],
    [":path", "/"],
    ["__proto__", "x"],
    ["constructor", "y"],
    ["__proto__", "z"],
    ["x-b", "1"],
    ["x-b", "2"],
  ]);
  const out = run(cat(PREFACE, frame(1, 5, 1, block)), frame(1, 5, 1, lit([[":status", "200"]])));
  const h = out[0]!.req.headers;
  assert.equal(Object.getPrototypeOf(h), Object.prototype);
  assert.equal(JSON.stringify(h), '{"__proto__":"x, z","constructor":"y","x-b":"1, 2"}');
});

Deno.test("http2: three interleaved streams, RST_STREAM and GOAWAY", () => {
  const req = (path: string) => lit([[":method", "GET"], [":path", path], [":scheme", "http"], [":authority", "h"]]);
  const client = cat(
    PREFACE,
    frame(1, 5, 1, req("/a")),
    frame(1, 4, 3, req("/b")),
    frame(1, 5, 5, req("/c")),
    frame(0, 1, 3, enc("B")),
  );
  const server = cat(
    frame(1, 4, 5, lit([[":status", "200"]])),
    frame(1, 4, 1, lit([[":status", "200"]])),
    frame(0, 0, 5, enc("c1")),
    frame(0, 0, 1, enc("a1")),
    frame(3, 0, 3, [0, 0, 0, 8]), // RST_STREAM CANCEL on /b
    frame(0, 1, 1, enc("a2")),
    frame(7, 0, 0, [0, 0, 0, 3, 0, 0, 0, 0]), // GOAWAY last=3: /c was not processed
  );
  const out = run(client, server);
  assert.deepEqual(out.map((e) => [e.req.path, e.resp.body, e.resp.error]), [
    ["/b", "", "CANCEL"],
    ["/a", "a1a2", undefined],
    ["/c", "c1", "NO_ERROR"],
  ]);
  assert.equal(out[0]!.req.body, "B");
  assert.equal(p.summarize(out[0]!.req, out[0]!.resp), "GET /b -> CANCEL");
});

Deno.test("http2: streams the client opens after the server's GOAWAY, above its last, are refused", () => {
  // Apache ends an upgraded connection at once with GOAWAY(last=1) while
  // curl already sends more streams: the server never answers 3 and 5.
  const req = (path: string) => lit([[":method", "GET"], [":path", path], [":scheme", "http"], [":authority", "h"]]);
  const state = p.createState({ maxBodyBytes: 64, datagram: false });
  feed(state, Stream.Request, cat(PREFACE, frame(1, 5, 1, req("/a"))));
  feed(
    state,
    Stream.Response,
    cat(frame(1, 5, 1, lit([[":status", "200"]])), frame(7, 0, 0, [0, 0, 0, 1, 0, 0, 0, 0])),
  );
  feed(state, Stream.Request, cat(frame(1, 5, 3, req("/b")), frame(1, 5, 5, req("/c"))));
  const out: Exchange[] = [];
  p.match(state, out, true);
  assert.deepEqual(out.map((e) => [(e.req as Http2Request).path, (e.resp as Http2Response | null)?.error]), [
    ["/a", undefined],
    ["/b", "NO_ERROR"],
    ["/c", "NO_ERROR"],
  ]);
});

Deno.test("http2: no preface means dynamic references read unknown, never wrong", () => {
  // The capture starts after C.3.1: its :authority entry was never seen.
  const out = run(frame(1, 5, 3, C32), frame(1, 5, 3, hex("be")));
  assert.equal(out[0]!.req.method, "GET");
  assert.equal(out[0]!.req.authority, UNKNOWN);
  assert.equal(out[0]!.req.headers["cache-control"], "no-cache");
  assert.equal(out[0]!.resp.status, UNKNOWN);
});

Deno.test("http2: reset (lost bytes) makes the tables unknown for the rest of the connection", () => {
  const state = p.createState({ maxBodyBytes: 64, datagram: false });
  run(cat(PREFACE, frame(1, 5, 1, C31)), new Uint8Array(0), undefined, state);
  p.reset(state);
  const out = run(frame(1, 5, 3, C32), frame(1, 5, 3, lit([[":status", "200"]])), undefined, state);
  assert.equal(out[0]!.req.authority, UNKNOWN);
  assert.equal(out[0]!.resp.status, 200);
});

Deno.test("http2: skip inside DATA keeps sync and marks truncation", () => {
  const state = p.createState({ maxBodyBytes: 64, datagram: false });
  feed(state, Stream.Request, cat(PREFACE, frame(1, 5, 1, C31)));
  const data = frame(0, 1, 1, enc("0123456789"));
  feed(state, Stream.Response, cat(frame(1, 4, 1, lit([[":status", "200"]])), data.subarray(0, 12)));
  assert.ok(p.skip(state, Stream.Response, 7, 1));
  const out: Exchange[] = [];
  p.match(state, out, false);
  assert.equal((out[0]!.resp as Http2Response).body, "012");
  assert.equal((out[0]!.resp as Http2Response).body_truncated, true);
  assert.equal(p.skip(state, Stream.Response, 1, 1), false);
});

Deno.test("http2: gRPC unary call", () => {
  const msg = (s: string) => cat(new Uint8Array([0, 0, 0, 0, s.length]), enc(s));
  const client = cat(
    PREFACE,
    frame(
      1,
      4,
      1,
      lit([[":method", "POST"], [":path", "/pkg.Greeter/SayHello"], [":scheme", "http"], [":authority", "g"], [
        "content-type",
        "application/grpc",
      ]]),
    ),
    frame(0, 1, 1, msg("hi")),
  );
  const server = cat(
    frame(1, 4, 1, lit([[":status", "200"], ["content-type", "application/grpc"]])),
    frame(0, 0, 1, cat(msg("a"), msg("bcd"))),
    frame(1, 5, 1, lit([["grpc-status", "5"], ["grpc-message", "not%20found"]])),
  );
  const [ex] = run(client, server);
  assert.deepEqual(ex!.req.grpc, {
    service: "pkg.Greeter",
    method: "SayHello",
    request_messages: 1,
    request_message_sizes: [2],
  });
  assert.deepEqual(ex!.resp.grpc, {
    status: 5,
    message: "not found",
    response_messages: 2,
    response_message_sizes: [1, 3],
  });
  assert.equal(ex!.req.body, "00000000026869");
  assert.equal(p.summarize(ex!.req, ex!.resp), "/pkg.Greeter/SayHello -> grpc 5");
  assert.equal(filters.build({ "grpc-status": ["5"] })!(ex!.req, ex!.resp), true);
  assert.equal(filters.build({ "grpc-status": ["0"] })!(ex!.req, ex!.resp), false);
  assert.equal(filters.build({ path: ["/x,/pkg.Greeter/SayHello"], method: ["post"] })!(ex!.req, ex!.resp), true);
  assert.equal(filters.build({ status: ["5xx"] })!(ex!.req, ex!.resp), false);
  assert.throws(() => filters.build({ "grpc-status": ["17"] }), RangeError);
});

Deno.test("http2: gRPC message sizes across DATA frames and byte-split feeds, the first 64 kept", () => {
  const head = frame(1, 4, 1, lit([[":method", "POST"], [":path", "/s.S/M"], ["content-type", "application/grpc"]]));
  // A 300-byte message whose prefix and body straddle two DATA frames, then 70 empty ones.
  const big = cat(new Uint8Array([0, 0, 0, 1, 44]), new Uint8Array(300));
  const empties = new Uint8Array(70 * 5);
  const client = cat(
    PREFACE,
    head,
    frame(0, 0, 1, big.subarray(0, 3)),
    frame(0, 0, 1, big.subarray(3)),
    frame(0, 1, 1, empties),
  );
  const server = cat(
    frame(1, 4, 1, lit([[":status", "200"], ["content-type", "application/grpc"]])),
    frame(1, 5, 1, lit([["grpc-status", "0"]])),
  );
  for (const chunk of [undefined, 1, 7]) {
    const [ex] = run(client, server, chunk);
    const g = ex!.req.grpc!;
    assert.equal(g.request_messages, 71, `chunk ${chunk}`);
    assert.deepEqual(g.request_message_sizes, [300, ...new Array(63).fill(0)], `chunk ${chunk}`);
    assert.deepEqual(ex!.resp.grpc, { status: 0, message: "", response_messages: 0, response_message_sizes: [] });
  }
});

Deno.test("http2: findBoundary finds the preface and plausible frames", () => {
  const s = p.createState({ maxBodyBytes: 64, datagram: false });
  assert.equal(p.findBoundary(s, Stream.Request, cat(enc("xx"), CLIENT), 0), 2);
  assert.equal(p.findBoundary(s, Stream.Request, frame(1, 5, 3, C32), 0), 0);
  assert.equal(p.findBoundary(s, Stream.Request, frame(1, 5, 2, C32), 0), -1, "client HEADERS on an even stream");
  assert.equal(p.findBoundary(s, Stream.Response, cat(enc("zzz"), SERVER), 0), 3);
  assert.equal(p.findBoundary(s, Stream.Request, enc("GET / HTTP/1.1\r\n\r\n"), 0), -1);
});

Deno.test("http2: closing reports open streams", () => {
  const state = p.createState({ maxBodyBytes: 64, datagram: false });
  feed(state, Stream.Request, cat(PREFACE, frame(1, 5, 1, C31)));
  const out: Exchange[] = [];
  p.match(state, out, true);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.resp, null);
});

Deno.test("http2: 2000 seeded random inputs never throw", () => {
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 2000; i++) {
    const state = p.createState({ maxBodyBytes: 16, datagram: false });
    // Half the runs mutate a valid session, half are pure noise.
    const base = i % 2 ? cat(CLIENT) : new Uint8Array(Math.floor(rnd() * 300)).map(() => rnd() * 256);
    for (let k = 0; k < 8 && base.length; k++) base[Math.floor(rnd() * base.length)] = rnd() * 256;
    for (const stream of [Stream.Request, Stream.Response]) {
      let buf = base;
      for (let guard = 0; guard < 1000 && buf.length; guard++) {
        const n = p.parseFrame(state, stream, buf, 1, 1);
        if (n <= 0) {
          const at = p.findBoundary(state, stream, buf, 1);
          if (at < 0) break;
          buf = buf.subarray(at);
        } else buf = buf.subarray(n);
      }
      p.skip(state, stream, Math.floor(rnd() * 50), 1);
    }
    const out: Exchange[] = [];
    p.match(state, out, true);
    for (const e of out) p.summarize(e.req, e.resp);
  }
});
