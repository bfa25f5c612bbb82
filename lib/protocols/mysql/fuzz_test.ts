import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { mysqlParser as p } from "./mod.ts";
import { cat, chunks, ok, pkt, query, rng, Sim } from "./testdata.ts";
import { TrackerSim } from "./tracker_sim.ts";
import { BINARY_EOF } from "./testdata/binary_eof.ts";
import { CHANGE_USER } from "./testdata/change_user.ts";
import { CLI_TEXT } from "./testdata/cli_text.ts";
import { MAX_QUEUE, MAX_STMTS } from "./types.ts";

const Req = Stream.Request;
const Resp = Stream.Response;

function bytesFrom(r: () => number, n: number, lowBias: boolean): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    b[i] = lowBias && r() < 0.5 ? (r() * 4) | 0 : (r() * 256) | 0;
  }
  return b;
}

function checkInvariants(
  s: { state: ReturnType<typeof p.createState>; out: { reqStartNs: number; respStartNs: number }[] },
): void {
  assert.ok(s.state.queue.length <= MAX_QUEUE);
  assert.ok(s.state.stmts.size <= MAX_STMTS);
  for (const x of s.out) assert.ok(x.respStartNs === -1 || x.respStartNs >= x.reqStartNs);
}

Deno.test("random bytes on both streams never throw and keep state bounded", () => {
  const r = rng(1234);
  for (let iter = 0; iter < 3000; iter++) {
    const s = new Sim(64);
    const t = new TrackerSim(64);
    for (let k = 0; k < 6; k++) {
      const stream = r() < 0.5 ? Req : Resp;
      const d = bytesFrom(r, 1 + ((r() * 200) | 0), iter % 2 === 0);
      // Valid commands now and then, so that responses get parsed too.
      const data = r() < 0.3 ? cat(query("SELECT 1"), d) : d;
      s.push(stream, data, iter * 10 + k);
      t.data(stream, data, iter * 10 + k);
      if (r() < 0.1) s.skip(stream, (r() * 100) | 0, iter * 10 + k);
    }
    s.close(iter * 10 + 9);
    t.close(iter * 10 + 9);
    checkInvariants(s);
    checkInvariants(t);
  }
});

Deno.test("mutated and truncated captured sessions never throw", () => {
  const r = rng(99);
  for (const session of [CLI_TEXT, BINARY_EOF, CHANGE_USER]) {
    const cs = chunks(session);
    for (let iter = 0; iter < 150; iter++) {
      const t = new TrackerSim(32);
      const s = new Sim(32);
      const stop = (r() * cs.length) | 0;
      cs.slice(0, iter % 3 === 0 ? stop : cs.length).forEach((c, i) => {
        const d = c.data.slice();
        for (let m = 0; m < 3; m++) if (r() < 0.3) d[(r() * d.length) | 0] = (r() * 256) | 0;
        const cut = r() < 0.2 ? (r() * d.length) | 0 : d.length;
        t.data(c.stream, d.subarray(0, cut), 1000 + 10 * i);
        s.push(c.stream, d.subarray(0, cut), 1000 + 10 * i);
      });
      t.close(1e9);
      s.close(1e9);
      checkInvariants(t);
      checkInvariants(s);
    }
  }
});

Deno.test("absurd lengths and bare maximum-length headers are bounded", () => {
  const st = p.createState({ maxBodyBytes: 1024, datagram: false });
  const bare = new Uint8Array([0xff, 0xff, 0xff, 0]);
  assert.equal(p.parseFrame(st, Req, bare, 1, 1), 0);
  // A 16 MiB query announced, 1 byte present: consumed, bounded keep.
  assert.equal(p.parseFrame(st, Req, cat(bare, [0x03]), 1, 1), 5);
  assert.ok(st.req.keep!.length <= 1024 + 1024);
  assert.equal(p.skip(st, Req, 0xfffffe, 2), true);
  assert.equal(p.parseFrame(st, Req, pkt(1, "x"), 3, 3), 5);
  assert.equal(st.queue.length, 1);
  assert.equal(st.queue[0]!.bytes, 4 + 0xffffff + 5);
  // A response packet announcing 16 MiB waits for at most 16 KiB of it.
  const r = p.createState({ maxBodyBytes: 1024, datagram: false });
  p.parseFrame(r, Req, query("SELECT 1"), 1, 1);
  assert.equal(p.parseFrame(r, Resp, new Uint8Array([0xff, 0xff, 0xff, 1, 0]), 2, 2), 0);
  const big = new Uint8Array(4 + 16384);
  big.set([0xff, 0xff, 0xff, 1, 0, 0, 0, 2, 0, 0, 0]);
  assert.equal(p.parseFrame(r, Resp, big, 2, 2), big.length);
  // Column counts above 65535 are invalid; a short 0xFE packet is an OK.
  for (const [count, want] of [[[0xfd, 0, 0, 1], -1], [[0xfe, 1, 0, 0, 0, 0, 0, 0, 0], 13]] as const) {
    const c = p.createState({ maxBodyBytes: 1024, datagram: false });
    p.parseFrame(c, Req, query("SELECT 1"), 1, 1);
    assert.equal(p.parseFrame(c, Resp, pkt(1, [...count]), 2, 2), want);
  }
  // Garbage where a response is expected, then the right one.
  const s = new Sim();
  s.push(Req, query("SELECT 1"), 1);
  s.push(Resp, cat(pkt(1, [0x03, 0x64]), ok(1)), 2);
  assert.equal(s.invalid, 1);
});

Deno.test("random losses never produce a wrong pair", () => {
  const r = rng(5);
  for (const session of [BINARY_EOF, CHANGE_USER, CLI_TEXT]) {
    const full = new Sim();
    full.replay(session);
    full.close(1e9);
    const byStart = new Map(full.out.map((x) => [x.reqStartNs, x]));
    const cs = chunks(session);
    for (let iter = 0; iter < 150; iter++) {
      const t = new TrackerSim();
      cs.forEach((c, i) => {
        const d = c.data;
        if (r() >= 0.15) return t.data(c.stream, d, 1000 + 10 * i);
        const a = (r() * d.length) | 0;
        const n = 1 + ((r() * (d.length - a)) | 0);
        t.data(c.stream, d.subarray(0, a), 1000 + 10 * i);
        t.gap(c.stream, n, 1000 + 10 * i);
        t.data(c.stream, d.subarray(a + n), 1000 + 10 * i);
      });
      t.close(1e9);
      for (const x of t.out) {
        const f = byStart.get(x.reqStartNs);
        assert.ok(f);
        assert.equal((x.req as { command: string }).command, (f.req as { command: string }).command);
        if (x.resp !== null) assert.deepEqual(x.resp, f.resp);
      }
    }
  }
});
