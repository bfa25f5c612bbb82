// Control lines, header blocks and JSON, one rule at a time.
import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { decodeControl, lineEnd } from "./control.ts";
import { decodeHeaders } from "./headers.ts";
import { connectFields, infoFields } from "./json.ts";
import { bytes, lines, Sim } from "./testdata.ts";

function line(s: string, stream: Stream) {
  const b = bytes(s);
  return decodeControl(b, 0, lineEnd(b, 0, b.length), stream);
}

Deno.test("verbs in any case, tabs and runs of blanks between fields, a bare LF", () => {
  const c = line("pub\tfoo.bar  reply.to \t 12\n", Stream.Request)!;
  assert.deepEqual([c.op, c.subject, c.replyTo, c.totalSize, c.lineLen], ["PUB", "foo.bar", "reply.to", 12, 27]);
  assert.equal(line("Hmsg a 1 r 10 20\r\n", Stream.Response)!.headerSize, 10);
  assert.equal(line("ping\r\n", Stream.Response)!.op, "PING");
  assert.equal(line("+ok\r\n", Stream.Response)!.op, "+OK");
});

Deno.test("wrong field counts, sizes and stream are refused", () => {
  for (
    const [s, st] of [
      ["PUB a\r\n", Stream.Request],
      ["PUB a b c 1\r\n", Stream.Request],
      ["PUB a x1\r\n", Stream.Request],
      ["PUB a -1\r\n", Stream.Request],
      ["PUB a 99999999999\r\n", Stream.Request],
      ["HPUB a 10 5\r\n", Stream.Request],
      ["MSG a 1\r\n", Stream.Response],
      ["SUB a\r\n", Stream.Request],
      ["UNSUB\r\n", Stream.Request],
      ["UNSUB 1 x\r\n", Stream.Request],
      ["PING x\r\n", Stream.Request],
      ["MSG a 1 3\r\n", Stream.Request],
      ["PUB a 3\r\n", Stream.Response],
      ["INFO\r\n", Stream.Response],
      ["CONNECT\r\n", Stream.Request],
      ["PUBX a 1\r\n", Stream.Request],
      ["PUB a\x01 1\r\n", Stream.Request],
    ] as const
  ) assert.equal(line(s, st), null, JSON.stringify(s));
});

Deno.test("a payload's final CR LF is checked", () => {
  const s = new Sim();
  s.push(Stream.Request, bytes("PUB a 2\r\nhiXX"), 1);
  assert.equal(s.invalid, 1);
  const t = new Sim();
  t.push(Stream.Request, bytes("PUB a 2\r\nh"), 1);
  t.push(Stream.Request, bytes("i\rX"), 2);
  assert.equal(t.invalid, 1);
});

Deno.test("headers: status line, repeated names, odd names kept as headers", () => {
  const b = bytes("NATS/1.0 503 No Responders\r\n__proto__: x\r\nconstructor: y\r\nA:1\r\nA:  2 \r\nbad line\r\n\r\n");
  const h = decodeHeaders(b, 0, b.length)!;
  assert.deepEqual([h.status, h.description], ["503", "No Responders"]);
  assert.deepEqual(Object.entries(h.headers), [["__proto__", ["x"]], ["constructor", ["y"]], ["A", ["1", "2"]]]);
  assert.equal(decodeHeaders(bytes("HTTP/1.1\r\n\r\n"), 0, 12), null);
  const s = new Sim();
  const block = "NATS/1.0 503\r\n\r\n";
  s.push(Stream.Response, bytes(`HMSG _INBOX.x 1 ${block.length} ${block.length}\r\n${block}\r\n`), 1);
  s.close(2);
  assert.deepEqual(s.out[0]!.req, {
    op: "HMSG",
    sender: "server",
    subject: "_INBOX.x",
    sid: "1",
    headers_size: block.length,
    status: "503",
    headers: {},
    payload_size: 0,
    payload: "",
  });
});

Deno.test("JSON: invalid, arrays and nested values give what can be kept; secrets always ***", () => {
  assert.equal(connectFields(bytes("{not json")), null);
  assert.equal(connectFields(bytes("[1,2]")), null);
  assert.deepEqual(
    connectFields(bytes('{"user":"u","pass":"p","auth_token":"t","jwt":"j","nkey":"n","sig":"s","tags":["a"],"x":1}')),
    { user: "***", pass: "***", auth_token: "***", jwt: "***", nkey: "***", sig: "***", x: 1 },
  );
  // A secret that is not a string is hidden too.
  assert.deepEqual(connectFields(bytes('{"pass":{"a":1},"user":7}')), { pass: "***", user: "***" });
  assert.deepEqual(infoFields(bytes('{"server_id":"S","nonce":"N","connect_urls":["a"],"max_payload":5}')), {
    server_id: "S",
    max_payload: 5,
  });
  const s = new Sim();
  s.push(Stream.Request, bytes("CONNECT {oops\r\nPING\r\n"), 1);
  s.push(Stream.Response, bytes("PONG\r\n"), 2);
  s.close(3);
  assert.deepEqual(lines(s.out), ['CONNECT "" ? ?', "PING -> PONG"]);
  assert.deepEqual(s.out[0]!.req, { op: "CONNECT", sender: "client", connect: {} });
});
