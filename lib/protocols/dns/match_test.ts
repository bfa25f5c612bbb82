import assert from "node:assert/strict";
import type { Exchange } from "../common/parser.ts";
import { dnsParser as p } from "./mod.ts";
import { MAX_PENDING, TIMEOUT_NS } from "./match.ts";
import { build, Req, Resp, rng, Sim, tcp } from "./testdata.ts";
import { UNBOUND_BURST_REQ, UNBOUND_BURST_RESP } from "./testdata/captured.ts";
import type { DnsQuery, DnsReply } from "./types.ts";

const q = (id: number, name: string, type = 1) => build({ id, flags: 0x0100, questions: [[name, type]] });
const a = (id: number, name: string, ip: number, type = 1, rcode = 0) =>
  build({
    id,
    flags: 0x8180 | rcode,
    questions: [[name, type]],
    answers: type === 1 ? [[name, 1, 60, [10, 0, 0, ip]]] : [],
  });

/** [query id, query name, first answer data or null] per exchange. */
function pairs(out: Exchange[]): [number, string, string | null][] {
  return out.map((x) => {
    const r = x.resp as DnsReply | null;
    const req = x.req as DnsQuery;
    return [
      req.id,
      req.questions[0]?.name ?? "",
      r === null ? null : r.answers[0]?.data ?? r.rcode,
    ];
  });
}

Deno.test("UDP: a lost query or a lost answer affects no other pair", () => {
  const s = new Sim(true);
  s.push(Req, q(2, "b.test"), 2); // the query with id 1 was lost
  s.push(Resp, a(1, "a.test", 1), 3);
  s.push(Resp, a(2, "b.test", 2), 4);
  s.push(Req, q(3, "c.test"), 5);
  s.push(Req, q(4, "d.test"), 6);
  s.push(Resp, a(4, "d.test", 4), 7); // the answer to 3 was lost
  assert.deepEqual(pairs(s.out), [[2, "b.test", "10.0.0.2"], [
    4,
    "d.test",
    "10.0.0.4",
  ]]);
  assert.equal(s.state.unmatched, 1);
  s.close(8);
  assert.deepEqual(pairs(s.out.slice(2)), [[3, "c.test", null]]);
  assert.deepEqual(
    [
      s.out[2]!.respStartNs,
      s.out[2]!.respEndNs,
      s.out[2]!.respBytes,
      s.out[2]!.reqStartNs,
    ],
    [-1, -1, 0, 5],
  );
});

Deno.test("UDP: answers in any order pair with their queries", () => {
  const s = new Sim(true);
  for (let i = 1; i <= 3; i++) s.push(Req, q(i, `n${i}.test`), i);
  for (const i of [3, 1, 2]) s.push(Resp, a(i, `n${i}.test`, i), 10 + i);
  assert.deepEqual(pairs(s.out), [[3, "n3.test", "10.0.0.3"], [
    1,
    "n1.test",
    "10.0.0.1",
  ], [2, "n2.test", "10.0.0.2"]]);
  assert.deepEqual(s.out.map((x) => [x.reqStartNs, x.respStartNs]), [[3, 13], [
    1,
    11,
  ], [2, 12]]);
});

Deno.test("UDP: unbound's answers to two queries sharing an id pair by question", () => {
  const s = new Sim(true);
  UNBOUND_BURST_REQ.forEach((m, i) => s.push(Req, m, 1 + i));
  for (const i of [2, 3, 1, 0]) s.push(Resp, UNBOUND_BURST_RESP[i]!, 10 + i);
  assert.deepEqual(pairs(s.out), [
    [0x2001, "mail.ub.test", "20 mx2.ub.test"],
    [0x2003, "nx.ub.test", "NXDOMAIN"],
    [0x2002, "www.ub.test", "2001:db8::1"],
    [0x2001, "www.ub.test", "192.0.2.2"],
  ]);
  assert.equal(s.state.pending + s.state.unmatched, 0);
});

Deno.test("an answer to another question, or from before the query, is never paired", () => {
  const s = new Sim(true);
  s.push(Req, q(7, "a.test"), 10);
  s.push(Resp, a(7, "b.test", 1), 11);
  s.push(Resp, a(7, "a.test", 1, 28), 12);
  s.push(Resp, a(8, "a.test", 1), 13);
  assert.equal(s.out.length, 0);
  assert.equal(s.state.unmatched, 3);
  const t = new Sim(true);
  t.push(Resp, a(7, "a.test", 1), 5); // delivered before its query
  t.push(Req, q(7, "a.test"), 6);
  assert.equal(t.out.length, 0);
  assert.equal(t.state.pending, 1);
  const st = p.createState({ maxBodyBytes: 100, datagram: true });
  p.parseFrame(st, Req, q(7, "a.test"), 20, 20);
  p.parseFrame(st, Resp, a(7, "a.test", 1), 19, 19);
  assert.equal(st.unmatched, 1, "a response cannot precede its query");
});

Deno.test("question names match case-insensitively (0x20 randomization)", () => {
  const s = new Sim(true);
  s.push(Req, q(1, "wWw.ExAmPle.TEST"), 1);
  s.push(Resp, a(1, "www.example.test", 9), 2);
  assert.deepEqual(pairs(s.out), [[1, "wWw.ExAmPle.TEST", "10.0.0.9"]]);
});

