import assert from "node:assert/strict";
import { type Exchange, Stream } from "../common/parser.ts";
import { httpParser as p, summarize } from "./mod.ts";
import { bytes, GET_REQ, hdrs, OK_RESP, POST_REQ, Sim } from "./testdata.ts";
import type { HttpRequest, HttpResponse } from "./types.ts";

const Req = Stream.Request;
const Resp = Stream.Response;

function methods(out: Exchange[]): [string, number | null][] {
  return out.map((x) => [
    (x.req as HttpRequest).method,
    x.resp === null ? null : (x.resp as HttpResponse).status,
  ]);
}

Deno.test("matchExchanges pairs a request with its response", () => {
  const s = new Sim();
  s.push(Req, GET_REQ.slice(0, 50), 100);
  s.push(Req, GET_REQ.slice(50), 110);
  s.push(Resp, OK_RESP, 200);
  assert.deepEqual(s.out, [{
    req: {
      method: "GET",
      path: "/index.html?q=1",
      version: "HTTP/1.1",
      host: "example.com",
      headers: hdrs({
        host: "example.com",
        "user-agent": "curl/8.0",
        "x-dup": "a, b",
      }),
      body: "",
      body_truncated: false,
    },
    resp: {
      status: 200,
      reason: "OK",
      version: "HTTP/1.1",
      headers: hdrs({ "content-length": "5" }),
      body: "hello",
      body_truncated: false,
    },
    reqStartNs: 100,
    reqEndNs: 110,
    respStartNs: 200,
    respEndNs: 200,
    reqBytes: 96,
    respBytes: 43,
  }]);
  assert.equal(s.state.reqQueue.length + s.state.respQueue.length, 0);
});

Deno.test("matchExchanges pairs keep-alive exchanges in order", () => {
  const s = new Sim();
  for (let i = 0; i < 5; i++) {
    s.push(Req, i % 2 ? POST_REQ : GET_REQ, 10 * i);
    s.push(Resp, OK_RESP.replace("200 OK", `${200 + i} OK`), 10 * i + 5);
  }
  assert.deepEqual(methods(s.out), [["GET", 200], ["POST", 201], ["GET", 202], [
    "POST",
    203,
  ], [
    "GET",
    204,
  ]]);
  assert.deepEqual(s.out.map((x) => x.respStartNs - x.reqStartNs), [
    5,
    5,
    5,
    5,
    5,
  ]);
});

Deno.test("matchExchanges drops a response that has no request", () => {
  const s = new Sim();
  s.push(Resp, OK_RESP, 1);
  assert.equal(s.state.orphanResponses, 1);
  s.push(Req, GET_REQ, 2);
  s.push(Resp, OK_RESP, 3);
  assert.deepEqual(methods(s.out), [["GET", 200]]);
  assert.equal(s.out[0]!.respStartNs, 3);
});

Deno.test("matchExchanges never pairs a response that predates its request", () => {
  const st = p.createState({ maxBodyBytes: 16, datagram: false });
  const out: Exchange[] = [];
  p.parseFrame(st, Req, bytes(GET_REQ), 50, 50);
  p.parseFrame(st, Resp, bytes(OK_RESP), 40, 60);
  p.match(st, out, false);
  assert.deepEqual(out, []);
  assert.equal(st.desyncs, 1);
  assert.equal(st.reqQueue.length + st.respQueue.length, 0);
  p.match(st, out, true);
  assert.deepEqual(out, []);
});

Deno.test("matchExchanges waits for a request still arriving when answered early", () => {
  const s = new Sim();
  s.push(Req, POST_REQ.slice(0, 105), 1);
  s.push(
    Resp,
    "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n",
    2,
  );
  assert.equal(s.out.length, 0);
  assert.equal(s.state.orphanResponses, 0);
  s.push(Req, POST_REQ.slice(105), 3);
  assert.deepEqual(methods(s.out), [["POST", 413]]);
  assert.deepEqual([s.out[0]!.reqEndNs, s.out[0]!.respStartNs], [3, 2]);
});

Deno.test("matchExchanges emits unanswered requests with a null response on closing", () => {
  const s = new Sim();
  s.push(Req, GET_REQ + POST_REQ, 7);
  s.push(Resp, OK_RESP, 8);
  s.push(Resp, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\npartial", 9);
  s.close(10);
  assert.deepEqual(methods(s.out), [["GET", 200], ["POST", null]]);
  const x = s.out[1]!;
  assert.deepEqual(
    [
      x.reqStartNs,
      x.reqEndNs,
      x.respStartNs,
      x.respEndNs,
      x.reqBytes,
      x.respBytes,
    ],
    [7, 7, -1, -1, 115, 0],
  );
  assert.equal(s.state.reqQueue.length + s.state.respQueue.length, 0);
});

Deno.test("reset drops queues and frames in progress of both streams", () => {
  const st = p.createState({ maxBodyBytes: 16, datagram: false });
  p.parseFrame(st, Req, bytes(GET_REQ + POST_REQ.slice(0, 100)), 1, 1);
  p.parseFrame(st, Req, bytes(POST_REQ.slice(0, 100)), 1, 1);
  p.parseFrame(st, Resp, bytes("HTTP/1.1 200 OK\r\nContent-Len"), 2, 2);
  assert.equal(st.reqQueue.length, 1);
  p.reset(st);
  assert.deepEqual([st.reqQueue.length, st.req.msg, st.resp.scanPos], [
    0,
    null,
    0,
  ]);
  const out: Exchange[] = [];
  assert.equal(p.parseFrame(st, Req, bytes(GET_REQ), 3, 3), 96);
  assert.equal(p.parseFrame(st, Resp, bytes(OK_RESP), 4, 4), 43);
  p.match(st, out, true);
  assert.deepEqual(methods(out), [["GET", 200]]);
});

Deno.test("summarize prints method, target and status", () => {
  const s = new Sim();
  s.push(Req, GET_REQ + GET_REQ, 1);
  s.push(Resp, OK_RESP, 2);
  s.push(Resp, "HTTP/1.1 204\r\n\r\n", 3);
  s.push(Req, GET_REQ, 4);
  s.close(5);
  assert.deepEqual(s.out.map((x) => summarize(x.req, x.resp)), [
    "GET /index.html?q=1 -> 200 OK",
    "GET /index.html?q=1 -> 204",
    "GET /index.html?q=1 -> (no response)",
  ]);
  assert.equal(p.summarize(null, null), "? -> (no response)");
});
