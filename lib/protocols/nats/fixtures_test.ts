// Replays of traffic captured from a real nats-server 2.9.10 (see
// testdata/capture.py): a subscriber and a verbose publisher at the same
// time, pedantic errors, a good and a bad login, a client the server pings.
import assert from "node:assert/strict";
import { lines, replay } from "./testdata.ts";
import * as F from "./testdata/captured.ts";

const INFO = {
  server_id: "NAJ2Z7Z5BLX3FGDBJRMTSZ7VEL5ZSTG7LNGEIPVOKOA7FYSZDLAC5P7W",
  server_name: "NAJ2Z7Z5BLX3FGDBJRMTSZ7VEL5ZSTG7LNGEIPVOKOA7FYSZDLAC5P7W",
  version: "2.9.10",
  proto: 1,
  go: "go1.19.8",
  host: "127.0.0.1",
  port: 20916,
  headers: true,
  max_payload: 1048576,
};

function connect(name: string, verbose: boolean, pedantic = false) {
  return {
    verbose,
    pedantic,
    tls_required: false,
    name,
    lang: "python3",
    version: "1.0.0",
    protocol: 1,
    headers: true,
    no_responders: true,
  };
}

Deno.test("subscriber: SUBs with and without a queue group, every delivery from the server, the reply, UNSUBs", async () => {
  const s = await replay(F.SUB_PUB[0]!, 64);
  assert.equal(s.invalid, 0);
  assert.equal(s.state.orphans, 0);
  assert.deepEqual(lines(s.out), [
    "INFO NAJ2Z7Z5BLX3FGDBJRMTSZ7VEL5ZSTG7LNGEIPVOKOA7FYSZDLAC5P7W 2.9.10",
    "CONNECT e2e-sub python3 1.0.0",
    "PING -> PONG",
    "SUB e2e.> sid 1",
    "SUB e2e.work queue workers sid 2",
    "PING -> PONG",
    "MSG e2e.greet sid 1 (5 B)",
    "MSG e2e.bin sid 1 (4 B)",
    "HMSG e2e.hdr sid 1 (12 B)",
    "MSG e2e.work sid 1 (3 B)",
    "MSG e2e.work sid 2 (3 B)",
    "MSG e2e.big sid 1 (100000 B)",
    "MSG e2e.rpc sid 1 reply _INBOX.e2e (3 B)",
    "PUB _INBOX.e2e (4 B)",
    "UNSUB sid 1",
    "UNSUB sid 2 after 10",
    "PING -> PONG",
  ]);
  const view = s.out.map((x) => [x.req, x.resp, x.reqBytes, x.respBytes]);
  assert.deepEqual(view[0], [
    { op: "INFO", sender: "server", info: { ...INFO, client_id: 4, client_ip: "127.0.0.1" } },
    null,
    305,
    0,
  ]);
  assert.deepEqual(view[1], [{ op: "CONNECT", sender: "client", connect: connect("e2e-sub", false) }, null, 166, 0]);
  assert.deepEqual(view[2], [{ op: "PING", sender: "client" }, { op: "PONG" }, 6, 6]);
  assert.deepEqual(view[4], [
    { op: "SUB", sender: "client", subject: "e2e.work", queue: "workers", sid: "2" },
    null,
    24,
    0,
  ]);
  assert.deepEqual(view[7], [
    { op: "MSG", sender: "server", subject: "e2e.bin", sid: "1", payload_size: 4, payload_hex: "000102ff" },
    null,
    23,
    0,
  ]);
  assert.deepEqual(view[8], [
    {
      op: "HMSG",
      sender: "server",
      subject: "e2e.hdr",
      sid: "1",
      headers_size: 51,
      headers: { "Trace-Id": ["abc"], "X-Multi": ["1", "2"] },
      payload_size: 12,
      payload: "with headers",
    },
    null,
    87,
    0,
  ]);
  assert.deepEqual(view[11], [
    {
      op: "MSG",
      sender: "server",
      subject: "e2e.big",
      sid: "1",
      payload_size: 100000,
      payload: "x".repeat(64),
      payload_truncated: true,
    },
    null,
    100024,
    0,
  ]);
  assert.deepEqual(view[12]![0], {
    op: "MSG",
    sender: "server",
    subject: "e2e.rpc",
    reply_to: "_INBOX.e2e",
    sid: "1",
    payload_size: 3,
    payload: "req",
  });
  assert.deepEqual(view[15], [{ op: "UNSUB", sender: "client", sid: "2", max_msgs: 10 }, null, 12, 0]);
  // Deliveries have no response: no response times either.
  assert.ok(s.out.slice(6, 13).every((x) => x.respStartNs === -1 && x.respEndNs === -1));
});

