import assert from "node:assert/strict";
import { type Exchange, Stream } from "../common/parser.ts";
import { pgsqlParser as p } from "./mod.ts";
import { MAX_DONE, MAX_TOKENS } from "./match.ts";
import { MAX_PENDING, MAX_PORTALS, MAX_STATEMENTS } from "./request.ts";
import { be, cat, type Chunk, fe, rng, unpackCapture } from "./testdata.ts";
import { replay, Sim } from "./sim.ts";
import * as caps from "./testdata/captures.ts";
import type { PgsqlState } from "./types.ts";

function bounded(s: PgsqlState): void {
  assert.ok(s.reqQueue.length <= MAX_PENDING);
  assert.ok(s.respQueue.length <= MAX_TOKENS + 256);
  assert.ok(s.done.length <= MAX_DONE);
  assert.ok(s.statements.size <= MAX_STATEMENTS);
  assert.ok(s.portals.size <= MAX_PORTALS);
  assert.ok((s.fe.keep?.length ?? 0) <= s.maxBodyBytes + 4096);
  assert.ok((s.be.keep?.length ?? 0) <= s.maxBodyBytes + 4096);
}

function randomBytes(r: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** Messages of both directions, valid framing, random order and content. */
function randomMessage(r: () => number): [Stream, Uint8Array] {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const word = () => pick(["", "s1", "p", "SELECT 1", "x".repeat(Math.floor(r() * 300))]);
  const reqs = [
    () => fe.query(word()),
    () => fe.parse(word(), word()),
    () => fe.bind(word(), word(), [word(), null], [Math.floor(r() * 2)]),
    () => fe.describe(pick(["S", "P"] as const), word()),
    () => fe.execute(word(), Math.floor(r() * 3)),
    () => fe.close(pick(["S", "P"] as const), word()),
    fe.sync,
    fe.flush,
    () => fe.copyData(word()),
    fe.copyDone,
    () => fe.fn(1, [word()]),
    fe.terminate,
  ];
  const resps = [
    be.parseOk,
    be.bindOk,
    be.closeOk,
    be.noData,
    be.empty,
    be.suspended,
    () => be.paramDesc(23),
    () => be.rowDesc(word()),
    () => be.row(word(), null),
    () => be.done(pick(["SELECT 1", "INSERT 0 1", "COPY 2"])),
    () => be.error("42P01", word()),
    () => be.notice(word()),
    () => be.ready(pick(["I", "T", "E"])),
    be.copyIn,
    be.copyOut,
    () => be.copyData(word()),
    () => be.notify(1, "c", word()),
    () => be.status("a", word()),
    () => be.fnResult(word()),
  ];
  return r() < 0.4 ? [Stream.Request, pick(reqs)()] : [Stream.Response, pick(resps)()];
}

Deno.test("random bytes on both streams never throw and keep state bounded", () => {
  const r = rng(11);
  for (let iter = 0; iter < 3000; iter++) {
    const sim = new Sim(Math.floor(r() * 64), r() < 0.5);
    for (let k = 0; k < 8; k++) {
      const stream = r() < 0.5 ? Stream.Request : Stream.Response;
      const data = r() < 0.3
        ? cat(stream === Stream.Request ? fe.query("x") : be.ready(), randomBytes(r, 40))
        : randomBytes(r, 1 + Math.floor(r() * 64));
      sim.push(stream, data, iter * 100 + k);
      if (r() < 0.1) sim.skip(stream, Math.floor(r() * 100), iter * 100 + k);
    }
    sim.close(iter * 100 + 99);
    bounded(sim.state);
  }
});

Deno.test("random valid messages in random order never throw and never outgrow the caps", () => {
  const r = rng(12);
  for (let iter = 0; iter < 300; iter++) {
    const sim = new Sim(32, true);
    for (let k = 0; k < 60; k++) {
      const [stream, m] = randomMessage(r);
      sim.push(stream, m, iter * 1000 + k);
      bounded(sim.state);
    }
    sim.close(iter * 1000 + 999);
    for (const x of sim.out) assert.ok(x.reqBytes > 0 && x.respBytes >= 0);
  }
});

Deno.test("mutated and truncated real captures never throw", async () => {
  const r = rng(13);
  for (const [name, b64] of Object.entries(caps)) {
    if (name === "PSQL_SESSION") continue;
    const chunks = await unpackCapture(b64);
    for (let iter = 0; iter < 200; iter++) {
      const copy: Chunk[] = chunks.map((c) => ({ stream: c.stream, bytes: c.bytes.slice() }));
      for (let k = Math.floor(r() * 5); k >= 0; k--) {
        const c = copy[Math.floor(r() * copy.length)]!;
        if (c.bytes.length > 0) c.bytes[Math.floor(r() * c.bytes.length)] = Math.floor(r() * 256);
      }
      const cut = copy.slice(0, 1 + Math.floor(r() * copy.length));
      const last = cut[cut.length - 1]!;
      last.bytes = last.bytes.subarray(0, Math.floor(r() * (last.bytes.length + 1)));
      bounded(replay(cut, 1 + Math.floor(r() * 100)).state);
    }
  }
});

Deno.test("absurd lengths for every type byte are rejected or framed, never thrown on", () => {
  const lens = [0, 1, 3, 4, 5, 8, 12, 0x3fffffff, 0x40000000, 0x40000001, 0x7fffffff, 0x80000000, 0xffffffff];
  for (let tag = 0; tag < 256; tag++) {
    for (const len of lens) {
      for (const stream of [Stream.Request, Stream.Response]) {
        const s = p.createState({ maxBodyBytes: 16, datagram: false });
        const b = new Uint8Array([tag, len >>> 24, (len >>> 16) & 255, (len >>> 8) & 255, len & 255, 0, 0, 0, 0, 0]);
        const n = p.parseFrame(s, stream, b, 1, 1);
        assert.ok(n >= -1 && n <= b.length);
        if (len > 0x40000000 || len < 4) assert.ok(n <= 0 || tag === 0 || (stream === Stream.Response && n === 1));
        const at = p.findBoundary(s, stream, b, 0);
        assert.ok(at === -1 || (at >= 0 && at < b.length));
        const out: Exchange[] = [];
        p.match(s, out, true);
      }
    }
  }
});

Deno.test("parseFrame and findBoundary contracts hold on random buffers", () => {
  const r = rng(14);
  const s = p.createState({ maxBodyBytes: 8, datagram: false });
  for (let iter = 0; iter < 20000; iter++) {
    const stream = r() < 0.5 ? Stream.Request : Stream.Response;
    const b = randomBytes(r, Math.floor(r() * 48));
    if (b.length > 0 && r() < 0.5) b[0] = "QPBEDCSHXFZTDCEN123tn".charCodeAt(Math.floor(r() * 21));
    if (b.length > 4 && r() < 0.5) b[1] = b[2] = 0;
    const n = p.parseFrame(s, stream, b, iter, iter);
    assert.ok(Number.isInteger(n) && n >= -1 && n <= b.length);
    const from = Math.floor(r() * (b.length + 1));
    const at = p.findBoundary(s, stream, b, from);
    assert.ok(at === -1 || (at >= from && at < b.length));
    if (r() < 0.05) p.skip(s, stream, Math.floor(r() * 1000), iter);
    if (r() < 0.05) p.reset(s);
    const out: Exchange[] = [];
    p.match(s, out, r() < 0.05);
    bounded(s);
  }
});
