import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { mysqlParser as p } from "./mod.ts";
import { cat, chunks, coldef, eof, err, ok, pkt, query, rng, textRow, u32 } from "./testdata.ts";
import { BINARY_EOF } from "./testdata/binary_eof.ts";
import { CHANGE_USER } from "./testdata/change_user.ts";
import { CLI_TEXT } from "./testdata/cli_text.ts";
import { SSL } from "./testdata/ssl.ts";
import type { Chunk } from "./testdata/chunk.ts";
import { le24 } from "./wire.ts";

const Req = Stream.Request;
const Resp = Stream.Response;
const SESSIONS: Chunk[][] = [CLI_TEXT, BINARY_EOF, CHANGE_USER];

function fresh() {
  return p.createState({ maxBodyBytes: 1024, datagram: false });
}

Deno.test("findBoundary accepts every captured command start and handshake response", () => {
  for (const session of SESSIONS) {
    for (const { stream, data } of chunks(session)) {
      if (stream !== Req) continue;
      const seq = data[3];
      // COM_DAEMON (server-internal) is the only command start not accepted.
      const start = (seq === 0 && data[4] !== 0x1d) || (seq === 1 && le24(data, 0) >= 32);
      assert.equal(p.findBoundary(fresh(), Req, data, 0), start ? 0 : -1, `chunk ${data.subarray(0, 8)}`);
    }
  }
});

Deno.test("findBoundary finds no command inside captured client payloads", () => {
  for (const session of SESSIONS) {
    for (const { stream, data } of chunks(session)) {
      if (stream !== Req) continue;
      for (let k = 1; k < data.length; k++) {
        assert.equal(p.findBoundary(fresh(), Req, data.subarray(k), 0) === 0, false, `offset ${k}`);
      }
    }
  }
});

Deno.test("findBoundary never starts in TLS records", () => {
  const tls = chunks(SSL).slice(3);
  for (const { data } of tls) {
    for (let k = 0; k < data.length; k++) {
      assert.notEqual(p.findBoundary(fresh(), Req, data.subarray(k), 0), 0);
    }
  }
});

Deno.test("findBoundary rarely accepts random bytes", () => {
  const r = rng(42);
  const b = new Uint8Array(64);
  let hits = 0;
  for (let i = 0; i < 100000; i++) {
    for (let k = 0; k < b.length; k++) b[k] = (r() * 256) | 0;
    if (p.findBoundary(fresh(), Req, b, 0) === 0) hits++;
  }
  assert.equal(hits <= 2, true, `${hits} false starts`);
});

Deno.test("findBoundary checks what follows a complete command", () => {
  assert.equal(p.findBoundary(fresh(), Req, cat(query("SELECT 1"), query("SELECT 2")), 0), 0);
  // MySQL 8 COM_QUERY with query attributes: none, or one.
  assert.equal(p.findBoundary(fresh(), Req, pkt(0, [0x03, 0, 1], "SELECT 1"), 0), 0);
  assert.equal(p.findBoundary(fresh(), Req, pkt(0, [0x03, 1, 1, 0, 1, 0xfe, 0, 1, 0x61, 1, 0x62], "DO 1"), 0), 0);
  assert.equal(p.findBoundary(fresh(), Req, cat(query("SELECT 1"), pkt(5, "x")), 0), -1);
  assert.equal(p.findBoundary(fresh(), Req, cat([1, 2], query("SELECT 1")), 0), 2);
  assert.equal(p.findBoundary(fresh(), Req, cat([1, 2], query("SELECT 1")), 3), -1);
  // Candidates that need more bytes stop the scan.
  assert.equal(p.findBoundary(fresh(), Req, query("SELECT 1").subarray(0, 7), 0), -1);
  assert.equal(p.findBoundary(fresh(), Req, pkt(0, [0x17], u32(1), [0], u32(1)), 0), 0);
  assert.equal(p.findBoundary(fresh(), Req, pkt(0, [0x17], u32(1), [0], u32(9)), 0), -1);
  assert.equal(p.findBoundary(fresh(), Req, pkt(0, [0x12], u32(4), [0, 0], u32(1), "bin.1"), 0), -1);
});

function waiting(cmd = query("SELECT 1")) {
  const st = fresh();
  assert.equal(p.parseFrame(st, Req, cmd, 1, 1), cmd.length);
  return st;
}

Deno.test("findBoundary on responses finds the answer to the waiting command", () => {
  const rows = cat(textRow(5, "1"), textRow(6, "2"), eof(7));
  assert.equal(p.findBoundary(waiting(), Resp, cat(rows, ok(1)), 0), rows.length);
  assert.equal(p.findBoundary(waiting(), Resp, cat(rows, err(1, 1146, "42S02", "x")), 0), rows.length);
  const rs = cat(pkt(1, [1]), coldef(2, "a"), eof(3), textRow(4, "x"), eof(5));
  const tail = cat(textRow(8, "abc"), eof(9));
  assert.equal(p.findBoundary(waiting(), Resp, cat(tail, rs), 0), tail.length);
  assert.equal(p.findBoundary(waiting(), Resp, cat(rows, rs), 0), rows.length);
  assert.equal(p.findBoundary(waiting(), Resp, cat(rows, rs), rows.length), rows.length);
  // Candidates are looked for along the packet chain only.
  assert.equal(p.findBoundary(waiting(), Resp, cat(textRow(4, "\x05\0\0\x01\x00"), rs), 0), 10);
  assert.equal(p.findBoundary(waiting(), Resp, cat(pkt(1, [1]), pkt(2, [7])), 0), -1);
  const prepare = waiting(pkt(0, [0x16], "SELECT ?"));
  assert.equal(p.findBoundary(prepare, Resp, ok(1), 0), -1);
  const prepOk = pkt(1, [0], u32(1), [0, 0, 1, 0, 0, 0, 0]);
  assert.equal(p.findBoundary(prepare, Resp, prepOk, 0), 0);
  assert.equal(p.findBoundary(fresh(), Resp, ok(1), 0), -1);
});

Deno.test("findBoundary on responses accepts a greeting when nothing waits", () => {
  const greeting = chunks(CLI_TEXT)[0]!.data;
  assert.equal(p.findBoundary(fresh(), Resp, greeting, 0), 0);
  assert.equal(p.findBoundary(waiting(), Resp, greeting, 0), -1);
  for (const { data } of chunks(SSL).slice(3)) {
    assert.equal(p.findBoundary(fresh(), Resp, data, 0), -1);
  }
});

Deno.test("findBoundary drops the stream's frame in progress", () => {
  const st = waiting();
  p.parseFrame(st, Resp, cat(pkt(1, [1]), coldef(2, "a")), 2, 2);
  assert.notEqual(st.resp.entry, null);
  p.findBoundary(st, Resp, new Uint8Array(0), 0);
  assert.equal(st.resp.entry, null);
  assert.equal(st.queue.length, 0);
  assert.equal(st.droppedRequests, 1);
  const q = query("SELECT 'abc'");
  p.parseFrame(st, Req, q.subarray(0, 7), 3, 3);
  assert.notEqual(st.req.entry, null);
  p.findBoundary(st, Req, q, 0);
  assert.equal(st.req.entry, null);
});
