import assert from "node:assert/strict";
import { dnsParser, summarize } from "./mod.ts";
import type { DnsAnswer, DnsQuery, DnsReply } from "./types.ts";

const q = (name: string, type: string, opcode = "QUERY"): DnsQuery => ({
  id: 1,
  opcode,
  rd: true,
  questions: [{ name, type, class: "IN" }],
});
const r = (
  rcode: string,
  answers: [string, string][],
  tc = false,
): DnsReply => ({
  id: 1,
  rcode,
  aa: false,
  tc,
  ra: true,
  answers: answers.map(([type, data]): DnsAnswer => ({
    name: "n",
    type,
    ttl: 1,
    data,
  })),
  answer_count: answers.length,
  authority_count: 0,
  additional_count: 0,
});

Deno.test("summarize shows the question, the rcode and the answers of the asked type", () => {
  assert.equal(
    summarize(q("example.com", "A"), r("NOERROR", [["A", "93.184.216.34"]])),
    "A example.com -> NOERROR 93.184.216.34",
  );
  assert.equal(
    summarize(q("x.test", "AAAA"), r("NXDOMAIN", [])),
    "AAAA x.test -> NXDOMAIN",
  );
  assert.equal(
    summarize(
      q("alias.test", "A"),
      r("NOERROR", [["CNAME", "host.test"], ["A", "10.0.0.7"]]),
    ),
    "A alias.test -> NOERROR 10.0.0.7",
  );
  assert.equal(
    summarize(q("alias.test", "A"), r("NOERROR", [["CNAME", "host.test"]])),
    "A alias.test -> NOERROR CNAME host.test",
  );
  const many = r("NOERROR", [
    ["A", "1.1.1.1"],
    ["A", "1.1.1.2"],
    ["A", "1.1.1.3"],
    ["A", "1.1.1.4"],
    ["A", "1.1.1.5"],
  ]);
  assert.equal(
    summarize(q("m.test", "A"), many),
    "A m.test -> NOERROR 1.1.1.1, 1.1.1.2, 1.1.1.3 (+2)",
  );
  assert.equal(
    summarize(q("big.test", "TXT"), r("NOERROR", [], true)),
    "TXT big.test -> NOERROR (truncated)",
  );
  assert.equal(
    summarize(
      q("zone.test", "AXFR"),
      r("NOERROR", [["SOA", "x"], ["A", "y"], ["SOA", "x"]]),
    ),
    "AXFR zone.test -> NOERROR 3 records",
  );
  assert.equal(
    summarize(q("zone.test", "SOA", "NOTIFY"), r("NOERROR", [])),
    "NOTIFY SOA zone.test -> NOERROR",
  );
  assert.equal(summarize(q("a.test", "A"), null), "A a.test -> (no response)");
  assert.equal(
    summarize({ id: 1, opcode: "QUERY", rd: false, questions: [] }, null),
    "? -> (no response)",
  );
});

Deno.test("dnsParser is named dns and starts connections empty", () => {
  assert.equal(dnsParser.protocol, "dns");
  const st = dnsParser.createState({ maxBodyBytes: -5, datagram: true });
  assert.equal(st.maxBodyBytes, 0);
  assert.equal(st.datagram, true);
  assert.equal(st.pending, 0);
  const out: never[] = [];
  dnsParser.finish(st, 1);
  dnsParser.match(st, out, true);
  assert.equal(out.length, 0);
});