Deno.test("verbose publisher: every operation answered by +OK, the request's reply delivered on the inbox", async () => {
  const s = await replay(F.SUB_PUB[1]!, 64);
  assert.equal(s.invalid, 0);
  assert.equal(s.state.orphans, 0);
  assert.deepEqual(lines(s.out), [
    "INFO NAJ2Z7Z5BLX3FGDBJRMTSZ7VEL5ZSTG7LNGEIPVOKOA7FYSZDLAC5P7W 2.9.10",
    "CONNECT e2e-pub python3 1.0.0 -> +OK",
    "SUB _INBOX.e2e sid 7 -> +OK",
    "PUB e2e.greet (5 B) -> +OK",
    "PUB e2e.bin (4 B) -> +OK",
    "HPUB e2e.hdr (12 B) -> +OK",
    "PUB e2e.work (3 B) -> +OK",
    "PUB e2e.big (100000 B) -> +OK",
    "PUB e2e.rpc reply _INBOX.e2e (3 B) -> +OK",
    "MSG _INBOX.e2e sid 7 (4 B)",
    "UNSUB sid 7 -> +OK",
    "PING -> PONG",
  ]);
  const [, conn, , , , hpub, , big, rpc] = s.out;
  assert.deepEqual([conn!.req, conn!.resp, conn!.reqBytes, conn!.respBytes], [
    { op: "CONNECT", sender: "client", connect: connect("e2e-pub", true) },
    { op: "+OK" },
    165,
    5,
  ]);
  assert.deepEqual([hpub!.req, hpub!.reqBytes], [{
    op: "HPUB",
    sender: "client",
    subject: "e2e.hdr",
    headers_size: 51,
    headers: { "Trace-Id": ["abc"], "X-Multi": ["1", "2"] },
    payload_size: 12,
    payload: "with headers",
  }, 85]);
  assert.equal(big!.reqBytes, "PUB e2e.big 100000\r\n".length + 100000 + 2);
  assert.deepEqual(rpc!.req, {
    op: "PUB",
    sender: "client",
    subject: "e2e.rpc",
    reply_to: "_INBOX.e2e",
    payload_size: 3,
    payload: "req",
  });
});

Deno.test("pedantic: an invalid PUB gets its -ERR (and the +OK after it), an invalid SUB its -ERR alone", async () => {
  const s = await replay(F.ERRORS[0]!);
  assert.equal(s.invalid, 0);
  assert.equal(s.state.orphans, 0);
  const view = s.out.slice(1).map((x) => [x.req, x.resp, x.reqBytes, x.respBytes]);
  assert.deepEqual(view, [
    [{ op: "CONNECT", sender: "client", connect: connect("e2e-pedantic", true, true) }, { op: "+OK" }, 169, 5],
    [
      { op: "PUB", sender: "client", subject: "e2e.*", payload_size: 2, payload: "hi" },
      { op: "-ERR", error: "Invalid Publish Subject" },
      17,
      "-ERR 'Invalid Publish Subject'\r\n+OK\r\n".length,
    ],
    [
      { op: "SUB", sender: "client", subject: "e2e..bad", sid: "3" },
      { op: "-ERR", error: "Invalid Subject" },
      16,
      24,
    ],
    [{ op: "PING", sender: "client" }, { op: "PONG" }, 6, 6],
  ]);
});

Deno.test("not verbose: the PUB is a record at once, the -ERR that follows one of its own", async () => {
  const s = await replay(F.ERRORS[1]!);
  assert.equal(s.invalid, 0);
  const view = s.out.slice(2).map((x) => [x.req, x.resp, x.reqBytes, x.respBytes]);
  assert.deepEqual(view, [
    [{ op: "PUB", sender: "client", subject: "e2e.*", payload_size: 2, payload: "hi" }, null, 17, 0],
    [{ op: "-ERR", sender: "server", error: "Invalid Publish Subject" }, null, 32, 0],
    [{ op: "PING", sender: "client" }, { op: "PONG" }, 6, 6],
  ]);
});

Deno.test("logins: user and pass are *** in every record, the bad one answered by -ERR", async () => {
  for (const [i, resp] of [[0, { op: "+OK" }], [1, { op: "-ERR", error: "Authorization Violation" }]] as const) {
    const s = await replay(F.LOGINS[i]!);
    assert.equal(s.invalid, 0);
    const info = s.out[0]!.req as { info: Record<string, unknown> };
    assert.equal(info.info.auth_required, true);
    assert.deepEqual(s.out[1]!.req, {
      op: "CONNECT",
      sender: "client",
      connect: { ...connect("e2e-auth", true), user: "***", pass: "***" },
    });
    assert.deepEqual(s.out[1]!.resp, resp);
    assert.ok(!JSON.stringify(s.out).includes("s3cret") && !JSON.stringify(s.out).includes("alice"));
  }
});

Deno.test("idle: the server's PING is a record from the server, answered by the client's PONG", async () => {
  const s = await replay(F.IDLE[0]!);
  assert.equal(s.invalid, 0);
  assert.deepEqual(lines(s.out).slice(1), [
    "CONNECT e2e-idle python3 1.0.0",
    "PING -> PONG",
    "PING (from server) -> PONG",
  ]);
  assert.deepEqual([s.out[3]!.req, s.out[3]!.resp], [{ op: "PING", sender: "server" }, { op: "PONG" }]);
});
