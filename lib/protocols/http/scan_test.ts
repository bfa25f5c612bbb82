import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { httpParser as p } from "./mod.ts";
import { bytes, GET_REQ, OK_RESP, rng } from "./testdata.ts";

const Req = Stream.Request;
const Resp = Stream.Response;

function fresh() {
  return p.createState({ maxBodyBytes: 64, datagram: false });
}

function find(stream: Stream, s: string, from = 0): number {
  return p.findBoundary(fresh(), stream, bytes(s), from);
}

Deno.test("findBoundary finds a request line after garbage", () => {
  assert.equal(find(Req, GET_REQ), 0);
  assert.equal(find(Req, "\x00\xffbody tail}" + GET_REQ), 12);
  assert.equal(find(Req, "xxM-SEARCH * HTTP/1.1\r\n"), 2);
  assert.equal(find(Req, "get / HTTP/1.1\r\n"), -1);
  assert.equal(find(Req, "said HTTP/1.1 twice: PUT /a HTTP/1.0\nHost: b"), 21);
  assert.equal(find(Req, GET_REQ + GET_REQ, 1), 96);
  assert.equal(find(Req, "GET / HTTP/1.1\r"), -1);
  assert.equal(find(Req, "GET /a\x01b HTTP/1.1\r\n"), -1);
  assert.equal(find(Req, "GET / HTTP/1.1 x\r\nPOST /b HTTP/1.1\r\n"), 18);
});

Deno.test("findBoundary finds a status line after garbage", () => {
  assert.equal(find(Resp, OK_RESP), 0);
  assert.equal(find(Resp, "chunk data\r\n" + OK_RESP), 12);
  assert.equal(find(Resp, "HTTP/1.1 2x0 OK\r\nHTTP/1.0 404\r\n"), 17);
  assert.equal(find(Resp, "HTTP/2 200\r\nHTTP/1.1 200 OK\n"), 12);
  assert.equal(find(Resp, "HTTP/1.1 200 OK"), -1);
  assert.equal(find(Resp, "HTTP/1.1 200 O\x00K\r\n"), -1);
  assert.equal(find(Resp, OK_RESP + OK_RESP, 1), 43);
});

Deno.test("findBoundary resets only the stream's frame in progress", () => {
  const st = fresh();
  assert.equal(p.parseFrame(st, Req, bytes(GET_REQ), 1, 1), 96);
  assert.equal(
    p.parseFrame(
      st,
      Req,
      bytes("POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nab"),
      2,
      2,
    ),
    40,
  );
  assert.notEqual(st.req.msg, null);
  assert.equal(p.findBoundary(st, Req, bytes(GET_REQ), 0), 0);
  assert.equal(st.req.msg, null);
  assert.equal(st.reqQueue.length, 1);
});

Deno.test("parseFrame and findBoundary survive 2,000 random inputs", () => {
  const rand = rng(7);
  const heads = [
    "",
    GET_REQ.slice(0, 40),
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
  ];
  const t0 = performance.now();
  for (let it = 0; it < 2000; it++) {
    const n = Math.floor(rand() * 600);
    const buf = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      buf[i] = rand() < 0.2 ? 0x0a : Math.floor(rand() * 256);
    }
    const head = bytes(heads[it % 3]!);
    const all = new Uint8Array(head.length + n);
    all.set(head);
    all.set(buf, head.length);
    for (const stream of [Req, Resp]) {
      const st = fresh();
      let view = all;
      for (let k = 0; k < 1000 && view.length > 0; k++) {
        const r = p.parseFrame(st, stream, view, 1, 2);
        assert.ok(r >= -1 && r <= view.length, `iteration ${it}: ${r}`);
        if (r <= 0) break;
        view = view.subarray(r);
      }
      const at = p.findBoundary(st, stream, all, Math.floor(rand() * 8));
      assert.ok(at >= -1 && at < all.length);
      p.skip(st, stream, Math.floor(rand() * 100), 3);
      p.finish(st, 4);
      p.match(st, [], true);
    }
  }
  assert.ok(performance.now() - t0 < 5000);
});

Deno.test("parseFrame rejects a chunk size of 2^63", () => {
  const st = fresh();
  const h = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  assert.equal(
    p.parseFrame(st, Resp, bytes(h + "8000000000000000\r\n"), 1, 1),
    -1,
  );
  assert.equal(
    p.parseFrame(st, Resp, bytes(h + "fffffffffffffff\r\n"), 1, 1),
    h.length + 17,
  );
  assert.equal(p.parseFrame(fresh(), Resp, bytes(h.slice(0, 8)), 1, 1), 0);
  assert.equal(
    p.parseFrame(fresh(), Resp, bytes(h + "1".repeat(5000)), 1, 1),
    -1,
  );
});

Deno.test("parseFrame rejects 10,000 headers and a 1 MiB header line quickly", () => {
  const many = "GET / HTTP/1.1\r\n" + "X-A: b\r\n".repeat(10000);
  const t0 = performance.now();
  assert.equal(p.parseFrame(fresh(), Req, bytes(many), 1, 1), -1);
  assert.equal(p.parseFrame(fresh(), Req, bytes(many + "\r\n"), 1, 1), -1);
  const max = "GET / HTTP/1.1\r\n" + "X-A: b\r\n".repeat(256) + "\r\n";
  assert.equal(p.parseFrame(fresh(), Req, bytes(max), 1, 1), max.length);
  const over = "GET / HTTP/1.1\r\n" + "X-A: b\r\n".repeat(257) + "\r\n";
  assert.equal(p.parseFrame(fresh(), Req, bytes(over), 1, 1), -1);
  const line = bytes("GET / HTTP/1.1\r\nX-Big: " + "a".repeat(1 << 20));
  assert.equal(p.parseFrame(fresh(), Req, line, 1, 1), -1);
  assert.equal(p.parseFrame(fresh(), Req, line.subarray(0, 60000), 1, 1), 0);
  const target = bytes("GET /" + "a".repeat(1 << 20));
  assert.equal(p.parseFrame(fresh(), Req, target, 1, 1), -1);
  assert.equal(p.findBoundary(fresh(), Req, target, 0), -1);
  assert.ok(performance.now() - t0 < 500);
});

Deno.test("parseFrame resumes a head split at every byte", () => {
  const st = fresh();
  const m = bytes("GET / HTTP/1.1\r\n" + "X-A: b\r\n".repeat(200) + "\r\n");
  for (let n = 1; n < m.length; n++) {
    assert.equal(p.parseFrame(st, Req, m.subarray(0, n), 1, 1), 0);
  }
  assert.equal(st.req.scanLines, 201);
  assert.equal(p.parseFrame(st, Req, m, 1, 1), m.length);
});
