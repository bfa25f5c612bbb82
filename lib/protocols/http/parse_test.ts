import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { httpParser as p } from "./mod.ts";
import { bytes, CHUNKED_RESP, GET_REQ, hdrs, OK_RESP, POST_REQ, reqMsg, rng, Sim } from "./testdata.ts";
import type { HttpRequest, HttpResponse } from "./types.ts";
import { RenderedHttp } from "./render.ts";

const Req = Stream.Request;
const Resp = Stream.Response;

function fresh(maxBodyBytes = 1024) {
  return p.createState({ maxBodyBytes, datagram: false });
}

Deno.test("parseFrame de-chunks a response with extensions and trailers", () => {
  const st = fresh();
  assert.equal(p.parseFrame(st, Resp, bytes(CHUNKED_RESP), 5, 6), 126);
  assert.deepEqual(st.respQueue[0], {
    msg: {
      status: 200,
      reason: "OK",
      version: "HTTP/1.1",
      headers: hdrs({
        "transfer-encoding": "chunked",
        "content-type": "text/plain",
      }),
      body: "Hello, world",
      body_truncated: false,
    },
    startNs: 5,
    endNs: 6,
    bytes: 126,
  });
});

Deno.test("parseFrame truncates bodies at maxBodyBytes but counts every wire byte", () => {
  const s = new Sim(4);
  s.push(Req, POST_REQ, 1);
  s.push(Resp, CHUNKED_RESP, 2);
  const x = s.out[0]!;
  assert.equal((x.req as HttpRequest).body, '{"na');
  assert.equal((x.req as HttpRequest).body_truncated, true);
  assert.equal((x.resp as HttpResponse).body, "Hell");
  assert.equal((x.resp as HttpResponse).body_truncated, true);
  assert.equal(x.reqBytes, 115);
  assert.equal(x.respBytes, 126);
  const z = new Sim(0);
  z.push(Req, POST_REQ, 1);
  assert.equal(reqMsg(z.state, 0).body, "");
  assert.equal(reqMsg(z.state, 0).body_truncated, true);
});

Deno.test("parseFrame consumes pipelined requests and responses one at a time", () => {
  const s = new Sim();
  s.push(Req, GET_REQ + POST_REQ + GET_REQ, 1);
  assert.equal(s.state.reqQueue.length, 3);
  s.push(Resp, OK_RESP + CHUNKED_RESP + OK_RESP, 2);
  assert.deepEqual(
    s.out.map((x) => [
      (x.req as HttpRequest).method,
      (x.resp as HttpResponse).body,
      x.reqBytes,
      x.respBytes,
    ]),
    [["GET", "hello", 96, 43], ["POST", "Hello, world", 115, 126], [
      "GET",
      "hello",
      96,
      43,
    ]],
  );
  assert.equal(s.invalid, 0);
});

Deno.test("parseFrame gives identical exchanges at every split point", () => {
  const req = bytes(POST_REQ + GET_REQ);
  const resp = bytes(CHUNKED_RESP + OK_RESP);
  const whole = new Sim();
  whole.push(Req, req, 1);
  whole.push(Resp, resp, 2);
  assert.equal(whole.out.length, 2);
  for (let cut = 0; cut <= Math.max(req.length, resp.length); cut++) {
    const s = new Sim();
    s.push(Req, req.subarray(0, Math.min(cut, req.length)), 1);
    s.push(Req, req.subarray(Math.min(cut, req.length)), 1);
    s.push(Resp, resp.subarray(0, Math.min(cut, resp.length)), 2);
    s.push(Resp, resp.subarray(Math.min(cut, resp.length)), 2);
    assert.deepEqual(s.out, whole.out, `cut at ${cut}`);
  }
  const bb = new Sim();
  for (const b of req) bb.push(Req, new Uint8Array([b]), 1);
  for (const b of resp) bb.push(Resp, new Uint8Array([b]), 2);
  assert.deepEqual(bb.out, whole.out);
  const rand = rng(42);
  for (let it = 0; it < 200; it++) {
    const s = new Sim();
    for (
      const [stream, data, ts] of [[Req, req, 1], [Resp, resp, 2]] as const
    ) {
      for (let i = 0; i < data.length;) {
        const n = 1 + Math.floor(rand() * 40);
        s.push(stream, data.subarray(i, i + n), ts);
        i += n;
      }
    }
    assert.deepEqual(s.out, whole.out, `iteration ${it}`);
    assert.equal(s.invalid, 0);
  }
});

