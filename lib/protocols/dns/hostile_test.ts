import assert from "node:assert/strict";
import type { Exchange } from "../common/parser.ts";
import { dnsParser as p } from "./mod.ts";
import { MAX_PENDING } from "./match.ts";
import { concat, Req, Resp, Sim, unhex } from "./testdata.ts";

const hex = (n: number) => n.toString(16).padStart(4, "0");

/** A response header: id 1, RD and RA set, `qd` questions, `an` answers. */
const header = (qd: number, an: number) => unhex(`0001 8180 ${hex(qd)} ${hex(an)} 0000 0000`);

/**
 * A response to a root query whose first answer's data is a chain of
 * `depth` pointers, each to the one before, and whose other answers are
 * named by the chain's end: each name takes `depth + 1` jumps.
 */
function chained(depth: number, an: number): Uint8Array {
  // Question: root A IN. First answer: root, TYPE65280, IN, ttl 1, the chain.
  let body = `00 0001 0001  00 ff00 0001 00000001 ${hex(2 * depth)}`;
  for (let i = 0; i < depth; i++) {
    body += hex(0xc000 | (i === 0 ? 12 : 28 + 2 * (i - 1)));
  }
  const last = hex(0xc000 | (28 + 2 * (depth - 1)));
  body += `${last} 0001 0001 00000001 0000`.repeat(an - 1);
  return concat(header(1, an), unhex(body));
}

Deno.test("hostile: pointer chains in every answer stay bounded in time", () => {
  const msg = chained(127, 5000);
  const s = new Sim(true);
  s.push(Req, "0001 0100 0001 0000 0000 0000 00 0001 0001", 1);
  const t0 = performance.now();
  s.push(Resp, msg, 2);
  for (let i = 0; i < 20; i++) p.parseFrame(s.state, Resp, msg, 3, 3);
  assert.ok(performance.now() - t0 < 1000, `${performance.now() - t0} ms`);
  assert.equal(s.out.length, 1);
  assert.equal((s.out[0]!.resp as { answer_count: number }).answer_count, 5000);
  const deeper = chained(128, 5000);
  assert.equal(
    p.parseFrame(s.state, Resp, deeper, 4, 4),
    -1,
    "one jump too many",
  );
});

Deno.test("hostile: absurd counts, loops and pointers past the message are rejected", () => {
  const st = p.createState({ maxBodyBytes: 64, datagram: true });
  const bad = [
    concat(header(65535, 65535), unhex("00 0001 0001")),
    unhex("0001 0100 0001 0000 0000 0000 c00c 0001 0001"), // question points at itself
    concat(header(1, 1), unhex("00 0001 0001 c011 0001 0001 00000000 0000")), // answer name points at itself
    concat(header(1, 1), unhex("00 0001 0001 c0ff 0001 0001 00000000 0000")), // pointer past the message
    concat(header(1, 1), unhex("00 0001 0001 00 0001 0001 00000000 0009 01")), // rdlength past the end
    concat(header(1, 0), unhex("3f 616263 0001 0001")), // label past the end
  ];
  for (const [i, m] of bad.entries()) {
    assert.equal(
      p.parseFrame(st, i === 1 ? Req : Resp, m, 1, 1),
      -1,
      `case ${i}`,
    );
  }
  assert.equal(st.pending + st.ready.length, 0);
});

Deno.test("hostile: a flood of unanswered queries keeps memory bounded", () => {
  const st = p.createState({ maxBodyBytes: 64, datagram: true });
  const out: Exchange[] = [];
  const q = unhex("0000 0100 0001 0000 0000 0000 0161 00 0001 0001");
  for (let i = 0; i < 3 * MAX_PENDING; i++) {
    q[0] = i >> 8;
    q[1] = i & 255;
    p.parseFrame(st, Req, q, i, i);
  }
  assert.equal(st.pending, MAX_PENDING);
  assert.equal(st.ready.length, 2 * MAX_PENDING);
  p.match(st, out, false);
  assert.equal(st.ready.length, 0);
  assert.equal(out.length, 2 * MAX_PENDING);
  assert.ok(out.every((x) => x.resp === null));
  assert.ok(st.buckets.length <= 4096);
});
