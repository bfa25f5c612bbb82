import assert from "node:assert/strict";
import { dnsParser as p } from "./mod.ts";
import { build, concat, Req, Resp, tcp, unhex } from "./testdata.ts";
import * as captured from "./testdata/captured.ts";

const udp = p.createState({ maxBodyBytes: 100, datagram: true });
const stream = p.createState({ maxBodyBytes: 100, datagram: false });

/** A query header with the given flags word and counts, then `a.test A`. */
function query(
  flags: number,
  qd = 1,
  an = 0,
  ns = 0,
  ar = 0,
  name = "a.test",
): Uint8Array {
  const m = build({ id: 0x4242, flags, questions: [[name, 1]] });
  m.set([qd, an, ns, ar].flatMap((c) => [c >> 8, c & 255]), 4);
  return m;
}

Deno.test("findBoundary accepts every captured query and answer at offset 0", () => {
  let n = 0;
  for (const { q, r } of Object.values(captured.DNSMASQ_UDP)) {
    assert.equal(p.findBoundary(udp, Req, unhex(q), 0), 0, q);
    assert.equal(p.findBoundary(udp, Resp, unhex(r), 0), 0, r);
    n++;
  }
  const tcpPairs = [
    [captured.DNSMASQ_TCP_REQ, captured.DNSMASQ_TCP_RESP],
    [captured.DNSMASQ_KEEPOPEN_REQ, captured.DNSMASQ_KEEPOPEN_RESP],
    [captured.DNSMASQ_AXFR_REQ, captured.DNSMASQ_AXFR_RESP],
    [captured.DNSMASQ_IXFR_REQ, captured.DNSMASQ_IXFR_RESP],
    [[captured.UNBOUND_PIPELINED_REQ], [captured.UNBOUND_PIPELINED_RESP[0]!]],
  ];
  for (const [reqs, resps] of tcpPairs) {
    for (const q of reqs!) {
      assert.equal(p.findBoundary(stream, Req, unhex(q), 0), 0, q);
    }
    for (const r of resps!) {
      assert.equal(p.findBoundary(stream, Resp, unhex(r), 0), 0, r);
    }
  }
  for (const q of captured.UNBOUND_BURST_REQ) {
    assert.equal(p.findBoundary(udp, Req, unhex(q), 0), 0);
  }
  for (const r of captured.UNBOUND_BURST_RESP) {
    assert.equal(p.findBoundary(udp, Resp, unhex(r), 0), 0);
  }
  assert.equal(n, 16);
});

Deno.test("findBoundary over UDP: only offset 0, only the stream's direction", () => {
  const q = query(0x0100);
  assert.equal(p.findBoundary(udp, Req, q, 0), 0);
  assert.equal(p.findBoundary(udp, Req, q, 1), -1);
  assert.equal(p.findBoundary(udp, Resp, q, 0), -1);
  assert.equal(
    p.findBoundary(udp, Req, q.subarray(0, 16), 0),
    -1,
    "shorter than any query",
  );
  const formerr = new Uint8Array([
    0x42,
    0x42,
    0x80,
    0x01,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
  assert.equal(
    p.findBoundary(udp, Resp, formerr, 0),
    0,
    "a bare header answer",
  );
});

Deno.test("findBoundary applies the header rule", () => {
  const ok = (m: Uint8Array) => p.findBoundary(udp, Req, m, 0) === 0;
  assert.ok(ok(query(0x0100)), "QUERY, RD");
  assert.ok(ok(query(0x0120, 1, 0, 0, 1)), "AD and an OPT record (dig)");
  assert.ok(ok(query(0x2000, 1, 1)), "NOTIFY with its SOA");
  assert.ok(
    ok(query(0x2800, 1, 2, 5, 1)),
    "UPDATE with prerequisites and updates",
  );
  assert.ok(ok(query(0x0000, 10, 0, 10, 4)), "largest counts");
  assert.ok(!ok(query(0x8100)), "QR set");
  assert.ok(!ok(query(0x1800)), "opcode 3");
  assert.ok(!ok(query(0x3000)), "opcode 6");
  assert.ok(!ok(query(0x0140)), "Z set");
  assert.ok(!ok(query(0x0100, 0)), "no question");
  assert.ok(!ok(query(0x0100, 11)), "11 questions");
  assert.ok(!ok(query(0x0100, 1, 1)), "an answer in a QUERY");
  assert.ok(!ok(query(0x0100, 1, 0, 11)), "11 authority records");
  assert.ok(!ok(query(0x0100, 1, 0, 0, 5)), "5 additional records");
  assert.ok(!ok(query(0x0100, 0x101)), "count over 255");
  const bad = query(0x0100);
  bad[12] = 0x41;
  assert.ok(!ok(bad), "a question name starting with a reserved label type");
  const resp = (flags: number, counts: number[]) => {
    const m = query(flags);
    m.set(counts.flatMap((c) => [c >> 8, c & 255]), 4);
    return p.findBoundary(udp, Resp, m, 0) === 0;
  };
  assert.ok(resp(0x8180, [1, 200, 200, 200]));
  assert.ok(resp(0x8183, [0, 0, 0, 0]));
  assert.ok(!resp(0x8180, [1, 201, 0, 0]));
  assert.ok(!resp(0x8180, [11, 0, 0, 0]));
  assert.ok(!resp(0x0180, [1, 1, 0, 0]));
});

Deno.test("findBoundary over TCP finds a length-prefixed message after garbage", () => {
  const msg = tcp(query(0x0100));
  const junk = new Uint8Array(37).fill(0xff);
  const buf = concat(junk, msg);
  assert.equal(p.findBoundary(stream, Req, buf, 0), 37);
  assert.equal(p.findBoundary(stream, Req, buf, 37), 37);
  assert.equal(p.findBoundary(stream, Req, buf, 38), -1);
  assert.equal(
    p.findBoundary(stream, Req, buf.subarray(0, 37 + 14), 0),
    -1,
    "header not all there yet",
  );
  const short = tcp(query(0x0100));
  short[1] = 16;
  assert.equal(
    p.findBoundary(stream, Req, short, 0),
    -1,
    "length below the smallest query",
  );
  const answer = tcp(unhex(captured.DNSMASQ_UDP.HOST_A!.r));
  assert.equal(p.findBoundary(stream, Resp, concat(junk, answer), 0), 37);
  assert.equal(p.findBoundary(stream, Req, answer, 0), -1);
});

Deno.test("findBoundary as the tracker uses it on a desynced connection: dnsmasq's 1-byte reads", () => {
  // dnsmasq reads the length one byte at a time: the candidate request grows
  // 1, 2, then 52 bytes, and only then is it a message start.
  const q = unhex(captured.DNSMASQ_TCP_REQ[0]!);
  assert.equal(p.findBoundary(stream, Req, q.subarray(0, 1), 0), -1);
  assert.equal(p.findBoundary(stream, Req, q.subarray(0, 2), 0), -1);
  assert.equal(p.findBoundary(stream, Req, q, 0), 0);
});