Deno.test("parseFrame handles coalesced reads that end mid-message", () => {
  const s = new Sim();
  const reqs = GET_REQ + POST_REQ + GET_REQ;
  s.push(Req, reqs.slice(0, 150), 1);
  s.push(Req, reqs.slice(150), 2);
  const resps = OK_RESP + CHUNKED_RESP + OK_RESP;
  s.push(Resp, resps.slice(0, 100), 3);
  s.push(Resp, resps.slice(100), 4);
  assert.deepEqual(
    s.out.map((x) => [x.reqStartNs, x.reqEndNs, x.respStartNs, x.respEndNs]),
    [[1, 1, 3, 3], [1, 2, 3, 4], [2, 2, 4, 4]],
  );
});

Deno.test("parseFrame consumes a 1 MiB body piece by piece", () => {
  const s = new Sim(16);
  const size = 1 << 20;
  s.push(Req, GET_REQ, 1);
  s.push(Resp, `HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`, 2);
  const piece = new Uint8Array(65536).fill(97);
  for (let i = 0; i < size / piece.length; i++) s.push(Resp, piece, 3 + i);
  assert.equal(s.out.length, 1);
  assert.equal(s.maxHeld, 65536);
  assert.equal(s.out[0]!.respBytes, 44 + size);
  assert.equal(s.out[0]!.respEndNs, 18);
  assert.equal((s.out[0]!.resp as HttpResponse).body, "a".repeat(16));
});

Deno.test("parseFrame reads no body after HEAD, 204 or 304", () => {
  const s = new Sim();
  s.push(Req, "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n" + GET_REQ + GET_REQ, 1);
  s.push(Resp, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 2);
  s.push(Resp, "HTTP/1.1 204 No Content\r\n\r\n", 3);
  s.push(Resp, "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", 4);
  assert.deepEqual(
    s.out.map((x) => [(x.resp as HttpResponse).status, x.respBytes]),
    [[200, 41], [204, 27], [304, 48]],
  );
});

Deno.test("parseFrame skips 100 Continue and pairs the final response", () => {
  const s = new Sim();
  s.push(Req, POST_REQ.slice(0, 102), 1);
  s.push(Resp, "HTTP/1.1 100 Continue\r\n\r\n", 2);
  s.push(Req, POST_REQ.slice(102), 3);
  s.push(Resp, OK_RESP, 4);
  assert.equal(s.out.length, 1);
  assert.equal((s.out[0]!.resp as HttpResponse).status, 200);
  assert.deepEqual(
    [s.out[0]!.reqStartNs, s.out[0]!.reqEndNs, s.out[0]!.respStartNs],
    [1, 3, 4],
  );
  assert.equal(s.out[0]!.respBytes, 43);
});

Deno.test("parseFrame pairs 101 and ignores every later byte", () => {
  const s = new Sim();
  s.push(Req, "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n", 1);
  s.push(
    Resp,
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello",
    2,
  );
  s.push(Req, "\x81\x85garbage GET / HTTP/1.1\r\n\r\n", 3);
  s.push(Resp, OK_RESP, 4);
  assert.equal(s.out.length, 1);
  assert.equal((s.out[0]!.resp as HttpResponse).status, 101);
  assert.equal(s.invalid, 0);
  assert.equal(s.state.upgraded, true);
  assert.equal(p.findBoundary(s.state, Req, bytes(GET_REQ), 0), -1);
  s.close(5);
  assert.equal(s.out.length, 1);
});

Deno.test("parseFrame treats a 2xx to CONNECT as a tunnel", () => {
  const s = new Sim();
  s.push(Req, "CONNECT db:5432 HTTP/1.1\r\nHost: db:5432\r\n\r\n", 1);
  s.push(Resp, "HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01", 2);
  s.push(Req, "\x16\x03\x01\x02\x00", 3);
  assert.equal(s.out.length, 1);
  assert.equal(
    (s.out[0]!.resp as HttpResponse).reason,
    "Connection established",
  );
  assert.equal(s.invalid, 0);
});

