import assert from "node:assert/strict";
import { build, concat, type Rec, Req, Resp, Sim, soa, tcp, unhex } from "./testdata.ts";
import { DNSMASQ_AXFR_REQ, DNSMASQ_AXFR_RESP, DNSMASQ_IXFR_REQ, DNSMASQ_IXFR_RESP } from "./testdata/captured.ts";
import type { DnsReply } from "./types.ts";

const AXFR = 252;
const IXFR = 251;
const Z = "zone.test";
const SOA = (serial: number): Rec => [Z, 6, 600, soa(serial)];
const A = (i: number): Rec => [`h${i}.${Z}`, 1, 600, [10, 9, 0, i]];

const query = (type: number, id = 0x77) => tcp(build({ id, flags: 0, questions: [[Z, type]] }));
/** One message of a transfer; only the first carries the question unless `copy`. */
const part = (
  type: number,
  answers: Rec[],
  first: boolean,
  copy = false,
  rcode = 0,
) =>
  tcp(
    build({
      id: 0x77,
      flags: 0x8400 | rcode,
      questions: first || copy ? [[Z, type]] : [],
      answers,
    }),
  );

const reply = (s: Sim) => s.out[0]!.resp as DnsReply;
const datas = (r: DnsReply) => r.answers.map((a) => a.type === "SOA" ? `SOA ${a.data.split(" ")[2]}` : a.data);

Deno.test("AXFR: dnsmasq's one-message transfer, split at every point", () => {
  const q = unhex(DNSMASQ_AXFR_REQ[0]!);
  const r = unhex(DNSMASQ_AXFR_RESP[0]!);
  for (let cut = 1; cut < r.length; cut++) {
    const s = new Sim();
    s.push(Req, q, 1);
    s.push(Resp, r.subarray(0, cut), 2);
    assert.equal(s.out.length, 0);
    s.push(Resp, r.subarray(cut), 3);
    assert.equal(s.out.length, 1, `cut ${cut}`);
    assert.equal(reply(s).answer_count, 9);
    assert.deepEqual([
      s.out[0]!.respStartNs,
      s.out[0]!.respEndNs,
      s.out[0]!.respBytes,
    ], [2, 3, r.length]);
  }
});

Deno.test("AXFR: several messages merge into one response ending at the second SOA", () => {
  for (const copy of [false, true]) {
    const msgs = [
      part(AXFR, [SOA(7), A(1), A(2)], true),
      part(AXFR, [A(3), A(4)], false, copy),
      part(AXFR, [A(5), SOA(7)], false, copy),
    ];
    const s = new Sim();
    s.push(Req, query(AXFR), 1);
    msgs.forEach((m, i) => s.push(Resp, m, 10 + i));
    assert.equal(s.out.length, 1);
    const x = s.out[0]!;
    assert.deepEqual(datas(reply(s)), [
      "SOA 7",
      "10.9.0.1",
      "10.9.0.2",
      "10.9.0.3",
      "10.9.0.4",
      "10.9.0.5",
      "SOA 7",
    ]);
    assert.equal(reply(s).answer_count, 7);
    assert.deepEqual([x.respStartNs, x.respEndNs, x.respBytes], [
      10,
      12,
      msgs.reduce((n, m) => n + m.length, 0),
    ]);
    assert.equal(s.state.pending + s.state.unmatched, 0);
  }
});

Deno.test("AXFR: all messages in one read; a transfer cut by close keeps what came", () => {
  const s = new Sim();
  s.push(Req, query(AXFR), 1);
  s.push(
    Resp,
    concat(part(AXFR, [SOA(7), A(1)], true), part(AXFR, [A(2), SOA(7)], false)),
    2,
  );
  assert.equal(reply(s).answer_count, 4);
  const t = new Sim();
  t.push(Req, query(AXFR), 1);
  t.push(Resp, part(AXFR, [SOA(7), A(1)], true), 2);
  t.close(3);
  assert.deepEqual(datas(reply(t)), ["SOA 7", "10.9.0.1"]);
  assert.deepEqual([t.out[0]!.respStartNs, t.out[0]!.respEndNs], [2, 2]);
});