Deno.test("retransmitted queries: the oldest is answered first", () => {
  const s = new Sim(true);
  s.push(Req, q(5, "r.test"), 1);
  s.push(Req, q(5, "r.test"), 2);
  s.push(Resp, a(5, "r.test", 1), 3);
  assert.deepEqual(s.out.map((x) => [x.reqStartNs, x.respStartNs]), [[1, 3]]);
  s.push(Resp, a(5, "r.test", 1), 4);
  assert.deepEqual(s.out.map((x) => [x.reqStartNs, x.respStartNs]), [[1, 3], [
    2,
    4,
  ]]);
});

Deno.test("an answer without a question pairs only when its id is unambiguous", () => {
  const formerr = (id: number) => build({ id, flags: 0x8101 });
  const s = new Sim(true);
  s.push(Req, q(1, "a.test"), 1);
  s.push(Resp, formerr(1), 2);
  assert.deepEqual(pairs(s.out), [[1, "a.test", "FORMERR"]]);
  s.push(Req, q(2, "a.test"), 3);
  s.push(Req, q(2, "b.test"), 4);
  s.push(Resp, formerr(2), 5);
  assert.equal(s.out.length, 1);
  assert.equal(s.state.unmatched, 1);
  // A NOERROR answer without question (an mDNS announcement) answers
  // nothing; a query without question (a cookie probe) gets one.
  s.push(Req, q(3, "c.test"), 6);
  s.push(Resp, build({ id: 3, flags: 0x8400 }), 7);
  assert.equal(s.state.unmatched, 2);
  s.push(Req, build({ id: 4, flags: 0 }), 8);
  s.push(Resp, build({ id: 4, flags: 0x8000 }), 9);
  assert.deepEqual(pairs(s.out).slice(1), [[4, "", "NOERROR"]]);
});

Deno.test("a resolver's many outstanding queries pair in any answer order", () => {
  const s = new Sim(true);
  const rand = rng(42);
  const n = 2000;
  for (let i = 0; i < n; i++) {
    s.push(Req, q((i * 7919) & 0xffff, `h${i}.test`), i);
  }
  assert.equal(s.state.buckets.length, 512);
  const order = Array.from({ length: n }, (_, i) => i).sort(() => rand() - 0.5);
  for (const i of order) {
    s.push(Resp, a((i * 7919) & 0xffff, `h${i}.test`, i & 255), n + i);
  }
  assert.equal(s.out.length, n);
  for (const x of s.out) {
    const i = Number((x.req as DnsQuery).questions[0]!.name.slice(1, -5));
    assert.equal((x.resp as DnsReply).answers[0]!.data, `10.0.0.${i & 255}`);
    assert.equal(x.respStartNs, n + i);
  }
  assert.equal(s.state.pending, 0);
});

Deno.test("the pending cap gives up the oldest queries, emitted without answer", () => {
  const s = new Sim(true);
  const n = MAX_PENDING + 10;
  for (let i = 0; i < n; i++) s.push(Req, q(i & 0xffff, "x.test"), i);
  assert.equal(s.state.pending, MAX_PENDING);
  assert.equal(s.out.length, 10);
  assert.deepEqual(
    s.out.map((x) => [(x.req as DnsQuery).id, x.resp]),
    Array.from({ length: 10 }, (_, i) => [i, null]),
  );
  s.push(Resp, a(3, "x.test", 1), n);
  assert.equal(s.state.unmatched, 1);
  s.push(Resp, a(10, "x.test", 1), n + 1);
  assert.equal(s.out.length, 11);
  assert.equal(s.state.expired, 10);
});

Deno.test("queries unanswered for longer than the timeout are given up", () => {
  const s = new Sim(true);
  s.push(Req, q(1, "slow.test"), 1e9);
  s.push(Req, q(2, "fast.test"), 2e9);
  s.push(Resp, a(2, "fast.test", 2), 1e9 + TIMEOUT_NS);
  assert.deepEqual(pairs(s.out), [[2, "fast.test", "10.0.0.2"]]);
  s.push(Req, q(3, "later.test"), 1e9 + TIMEOUT_NS + 1);
  assert.deepEqual(pairs(s.out).slice(1), [[1, "slow.test", null]]);
  assert.equal(s.state.pending, 1);
});

Deno.test("closing emits every pending query; reset drops them", () => {
  const s = new Sim();
  s.push(Req, tcp(q(1, "a.test")), 1);
  s.push(Req, tcp(q(2, "b.test")), 2);
  p.reset(s.state);
  s.push(Resp, tcp(a(1, "a.test", 1)), 3);
  assert.equal(s.state.unmatched, 1);
  s.push(Req, tcp(q(3, "c.test")), 4);
  s.close(5);
  assert.deepEqual(s.out, [{
    req: {
      id: 3,
      opcode: "QUERY",
      rd: true,
      questions: [{ name: "c.test", type: "A", class: "IN" }],
    },
    resp: null,
    reqStartNs: 4,
    reqEndNs: 4,
    respStartNs: -1,
    respEndNs: -1,
    reqBytes: 26,
    respBytes: 0,
  }]);
  assert.equal(s.state.pending, 0);
});