Deno.test("finish completes a response delimited by the connection's close", () => {
  const s = new Sim();
  s.push(Req, "GET /old HTTP/1.0\r\n\r\n", 1);
  s.push(Resp, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst ", 2);
  s.push(Resp, "second", 3);
  assert.equal(s.out.length, 0);
  s.close(9);
  assert.equal(s.out.length, 1);
  const x = s.out[0]!;
  assert.equal((x.resp as HttpResponse).body, "first second");
  assert.equal((x.resp as HttpResponse).version, "HTTP/1.0");
  assert.deepEqual([x.respStartNs, x.respEndNs, x.respBytes], [2, 3, 57]);
});

Deno.test("skip inside a Content-Length body keeps sync", () => {
  const s = new Sim();
  s.push(Req, GET_REQ + GET_REQ, 1);
  s.push(Resp, "HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\nabc", 2);
  assert.equal(s.skip(Resp, 9000, 3), true);
  assert.equal(s.skip(Resp, 995, 4), true);
  s.push(Resp, "yz" + OK_RESP, 5);
  assert.equal(s.out.length, 2);
  const x = s.out[0]!;
  assert.equal((x.resp as HttpResponse).body, "abcyz");
  assert.equal((x.resp as HttpResponse).body_truncated, true);
  assert.deepEqual([x.respStartNs, x.respEndNs, x.respBytes], [2, 5, 10042]);
  assert.equal((s.out[1]!.resp as HttpResponse).body, "hello");
  assert.equal(s.invalid, 0);
});

Deno.test("skip absorbs chunk data and close-delimited bodies", () => {
  const s = new Sim();
  s.push(Req, GET_REQ + GET_REQ, 1);
  s.push(
    Resp,
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nab",
    2,
  );
  assert.equal(s.skip(Resp, 15, 3), false);
  const t = new Sim();
  t.push(Req, GET_REQ, 1);
  t.push(
    Resp,
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nab",
    2,
  );
  assert.equal(t.skip(Resp, 14, 3), true);
  t.push(Resp, "\r\n0\r\n\r\n", 4);
  assert.equal((t.out[0]!.resp as HttpResponse).body, "ab");
  assert.equal(t.out[0]!.respBytes, 47 + 4 + 16 + 2 + 5);
  const c = new Sim();
  c.push(Req, GET_REQ, 1);
  c.push(Resp, "HTTP/1.1 200 OK\r\n\r\nab", 2);
  assert.equal(c.skip(Resp, 1 << 20, 3), true);
  c.close(4);
  assert.deepEqual([c.out[0]!.respBytes, c.out[0]!.respEndNs], [
    21 + (1 << 20),
    3,
  ]);
});

Deno.test("skip in a header section returns false and drops the frame", () => {
  const st = fresh();
  assert.equal(
    p.parseFrame(st, Resp, bytes("HTTP/1.1 200 OK\r\nContent-"), 1, 1),
    0,
  );
  assert.equal(p.skip(st, Resp, 10, 2), false);
  assert.equal(st.resp.scanPos, 0);
  assert.equal(p.skip(fresh(), Req, 1, 1), false);
});

Deno.test("compact gives back the storage of emptied queues and body pieces, and parsing goes on", () => {
  for (const renderJson of [false, true]) {
    const s = new Sim(1024, renderJson);
    s.push(Stream.Request, POST_REQ, 1);
    s.push(Stream.Response, OK_RESP, 2);
    assert.equal(s.out.length, 1);
    const st = s.state;
    const kept = [st.reqQueue, st.respQueue, st.req.parts, st.resp.parts];
    assert.ok(kept.every((a) => a.length === 0));
    p.compact!(st);
    const now = [st.reqQueue, st.respQueue, st.req.parts, st.resp.parts];
    now.forEach((a, i) => assert.notEqual(a, kept[i], `array ${i} was not replaced`));
    // A request still waiting keeps its queue.
    s.push(Stream.Request, POST_REQ, 3);
    const waiting = st.reqQueue;
    p.compact!(st);
    assert.equal(st.reqQueue, waiting);
    s.push(Stream.Response, OK_RESP, 4);
    assert.equal(s.out.length, 2);
    assert.deepEqual(JSON.parse(JSON.stringify(s.out[1]!.req)), JSON.parse(JSON.stringify(s.out[0]!.req)));
  }
});

Deno.test("parseFrame keeps a body's pieces when the reads they came in are overwritten", () => {
  const head = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n";
  for (const renderJson of [false, true]) {
    for (const compactBetween of [false, true]) {
      const st = p.createState({ maxBodyBytes: 1024, datagram: false, renderJson });
      // The ring or the stream's buffer is reused once a read is consumed.
      const first = bytes(head + "Hello, ");
      assert.equal(p.parseFrame(st, Resp, first, 1, 1), first.length);
      first.fill(0x21);
      if (compactBetween) p.compact!(st);
      const second = bytes("world");
      assert.equal(p.parseFrame(st, Resp, second, 2, 2), 5);
      second.fill(0x21);
      const msg = st.respQueue[0]!.msg;
      const text = msg instanceof RenderedHttp ? msg.text() : JSON.stringify(msg);
      assert.ok(text.includes('"body":"Hello, world","body_truncated":false'), text);
    }
  }
});
