import assert from "node:assert/strict";
import { dnsParser as p } from "./mod.ts";
import { build, Req, Resp, Sim, unhex } from "./testdata.ts";
import { DNSMASQ_UDP } from "./testdata/captured.ts";
import type { DnsQuery, DnsReply } from "./types.ts";

function fresh(datagram: boolean, maxBodyBytes = 1024) {
  return p.createState({ maxBodyBytes, datagram });
}

const qname = (x: { req: unknown }) => (x.req as DnsQuery).questions[0]!.name;
const rcode = (x: { resp: unknown }) => (x.resp as DnsReply | null)?.rcode ?? null;

Deno.test("UDP: dig's query and dnsmasq's answer decode exactly", () => {
  const s = new Sim(true);
  const { q, r } = DNSMASQ_UDP.HOST_A!;
  s.push(Req, q, 100);
  s.push(Resp, r, 250);
  assert.deepEqual(s.out, [{
    req: {
      id: 0x98ad,
      opcode: "QUERY",
      rd: true,
      questions: [{ name: "host.test", type: "A", class: "IN" }],
    },
    resp: {
      id: 0x98ad,
      rcode: "NOERROR",
      aa: true,
      tc: false,
      ra: true,
      answers: [{ name: "host.test", type: "A", ttl: 0, data: "10.0.0.7" }],
      answer_count: 1,
      authority_count: 0,
      additional_count: 1,
    },
    reqStartNs: 100,
    reqEndNs: 100,
    respStartNs: 250,
    respEndNs: 250,
    reqBytes: 50,
    respBytes: 54,
  }]);
});

Deno.test("UDP: every captured dnsmasq exchange pairs, with the expected answer", () => {
  const s = new Sim(true);
  let ts = 1;
  for (const { q, r } of Object.values(DNSMASQ_UDP)) {
    s.push(Req, q, ts++);
    s.push(Resp, r, ts++);
  }
  const got = s.out.map((
    x,
  ) => [
    qname(x),
    rcode(x),
    (x.resp as DnsReply).answers.map((a) => `${a.type} ${a.data}`),
  ]);
  assert.deepEqual(got, [
    ["host.test", "NOERROR", ["A 10.0.0.7"]],
    ["host.test", "NOERROR", ["AAAA fd00::7"]],
    ["alias.test", "NOERROR", ["CNAME host.test", "A 10.0.0.7"]],
    ["mx.test", "NOERROR", ["MX 10 mail.mx.test"]],
    ["txt.test", "NOERROR", ["TXT hello worldsecond string"]],
    ["_sip._tcp.srv.test", "NOERROR", ["SRV 10 20 5060 host.test"]],
    ["caa.test", "NOERROR", ['CAA 0 issue "letsencrypt.org"']],
    ["7.0.0.10.in-addr.arpa", "NOERROR", ["PTR host.test"]],
    ["svc.test", "NOERROR", ["HTTPS 1 . alpn=h2,h3 ipv4hint=10.0.0.7"]],
    ["raw.test", "NOERROR", ["SPF hello"]],
    ["nope.test", "NXDOMAIN", []],
    ["nope.test", "NXDOMAIN", []],
    ["www.example.test", "NOERROR", ["A 10.1.2.3"]],
    ["host.test", "NOERROR", ["A 10.0.0.7"]],
    ["zone.test", "NOERROR", [
      "SOA ns.zone.test hostmaster.zone.test 2024010101 1200 120 1209600 600",
    ]],
    ["nope.zone.test", "NXDOMAIN", []],
  ]);
  assert.equal(s.invalid + s.state.unmatched, 0);
});

Deno.test("UDP: a datagram is consumed whole or rejected", () => {
  const st = fresh(true);
  const { q, r } = DNSMASQ_UDP.HOST_A!;
  assert.equal(p.parseFrame(st, Req, unhex(q), 1, 1), 50);
  assert.equal(
    p.parseFrame(st, Req, unhex(r), 2, 2),
    -1,
    "a response on the request stream",
  );
  assert.equal(
    p.parseFrame(st, Resp, unhex(q), 2, 2),
    -1,
    "a query on the response stream",
  );
  assert.equal(p.parseFrame(st, Req, new Uint8Array(0), 3, 3), -1);
  assert.equal(
    p.parseFrame(st, Req, unhex(q).subarray(0, 30), 3, 3),
    -1,
    "cut datagram",
  );
  assert.equal(
    p.parseFrame(st, Resp, unhex(r).subarray(0, 40), 3, 3),
    -1,
    "cut answer without TC",
  );
});

Deno.test("responses: truncated (TC) answers keep the records before the cut", () => {
  const full = build({
    id: 9,
    flags: 0x8380,
    questions: [["big.test", 16]],
    answers: [["big.test", 16, 60, [3, 97, 98, 99]], ["big.test", 16, 60, [
      3,
      100,
      101,
      102,
    ]]],
  });
  const s = new Sim(true);
  s.push(
    Req,
    build({ id: 9, flags: 0x0100, questions: [["big.test", 16]] }),
    1,
  );
  s.push(Resp, full.subarray(0, full.length - 3), 2);
  const r = s.out[0]!.resp as DnsReply;
  assert.equal(r.tc, true);
  assert.deepEqual(r.answers.map((a) => a.data), ["abc"]);
  assert.equal(r.answer_count, 2);
});

Deno.test("responses: the EDNS OPT record's upper rcode bits are applied", () => {
  const opt = (
    ext: number,
  ): [string, number, number, number[]] => [".", 41, ext << 24, []];
  const s = new Sim(true);
  for (const [id, low, ext] of [[1, 0, 1], [2, 7, 1], [3, 3, 0]]) {
    s.push(
      Req,
      build({ id: id!, flags: 0x0100, questions: [["e.test", 1]] }),
      id! * 2,
    );
    s.push(
      Resp,
      build({
        id: id!,
        flags: 0x8180 | low!,
        questions: [["e.test", 1]],
        additional: [opt(ext!)],
      }),
      id! * 2 + 1,
    );
  }
  assert.deepEqual(s.out.map(rcode), ["BADVERS", "BADCOOKIE", "NXDOMAIN"]);
});

Deno.test("caps: 100 answers and 16 questions are decoded, all are counted", () => {
  const answers = Array.from(
    { length: 150 },
    (
      _,
      i,
    ): [string, number, number, number[]] => ["m.test", 1, 1, [
      10,
      0,
      i >> 8,
      i & 255,
    ]],
  );
  const s = new Sim(true);
  const questions = Array.from(
    { length: 20 },
    (_, i): [string, number] => [`q${i}.test`, 1],
  );
  s.push(Req, build({ id: 5, flags: 0x0100, questions }), 1);
  s.push(
    Resp,
    build({ id: 5, flags: 0x8180, questions: [["q0.test", 1]], answers }),
    2,
  );
  const x = s.out[0]!;
  assert.equal((x.req as DnsQuery).questions.length, 16);
  assert.equal((x.resp as DnsReply).answers.length, 100);
  assert.equal((x.resp as DnsReply).answer_count, 150);
});
