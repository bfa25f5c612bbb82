import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { httpParser as p } from "./mod.ts";
import { bytes, GET_REQ, hdrs, POST_REQ, reqMsg, respMsg } from "./testdata.ts";

const Req = Stream.Request;
const Resp = Stream.Response;

function fresh(maxBodyBytes = 1024) {
  return p.createState({ maxBodyBytes, datagram: false });
}

function head(stream: Stream, m: string) {
  const st = fresh();
  assert.equal(p.parseFrame(st, stream, bytes(m), 1, 1), m.length);
  return stream === Req ? reqMsg(st, 0) : respMsg(st, 0);
}

Deno.test("parseFrame parses a GET with headers", () => {
  const st = fresh();
  assert.equal(p.parseFrame(st, Req, bytes(GET_REQ), 10, 11), 96);
  assert.equal(st.reqQueue.length, 1);
  assert.deepEqual(st.reqQueue[0], {
    msg: {
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
    startNs: 10,
    endNs: 11,
    bytes: 96,
  });
});

Deno.test("parseFrame parses a POST with a Content-Length body", () => {
  const st = fresh();
  assert.equal(p.parseFrame(st, Req, bytes(POST_REQ), 1, 2), 115);
  const req = reqMsg(st, 0);
  assert.equal(req.method, "POST");
  assert.equal(req.host, "api.local:8080");
  assert.equal(req.headers["content-length"], "13");
  assert.equal(req.body, '{"name":"ab"}');
  assert.equal(req.body_truncated, false);
  assert.equal(st.reqQueue[0]!.bytes, 115);
});

Deno.test("parseFrame decodes UTF-8 bodies non-fatally", () => {
  const st = fresh();
  const body = [0xc3, 0xa9, 0xff];
  const msg = bytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
  const buf = new Uint8Array([...msg, ...body]);
  assert.equal(p.parseFrame(st, Resp, buf, 1, 1), buf.length);
  assert.equal(respMsg(st, 0).body, "\u00e9\ufffd");
});

Deno.test("parseFrame tolerates bare LF line endings", () => {
  const st = fresh();
  const msg = "HTTP/1.1 404 Not Found\nContent-Length: 2\nX-A: 1\n\nno";
  assert.equal(p.parseFrame(st, Resp, bytes(msg), 1, 1), msg.length);
  const r = respMsg(st, 0);
  assert.deepEqual([r.status, r.reason, r.body, r.headers["x-a"]], [
    404,
    "Not Found",
    "no",
    "1",
  ]);
  const c = "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nab\n0\n\n";
  assert.equal(p.parseFrame(st, Resp, bytes(c), 1, 1), c.length);
  assert.equal(respMsg(st, 1).body, "ab");
});

Deno.test("parseFrame keeps hostile header names as plain keys", () => {
  const st = fresh();
  const m = "GET / HTTP/1.1\r\n__proto__: x\r\nConstructor: y\r\n__proto__: z\r\nconstructor: w\r\n  folded\r\n\r\n";
  assert.equal(p.parseFrame(st, Req, bytes(m), 1, 1), m.length);
  const h = reqMsg(st, 0).headers;
  assert.deepEqual(Object.keys(h), ["__proto__", "constructor"]);
  assert.deepEqual([h["__proto__"], h["constructor"]], ["x, z", "y, w folded"]);
  assert.equal(Object.getPrototypeOf(h), Object.prototype);
  assert.equal(JSON.stringify(h), '{"__proto__":"x, z","constructor":"y, w folded"}');
});

Deno.test("parseFrame rejects non-HTTP and malformed framing with -1", () => {
  const cases = [
    [Req, "\x16\x03\x01\x02\x00\x01\x00"],
    [Req, "GET / HTTP/2.0\r\n\r\n"],
    [Req, "GET  / HTTP/1.1\r\n\r\n"],
    [Req, "GET / HTTP/1.1\r\nNoColon\r\n\r\n"],
    [Req, "GET / HTTP/1.1\r\nBad : x\r\n\r\n"],
    [Req, "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n"],
    [Req, "POST / HTTP/1.1\r\nContent-Length: 12345678901234567\r\n\r\n"],
    [Req, "POST / HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\n"],
    [Req, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"],
    [Resp, "HTTP/1.1 20 OK\r\n\r\n"],
    [Resp, "SSH-2.0-OpenSSH_9.6\r\n"],
    [
      Resp,
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8000000000000000\r\n",
    ],
    [Resp, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
    [Resp, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXX"],
  ] as const;
  for (const [stream, m] of cases) {
    assert.equal(
      p.parseFrame(fresh(), stream, bytes(m), 1, 1),
      -1,
      JSON.stringify(m),
    );
  }
  assert.equal(p.parseFrame(fresh(), Req, bytes("GET /a"), 1, 1), 0);
  assert.equal(p.parseFrame(fresh(), Resp, bytes("HTTP/1."), 1, 1), 0);
});

Deno.test("parseFrame accepts a Content-Length of 2^53-1 as a long body", () => {
  const st = fresh();
  const h = "HTTP/1.1 200 OK\r\nContent-Length: 9007199254740991\r\n\r\n";
  assert.equal(p.parseFrame(st, Resp, bytes(h + "abc"), 1, 1), h.length + 3);
  assert.equal(st.resp.remaining, 2 ** 53 - 4);
  assert.equal(p.skip(st, Resp, 2 ** 40, 2), true);
});

Deno.test("parseFrame joins repeated fields and unfolds obs-fold lines", () => {
  const r = head(
    Resp,
    "HTTP/1.0 200\r\nSet-Cookie: a=1\r\nX-Long: one\r\n \t two\r\n" +
      "set-cookie: b=2\r\nEmpty:\r\nContent-Length: 0\r\n\r\n",
  );
  assert.deepEqual(
    r.headers,
    hdrs({
      "set-cookie": "a=1, b=2",
      "x-long": "one two",
      empty: "",
      "content-length": "0",
    }),
  );
  assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(r.headers)), null);
  assert.deepEqual([r.version, (r as { reason: string }).reason], [
    "HTTP/1.0",
    "",
  ]);
});

Deno.test("parseFrame never mistakes a field name for a known one with its hash", () => {
  // Find a token with the same length and table slot as "host".
  const hash = (s: string) => {
    let h = 0;
    for (let i = 0; i < s.length; i++) {
      h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
    }
    return h & 1023;
  };
  const abc = "abcdefghijklmnopqrstuvwxyz";
  let twin = "";
  for (let i = 0; i < 26 ** 4 && twin === ""; i++) {
    const s = abc[i % 26]! + abc[(i / 26 | 0) % 26] + abc[(i / 676 | 0) % 26] +
      abc[(i / 17576 | 0) % 26];
    if (s !== "host" && hash(s) === hash("host")) twin = s;
  }
  assert.notEqual(twin, "");
  const r = head(
    Req,
    `GET / HTTP/1.1\r\n${twin.toUpperCase()}: x\r\nHost: h\r\n\r\n`,
  );
  assert.deepEqual(r.headers, hdrs({ [twin]: "x", host: "h" }));
});

Deno.test("parseFrame rejects heads over 64 KiB or with a bad line end", () => {
  const big = "GET / HTTP/1.1\r\nX-A: " + "a".repeat(65600) + "\r\n\r\n";
  assert.equal(p.parseFrame(fresh(), Req, bytes(big), 1, 1), -1);
  assert.equal(
    p.parseFrame(fresh(), Req, bytes("GET / HTTP/1.1\r\n\rX\n"), 1, 1),
    -1,
  );
  assert.equal(
    p.parseFrame(fresh(), Req, bytes("GET / HTTP/1.1\r\n\r"), 1, 1),
    0,
  );
  const st = fresh();
  assert.equal(p.parseFrame(st, Req, bytes("\r\n\nGET"), 1, 1), 2);
  assert.equal(p.parseFrame(st, Req, bytes("\nGET"), 1, 1), 1);
});
