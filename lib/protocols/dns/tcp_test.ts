import assert from "node:assert/strict";
import { dnsParser as p } from "./mod.ts";
import { build, concat, Req, Resp, Sim, tcp, unhex } from "./testdata.ts";
import {
  DNSMASQ_KEEPOPEN_REQ,
  DNSMASQ_KEEPOPEN_RESP,
  DNSMASQ_TCP_REQ,
  DNSMASQ_TCP_RESP,
  UNBOUND_PIPELINED_REQ,
  UNBOUND_PIPELINED_RESP,
} from "./testdata/captured.ts";
import type { DnsQuery, DnsReply } from "./types.ts";

function fresh(datagram: boolean, maxBodyBytes = 1024) {
  return p.createState({ maxBodyBytes, datagram });
}

const qname = (x: { req: unknown }) => (x.req as DnsQuery).questions[0]!.name;
const rcode = (x: { resp: unknown }) => (x.resp as DnsReply | null)?.rcode ?? null;

const KEEPOPEN = [
  "host.test",
  "host.test",
  "alias.test",
  "mx.test",
  "nope.test",
];

Deno.test("TCP: dig +tcp to dnsmasq, as dig writes it and as dnsmasq reads it (1, 1, rest)", () => {
  for (const reads of [[52], [1, 1, 50]]) {
    const s = new Sim();
    const q = unhex(DNSMASQ_TCP_REQ[0]!);
    let at = 0;
    reads.forEach((n, i) => {
      s.push(Req, q.subarray(at, at + n), 10 + i);
      at += n;
    });
    s.push(Resp, DNSMASQ_TCP_RESP[0]!, 20);
    assert.equal(s.out.length, 1);
    const x = s.out[0]!;
    assert.deepEqual([x.reqStartNs, x.reqEndNs, x.respStartNs, x.respEndNs], [
      10,
      9 + reads.length,
      20,
      20,
    ]);
    assert.deepEqual([x.reqBytes, x.respBytes], [52, 56]);
    assert.equal(rcode(x), "NOERROR");
  }
});

Deno.test("TCP: a +keepopen session pairs at every split point of either stream", () => {
  const reqs = concat(...DNSMASQ_KEEPOPEN_REQ.map(unhex));
  const resps = concat(...DNSMASQ_KEEPOPEN_RESP.map(unhex));
  for (const [stream, bytes] of [[Req, reqs], [Resp, resps]] as const) {
    for (let cut = 1; cut < bytes.length; cut++) {
      const s = new Sim();
      if (stream === Req) {
        s.push(Req, bytes.subarray(0, cut), 1);
        s.push(Req, bytes.subarray(cut), 2);
        s.push(Resp, resps, 3);
      } else {
        s.push(Req, reqs, 1);
        s.push(Resp, bytes.subarray(0, cut), 2);
        s.push(Resp, bytes.subarray(cut), 3);
      }
      assert.deepEqual(s.out.map(qname), KEEPOPEN, `cut ${cut}`);
      assert.deepEqual(s.out.map(rcode), [
        "NOERROR",
        "NOERROR",
        "NOERROR",
        "NOERROR",
        "NXDOMAIN",
      ]);
      assert.equal(
        s.out.reduce((n, x) => n + x.reqBytes + x.respBytes, 0),
        reqs.length + resps.length,
      );
      assert.equal(s.held(Req) + s.held(Resp) + s.invalid, 0);
    }
  }
});

Deno.test("TCP: random read sizes over a whole session, queries and answers interleaved", () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let round = 0; round < 200; round++) {
    const s = new Sim();
    let ts = 1;
    for (let i = 0; i < KEEPOPEN.length; i++) {
      for (
        const [stream, msg] of [[Req, DNSMASQ_KEEPOPEN_REQ[i]!], [
          Resp,
          DNSMASQ_KEEPOPEN_RESP[i]!,
        ]] as const
      ) {
        const b = unhex(msg);
        for (let at = 0; at < b.length;) {
          const n = 1 + Math.floor(rand() * 40);
          s.push(stream, b.subarray(at, at + n), ts++);
          at += n;
        }
      }
    }
    assert.deepEqual(s.out.map(qname), KEEPOPEN);
    assert.equal(s.invalid, 0);
  }
});

Deno.test("TCP: eight queries pipelined in one write to unbound, answers in four reads", () => {
  const s = new Sim();
  s.push(Req, UNBOUND_PIPELINED_REQ, 1);
  assert.equal(s.state.pending, 8);
  UNBOUND_PIPELINED_RESP.forEach((chunk, i) => s.push(Resp, chunk, 2 + i));
  assert.deepEqual(
    s.out.map((x) => `${(x.req as DnsQuery).questions[0]!.type} ${qname(x)} ${rcode(x)}`),
    [
      "A www.ub.test NOERROR",
      "AAAA www.ub.test NOERROR",
      "MX mail.ub.test NOERROR",
      "A nx.ub.test NXDOMAIN",
      "SOA ub.test NOERROR",
      "SVCB svc.ub.test NOERROR",
      "HTTPS https.ub.test NOERROR",
      "TXT txt.ub.test NOERROR",
    ],
  );
  assert.deepEqual(s.out.map((x) => x.respEndNs), [2, 3, 4, 5, 6, 6, 6, 6]);
  assert.equal(s.state.pending, 0);
});

Deno.test("TCP: parseFrame waits for whole messages and fails fast on bad lengths or QR", () => {
  const st = fresh(false);
  const q = unhex(DNSMASQ_TCP_REQ[0]!);
  assert.equal(p.parseFrame(st, Req, q.subarray(0, 1), 1, 1), 0);
  assert.equal(p.parseFrame(st, Req, q.subarray(0, 51), 1, 1), 0);
  assert.equal(p.parseFrame(st, Req, new Uint8Array([0, 11]), 1, 1), -1);
  assert.equal(
    p.parseFrame(st, Req, new Uint8Array([0, 40, 1, 2, 0x81]), 1, 1),
    -1,
  );
  assert.equal(
    p.parseFrame(st, Resp, new Uint8Array([0, 40, 1, 2, 0x01]), 1, 1),
    -1,
  );
  assert.equal(
    p.parseFrame(st, Resp, new Uint8Array([0, 40, 1, 2, 0x81]), 1, 1),
    0,
  );
  const junk = tcp(
    build({ id: 1, flags: 0x0100, questions: [["a.test", 1]] }).subarray(0, 20),
  );
  assert.equal(p.parseFrame(st, Req, junk, 1, 1), -1, "question cut short");
  assert.equal(p.parseFrame(st, Req, concat(q, q), 1, 1), 52);
});

Deno.test("skip: datagrams stand alone; a TCP gap loses the next length", () => {
  assert.equal(p.skip(fresh(true), Req, 100, 1), true);
  assert.equal(p.skip(fresh(false), Req, 100, 1), false);
  assert.equal(p.skip(fresh(false), Resp, 0, 1), true);
});
