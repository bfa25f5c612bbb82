import { type Exchange, Stream } from "../common/parser.ts";
import { dnsParser } from "./mod.ts";
import { unhex } from "./testdata.ts";
import { DNSMASQ_UDP, UNBOUND_BURST_REQ, UNBOUND_BURST_RESP } from "./testdata/captured.ts";
import { clearArray } from "../common/arrays.ts";

// dig's A query for host.test (EDNS with a cookie) and dnsmasq's answer.
const A_QUERY = unhex(DNSMASQ_UDP.HOST_A!.q);
const A_REPLY = unhex(DNSMASQ_UDP.HOST_A!.r);
// unbound's answer with two A records and name compression.
const WWW_QUERY = unhex(UNBOUND_BURST_REQ[0]!);
const WWW_REPLY = unhex(UNBOUND_BURST_RESP[0]!);

const out: Exchange[] = [];
let ts = 0;

function pair(datagram: boolean, q: Uint8Array, r: Uint8Array) {
  const state = dnsParser.createState({ maxBodyBytes: 4096, datagram });
  return () => {
    ts += 2;
    dnsParser.parseFrame(state, Stream.Request, q, ts, ts);
    dnsParser.parseFrame(state, Stream.Response, r, ts + 1, ts + 1);
    dnsParser.match(state, out, false);
    if (out.length !== 1) throw new Error("no exchange");
    clearArray(out);
  };
}

const tcp = (m: Uint8Array) => {
  const b = new Uint8Array(m.length + 2);
  b[0] = m.length >> 8;
  b[1] = m.length & 0xff;
  b.set(m, 2);
  return b;
};

Deno.bench(
  "dnsParser UDP A query + answer parsed and matched (dig/dnsmasq)",
  pair(true, A_QUERY, A_REPLY),
);
Deno.bench(
  "dnsParser UDP A query + 2 answers (unbound)",
  pair(true, WWW_QUERY, WWW_REPLY),
);
Deno.bench(
  "dnsParser TCP A query + answer parsed and matched",
  pair(false, tcp(A_QUERY), tcp(A_REPLY)),
);
