import assert from "node:assert/strict";
import { type Exchange, Stream } from "../common/parser.ts";
import { RenderedJson, slab } from "../common/json_bytes.ts";
import { httpParser } from "./mod.ts";
import { RenderedHttp } from "./render.ts";
import { bytes, CHUNKED_RESP, GET_REQ, OK_RESP, POST_REQ, rng, Sim } from "./testdata.ts";

const Req = Stream.Request;
const Resp = Stream.Response;

type Step = [Stream, string | Uint8Array] | ["skip", Stream, number] | ["close"];

function json(v: unknown): string {
  return v instanceof RenderedJson ? v.text() : JSON.stringify(v);
}

/**
 * Runs `steps` through an object parser and a JSON-writing one: every
 * exchange's JSON must be byte for byte the same. Returns how many of the
 * JSON-writing parser's messages were written as JSON.
 */
let messages = 0;

function same(steps: Step[], maxBodyBytes = 1024): number {
  const objects = new Sim(maxBodyBytes);
  const rendered = new Sim(maxBodyBytes, true);
  let ts = 1;
  for (const step of steps) {
    for (const sim of [objects, rendered]) {
      if (step[0] === "close") sim.close(ts);
      else if (step[0] === "skip") sim.skip(step[1], step[2], ts);
      else sim.push(step[0], step[1], ts);
    }
    ts++;
  }
  assert.equal(rendered.out.length, objects.out.length);
  let asJson = 0;
  rendered.out.forEach((ex: Exchange, i) => {
    const want = objects.out[i]!;
    assert.equal(json(ex.req), JSON.stringify(want.req));
    assert.equal(json(ex.resp), JSON.stringify(want.resp));
    assert.deepEqual({ ...ex, req: null, resp: null }, { ...want, req: null, resp: null });
    asJson += Number(ex.req instanceof RenderedHttp) + Number(ex.resp instanceof RenderedHttp);
    messages += ex.resp === null ? 1 : 2;
  });
  return asJson;
}

Deno.test("renderJson writes the JSON of the fixtures' messages", () => {
  assert.equal(same([[Req, POST_REQ], [Resp, OK_RESP]]), 2);
  assert.equal(same([[Req, POST_REQ], [Resp, CHUNKED_RESP]]), 2);
  // A repeated field name: built as objects, joined with ", ".
  assert.equal(same([[Req, GET_REQ], [Resp, OK_RESP]]), 1);
  // The object path still writes the same record.
  assert.equal(same([[Req, "GET / HTTP/1.1\r\nX-Long: a\r\n b\r\n\r\n"], [Resp, OK_RESP]]), 1);
});

Deno.test("renderJson escapes as JSON.stringify does, and decodes heads as Latin-1", () => {
  const odd = 'GET /a"b\\c\xe9?x=\x80 HTTP/1.1\r\nHost: h"\\\xff\r\nX-Ctl: \x08\x0c\x0b\t\r tab\r\n' +
    "__proto__: p\r\nconstructor: c\r\nToString: t\r\n\r\n";
  assert.equal(
    same([[Req, odd], [Resp, 'HTTP/1.0 299 Wh"at\\\xa0\t\r\nContent-Length: 4\r\n\r\n\x00"\\\n']]),
    2,
  );
  // Digit names come first in a JSON object: built as objects.
  assert.equal(same([[Req, "GET / HTTP/1.1\r\nb: 1\r\n7: 2\r\n\r\n"], [Resp, OK_RESP]]), 1);
  // Content-Length lists (one longer than 16 bytes), invalid lengths, and no Host.
  assert.equal(same([[Req, POST_REQ], [Resp, "HTTP/1.1 200 OK\r\nContent-Length: 2,2 , 2,2, 2,  2\r\n\r\nok"]]), 1);
  assert.equal(same([[Req, POST_REQ], [Resp, "HTTP/1.1 200 OK\r\nContent-Length: 12345678901234567\r\n\r\n"]]), 0);
  assert.equal(same([[Req, POST_REQ], [Resp, "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"], ["close"]]), 1);
  assert.equal(same([[Req, POST_REQ], [Resp, "HTTP/1.1 200 OK\r\nContent-Length:  \t\r\n\r\n"], ["close"]]), 1);
  assert.equal(same([[Req, "GET / HTTP/1.0\r\n\r\n"], [Resp, "HTTP/1.1 200 \r\nContent-Length: 2, 2\r\n\r\nok"]]), 1);
});