Deno.test("AXFR: a refusal or an answer without a leading SOA ends the transfer", () => {
  const s = new Sim();
  s.push(Req, query(AXFR), 1);
  s.push(Resp, part(AXFR, [], true, false, 5), 2);
  assert.equal(reply(s).rcode, "REFUSED");
  const t = new Sim();
  t.push(Req, query(AXFR), 1);
  t.push(Resp, part(AXFR, [A(1)], true), 2);
  assert.equal(t.out.length, 1);
  const u = new Sim();
  u.push(Req, query(AXFR), 1);
  u.push(Resp, part(AXFR, [SOA(7), A(1)], true), 2);
  u.push(Resp, part(AXFR, [], false, false, 2), 3);
  assert.equal(reply(u).rcode, "SERVFAIL", "an error in a later message");
});

Deno.test("IXFR: dnsmasq's SOA-in-authority answer and a single SOA end at once", () => {
  const s = new Sim();
  s.push(Req, DNSMASQ_IXFR_REQ[0]!, 1);
  s.push(Resp, DNSMASQ_IXFR_RESP[0]!, 2);
  assert.deepEqual([reply(s).answer_count, reply(s).authority_count], [0, 1]);
  const t = new Sim();
  t.push(Req, query(IXFR), 1);
  t.push(Resp, part(IXFR, [SOA(9)], true), 2);
  assert.deepEqual(datas(reply(t)), ["SOA 9"]);
});

Deno.test("IXFR: difference sequences end at the newest SOA in closing position", () => {
  // 3 → (1→2) → (2→3): SOA(3) appears as the last sequence's "to" SOA
  // before the closing one; a message boundary right after it must not end
  // the transfer.
  const msgs = [
    part(IXFR, [SOA(3), SOA(1), A(1), SOA(2)], true),
    part(IXFR, [A(2), SOA(2), A(3), SOA(3)], false),
    part(IXFR, [A(4)], false),
    part(IXFR, [SOA(3)], false),
  ];
  const s = new Sim();
  s.push(Req, query(IXFR), 1);
  msgs.forEach((m, i) => s.push(Resp, m, 10 + i));
  assert.equal(s.out.length, 1);
  assert.equal(s.out[0]!.respEndNs, 13);
  assert.equal(reply(s).answer_count, 10);
});

Deno.test("IXFR: an AXFR-style answer ends at the second SOA", () => {
  const s = new Sim();
  s.push(Req, query(IXFR), 1);
  s.push(Resp, part(IXFR, [SOA(5), A(1)], true), 2);
  s.push(Resp, part(IXFR, [A(2), SOA(5)], false), 3);
  assert.deepEqual(datas(reply(s)), ["SOA 5", "10.9.0.1", "10.9.0.2", "SOA 5"]);
});

Deno.test("transfers over UDP are single messages", () => {
  const s = new Sim(true);
  s.push(Req, query(IXFR).subarray(2), 1);
  s.push(Resp, part(IXFR, [SOA(3), SOA(1), A(1)], true).subarray(2), 2);
  assert.equal(s.out.length, 1);
});

Deno.test("a query on the same connection during a transfer pairs on its own", () => {
  const s = new Sim();
  s.push(Req, concat(query(AXFR), query(1, 0x78)), 1);
  s.push(Resp, part(AXFR, [SOA(7), A(1)], true), 2);
  s.push(Resp, tcp(build({ id: 0x78, flags: 0x8400, questions: [[Z, 1]] })), 3);
  s.push(Resp, part(AXFR, [SOA(7)], false), 4);
  assert.deepEqual(s.out.map((x) => (x.resp as DnsReply).answer_count), [0, 3]);
});
