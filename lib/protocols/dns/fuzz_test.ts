import assert from "node:assert/strict";
import type { Exchange } from "../common/parser.ts";
import { dnsParser as p } from "./mod.ts";
import { concat, Req, Resp, rng, Sim, tcp, unhex } from "./testdata.ts";
import * as captured from "./testdata/captured.ts";

const CAPTURED: Uint8Array[] = [
  ...Object.values(captured.DNSMASQ_UDP).flatMap((
    { q, r },
  ) => [unhex(q), unhex(r)]),
  ...[
    captured.DNSMASQ_AXFR_RESP[0]!,
    captured.DNSMASQ_IXFR_REQ[0]!,
    captured.DNSMASQ_IXFR_RESP[0]!,
  ]
    .map((h) => unhex(h).subarray(2)),
  ...captured.UNBOUND_BURST_REQ.map(unhex),
  ...captured.UNBOUND_BURST_RESP.map(unhex),
];

function randomBytes(
  rand: () => number,
  n: number,
  pointers: boolean,
): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = rand();
    // Bias towards bytes that steer the decoder: pointers, small lengths, zeros.
    b[i] = pointers && x < 0.2 ? 0xc0 : pointers && x < 0.5 ? Math.floor(x * 64) : Math.floor(rand() * 256);
  }
  return b;
}

/** Every parser entry point on `b`; checks the result ranges. */
function poke(b: Uint8Array, rand: () => number): void {
  const out: Exchange[] = [];
  const udp = p.createState({ maxBodyBytes: 64, datagram: true });
  const st = p.createState({ maxBodyBytes: 64, datagram: false });
  for (const stream of [Req, Resp]) {
    const n = p.parseFrame(udp, stream, b, 1, 1);
    assert.ok(n === -1 || n === b.length, `udp ${n}`);
    const m = p.parseFrame(st, stream, b, 1, 1);
    assert.ok(m >= -1 && m <= b.length, `tcp ${m}`);
    if (m > 0) assert.equal(m, 2 + ((b[0]! << 8) | b[1]!));
    const at = p.findBoundary(st, stream, b, Math.floor(rand() * 4));
    assert.ok(at === -1 || (at >= 0 && at < b.length));
    assert.ok([-1, 0].includes(p.findBoundary(udp, stream, b, 0)));
  }
  p.match(udp, out, false);
  p.match(st, out, true);
  for (const x of out) JSON.stringify(x);
}

Deno.test("fuzz: random bytes never throw", () => {
  const rand = rng(1);
  for (let i = 0; i < 20000; i++) {
    const b = randomBytes(rand, Math.floor(rand() * 300), i % 2 === 0);
    if (i % 3 === 0 && b.length > 12) {
      // A plausible header, so the decoder gets past it.
      b.set([
        0,
        1,
        i % 4 === 0 ? 0x81 : 0x01,
        0,
        0,
        1 + (i % 3),
        0,
        i % 7,
        0,
        i % 5,
        0,
        i % 2,
      ], 0);
    }
    poke(b, rand);
    poke(concat(new Uint8Array([b.length >> 8, b.length & 255]), b), rand);
  }
});

Deno.test("fuzz: captured messages with random bytes changed never throw", () => {
  const rand = rng(2);
  for (let i = 0; i < 20000; i++) {
    const b = CAPTURED[i % CAPTURED.length]!.slice();
    const flips = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < flips; k++) {
      b[Math.floor(rand() * b.length)] = rand() < 0.3 ? 0xc0 + Math.floor(rand() * 2) : Math.floor(rand() * 256);
    }
    const cut = rand() < 0.2 ? b.subarray(0, Math.floor(rand() * b.length)) : b;
    poke(cut, rand);
    poke(tcp(cut), rand);
  }
});

Deno.test("fuzz: TCP streams of random and damaged messages in random reads", () => {
  const rand = rng(3);
  for (let round = 0; round < 300; round++) {
    const s = new Sim(false, 32);
    const parts: Uint8Array[] = [];
    for (let k = 0; k < 8; k++) {
      const m = CAPTURED[Math.floor(rand() * CAPTURED.length)]!.slice();
      if (rand() < 0.3) {
        m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
      }
      parts.push(rand() < 0.1 ? randomBytes(rand, 40, true) : tcp(m));
    }
    const all = concat(...parts);
    let ts = 1;
    for (let at = 0; at < all.length;) {
      const n = 1 + Math.floor(rand() * 90);
      s.push(rand() < 0.5 ? Req : Resp, all.subarray(at, at + n), ts++);
      at += n;
    }
    s.close(ts);
    assert.ok(s.held(Req) <= 65537 && s.held(Resp) <= 65537);
  }
});