Deno.test("renderJson decodes bodies as UTF-8 like TextDecoder", () => {
  const utf8 = new TextEncoder().encode("h\u00e9llo \u{1f600} \u2028");
  const head = bytes(`HTTP/1.1 200 OK\r\nContent-Length: ${utf8.length + 2}\r\n\r\n`);
  const body = new Uint8Array([...utf8, 0xff, 0xc3]);
  assert.equal(same([[Req, POST_REQ], [Resp, new Uint8Array([...head, ...body])]]), 2);
  // Split mid-character, over three reads with the other stream between them.
  assert.equal(
    same([[Req, POST_REQ], [Resp, head], [Resp, body.subarray(0, 2)], [Req, POST_REQ], [Resp, body.subarray(2)]]),
    2,
  );
});

Deno.test("renderJson truncates, skips and closes bodies like the object parser", () => {
  const big = "x".repeat(3000);
  const resp = `HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n${big}`;
  assert.equal(same([[Req, POST_REQ], [Resp, resp]], 100), 2);
  assert.equal(same([[Req, POST_REQ], [Resp, resp.slice(0, 50)], ["skip", Resp, 2000], [Resp, resp.slice(2050)]]), 2);
  assert.equal(same([[Req, POST_REQ], [Resp, "HTTP/1.1 200 OK\r\n\r\nuntil close"], ["close"]]), 2);
  assert.equal(same([[Req, POST_REQ], ["close"]]), 1);
  assert.equal(same([[Req, "HEAD / HTTP/1.1\r\n\r\n"], [Resp, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"]]), 2);
  assert.equal(
    same([[Req, POST_REQ], [Resp, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"]]),
    2,
  );
});

Deno.test("renderJson hands HTTP/2 an h2c upgrade request as an object", () => {
  const sim = new Sim(1024, true);
  sim.push(Req, "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n", 1);
  sim.push(Resp, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n", 2);
  const up = sim.state.switchTo!;
  assert.equal(up.protocol, "http2");
  const msg = (up.inherited as { msg: { headers: Record<string, string>; path: string } }).msg;
  assert.equal(msg instanceof RenderedHttp, false);
  assert.deepEqual([msg.path, msg.headers.upgrade, msg.headers.host], ["/", "h2c", "h"]);
});

const PIECES = [
  "a",
  "Z",
  "0",
  " ",
  "\t",
  '"',
  "\\",
  "\x00",
  "\x1f",
  "\x7f",
  "\x80",
  "\xe9",
  "\xff",
  "%",
  "é",
  "/",
  ":",
  ",",
  "\r",
];

function randomText(rand: () => number, max: number): string {
  let s = "";
  for (let n = Math.floor(rand() * max); n > 0; n--) s += PIECES[Math.floor(rand() * PIECES.length)];
  return s.replaceAll("\n", "");
}

function randomHeaders(rand: () => number): string {
  const names = ["host", "Content-Type", "x-a", "X-B", "upgrade", "Accept", "x-a", "9a", "set-cookie", "Via", "age"];
  let s = "";
  for (let n = Math.floor(rand() * 4); n > 0; n--) {
    s += `${names[Math.floor(rand() * names.length)]}:${randomText(rand, 12)}\r\n`;
  }
  return s;
}

Deno.test("renderJson matches the object parser on random messages split at random", () => {
  const rand = rng(7);
  let asJson = 0;
  messages = 0;
  for (let round = 0; round < 400; round++) {
    const body = randomText(rand, 40);
    const chunked = rand() < 0.3;
    // A request target has no controls, spaces or DEL (RFC 9112 §3.2).
    const target = [...randomText(rand, 10)].filter((c) => c > " " && c !== "\x7f").join("");
    const req = `POST /${target} HTTP/1.${rand() < 0.5 ? 1 : 0}\r\n` +
      randomHeaders(rand) + `Content-Length: ${body.length}\r\n\r\n${body}`;
    const resp = `HTTP/1.1 ${200 + Math.floor(rand() * 300)} ${randomText(rand, 8)}\r\n` + randomHeaders(rand) +
      (chunked
        ? `Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
        : `Content-Length: ${body.length}\r\n\r\n${body}`);
    const steps: Step[] = [];
    for (const [stream, text] of [[Req, req], [Resp, resp]] as const) {
      const b = bytes(text);
      const cut = Math.floor(rand() * b.length);
      steps.push([stream, b.subarray(0, cut)], [stream, b.subarray(cut)]);
    }
    asJson += same(steps, Math.floor(rand() * 60));
  }
  // Most messages have no repeated or numeric name and go the JSON way.
  assert.ok(messages > 400 && asJson > messages / 2, `${asJson} of ${messages} messages written as JSON`);
});

Deno.test("compact moves the JSON of unpaired messages out of retired slabs", () => {
  const waiting = new Sim(1024, true);
  waiting.push(Req, POST_REQ, 1);
  waiting.push(Resp, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", 2);
  const req = waiting.state.reqQueue[0]!.msg as RenderedHttp;
  const resp = waiting.state.resp.msg as RenderedHttp;
  const before = [req.text(), resp.text()];
  // Other connections fill the slab until a new one is started.
  const busy = new Sim(1024, true);
  const first = slab.bytes;
  for (let t = 3; slab.bytes === first; t += 2) {
    busy.push(Req, POST_REQ, t);
    busy.push(Resp, OK_RESP, t + 1);
  }
  assert.notEqual(req.head.buffer, slab.bytes.buffer);
  httpParser.compact!(waiting.state);
  assert.equal(req.head.buffer, slab.bytes.buffer);
  assert.equal(resp.head.buffer, slab.bytes.buffer);
  assert.deepEqual([req.text(), resp.text()], before);
  // Still in the slab being written: nothing to move.
  const head = req.head;
  httpParser.compact!(waiting.state);
  assert.equal(req.head, head);
  // The response completes after its head was moved, and pairs as before.
  waiting.push(Resp, "-and-h", 9e9);
  assert.equal(waiting.out.length, 1);
  assert.equal(
    json(waiting.out[0]!.resp),
    '{"status":200,"reason":"OK","version":"HTTP/1.1","headers":{"content-length":"10"},' +
      '"body":"half-and-h","body_truncated":false}',
  );
});

Deno.test("renderJson reuses a repeated head's JSON, framing it again for each request", () => {
  const head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
  const steps: Step[] = [];
  // The same response head answers GET (a body) and HEAD (none).
  for (const method of ["GET", "HEAD", "GET", "GET"]) {
    steps.push([Req, `${method} /same HTTP/1.1\r\nHost: h\r\n\r\n`]);
    steps.push([Resp, method === "HEAD" ? head : head + "hello"]);
  }
  // A head that is a prefix of the last one's bytes, and one that starts with them.
  steps.push([Req, "GET /same HTTP/1.1\r\nHost: h\r\n\r\n"], [Resp, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"]);
  steps.push([Resp, "\r\nhello"]);
  steps.push([Req, "GET /same HTTP/1.1\r\nHost: h\r\n\r\nGET /same HTTP/1.1\r\nHost: h\r\n\r\n"]);
  steps.push([Resp, head + "hello" + head + "world"]);
  assert.equal(same(steps), 14);
  const sim = new Sim(1024, true);
  const get = "GET / HTTP/1.1\r\n\r\n";
  sim.push(Req, get, 1);
  // A connection with one request has no buffer for its last head.
  assert.equal(sim.state.req.lastHead, null);
  sim.push(Req, get, 2);
  const last = sim.state.req.lastHead!;
  assert.equal(last.rawLength, get.length);
  // The next identical head takes its JSON from there (marked here to show it).
  last.bytes[last.rawLength + 2] = "M".charCodeAt(0);
  sim.push(Req, get, 3);
  const third = sim.state.reqQueue[2]!.msg as RenderedHttp;
  assert.ok(third.text().startsWith('{"Method":"GET"'), third.text());
  // It views the buffer, so the next different head gets a new one rather than overwrite it.
  sim.push(Req, "GET /other HTTP/1.1\r\n\r\n", 4);
  assert.ok(third.text().startsWith('{"Method":"GET","path":"/"'), third.text());
  const other = sim.state.req.lastHead!;
  assert.notEqual(other, last);
  // A buffer no message views is overwritten in place.
  sim.push(Req, "GET /third HTTP/1.1\r\n\r\n", 5);
  assert.equal(sim.state.req.lastHead, other);
  const fourth = sim.state.reqQueue[3]!.msg as RenderedHttp;
  assert.ok(fourth.text().startsWith('{"method":"GET","path":"/other"'), fourth.text());
});

Deno.test("renderJson does not reuse a last head that differs in any one byte", () => {
  // Heads compare eight bytes at a time, then the rest one by one: a change
  // at every offset, with heads at odd offsets in one read.
  const head = "HTTP/1.1 200 OK\r\nX-Value: abcdefghijk\r\nContent-Length: 2\r\n\r\n";
  const at = head.indexOf("abcdefghijk");
  for (let k = 0; k < 11; k++) {
    const changed = head.slice(0, at + k) + "Z" + head.slice(at + k + 1);
    const steps: Step[] = [
      [Req, "GET /a HTTP/1.1\r\n\r\nGET /a HTTP/1.1\r\n\r\nGET /a HTTP/1.1\r\n\r\n"],
      // The second head repeats the first; the third differs in one byte.
      [Resp, head + "ok" + head + "ok" + changed + "ok"],
    ];
    assert.equal(same(steps), 6);
    // The third head in one read, at an offset in it, reuses the JSON in the
    // last head's buffer; the changed one after it does not.
    const sim = new Sim(1024, true);
    sim.push(Req, "GET /a HTTP/1.1\r\n\r\n".repeat(5), 1);
    sim.push(Resp, (head + "ok").repeat(3), 2);
    const last = sim.state.resp.lastHead!;
    assert.equal((sim.out[2]!.resp as RenderedHttp).head.buffer, last.bytes.buffer);
    // The messages of a repeated head share one view of its JSON.
    sim.push(Resp, head + "ok", 3);
    assert.equal((sim.out[3]!.resp as RenderedHttp).head, (sim.out[2]!.resp as RenderedHttp).head);
    sim.push(Resp, changed + "ok", 4);
    assert.notEqual((sim.out[4]!.resp as RenderedHttp).head.buffer, last.bytes.buffer);
    assert.notEqual(sim.state.resp.lastHead, last);
  }
  // A head longer than the last one it starts like, and one a byte shorter.
  const longer = head.replace("\r\n\r\n", "\r\nX-B: c\r\n\r\n");
  const shorter = head.replace("abcdefghijk", "abcdefghij");
  assert.equal(
    same([[Req, "GET / HTTP/1.1\r\n\r\n".repeat(4)], [Resp, [head, head, longer, shorter].join("ok") + "ok"]]),
    8,
  );
});

Deno.test("renderJson compares heads as doubles but tells +0 from -0 and NaNs apart by their bits", () => {
  // The value starts 24 bytes into the head: its 8 bytes are one double.
  const headWith = (value: string) => `HTTP/1.1 200 OK\r\nX-Val: ${value}\r\nContent-Length: 2\r\n\r\nok`;
  const zero = headWith("\x00".repeat(8));
  // +0 === -0: these differ in the eighth byte only.
  const minusZero = headWith("\x00".repeat(7) + "\x80");
  // NaN !== NaN, however alike their bytes.
  const nan = headWith("\xff".repeat(8));
  for (const [first, next, reused] of [[zero, minusZero, false], [minusZero, zero, false], [nan, nan, true]] as const) {
    const sim = new Sim(1024, true);
    sim.push(Req, "GET / HTTP/1.1\r\n\r\n".repeat(3), 1);
    sim.push(Resp, first + first, 2);
    const last = sim.state.resp.lastHead!;
    sim.push(Resp, next, 3);
    const third = sim.out[2]!.resp as RenderedHttp;
    assert.equal(third.head.buffer === last.bytes.buffer, reused);
    assert.equal(same([[Req, "GET / HTTP/1.1\r\n\r\n".repeat(3)], [Resp, first + first], [Resp, next]]), 6);
  }
});

Deno.test("renderJson writes a body read with its head right after the head's JSON", () => {
  const sim = new Sim(1024, true);
  sim.push(Req, POST_REQ, 1);
  const req = sim.state.reqQueue[0]!.msg as RenderedHttp;
  assert.equal(req.tail, null);
  assert.ok(req.text().endsWith(',"body":"{\\"name\\":\\"ab\\"}","body_truncated":false}'), req.text());
});

Deno.test("renderJson copies long clean bodies whole and escapes the others", () => {
  const clean = "abc ".repeat(100);
  for (const body of [clean, clean + '"', "\\" + clean, clean + "\x00", clean + "\x7f", clean + "\xe9", clean + "\n"]) {
    const resp = `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    assert.equal(same([[Req, POST_REQ], [Resp, resp]]), 2);
    // In pieces: the first one clean, the last one not.
    assert.equal(same([[Req, POST_REQ], [Resp, resp.slice(0, 200)], [Resp, resp.slice(200)]]), 2);
  }
});
