// Replays of traffic captured from a real memcached 1.6.18 (see
// testdata/capture.py): raw-socket text, noreply and meta sessions, and
// libmemcached-tools, each fed whole and split at every byte boundary.
import assert from "node:assert/strict";
import { Stream } from "../common/parser.ts";
import { memcachedParser as p } from "./mod.ts";
import { concat, load, replay, Sim } from "./testdata.ts";
import * as F from "./testdata/captured.ts";
import { META_LINES, NOREPLY_LINES, TEXT_LINES } from "./testdata/session.ts";
import type { McRequest, McResponse } from "./types.ts";

const lines = (s: Sim) => s.out.map((x) => p.summarize(x.req, x.resp).replace(/\b(c|cas=|la=)\d+/g, "$1#"));

Deno.test("text session: every command paired with its response", async () => {
  const s = await replay(F.TEXT[0]!);
  s.close(1e9);
  assert.equal(s.invalid, 0);
  assert.deepEqual(lines(s), TEXT_LINES);
  const gets = s.out[6]!;
  assert.deepEqual(gets.req, { command: "gets", keys: ["user:1", "nokey"] });
  assert.deepEqual(gets.resp, {
    status: "VALUE",
    values: [{ key: "user:1", flags: 0, size: 9, cas: 3, value: "<<alice!!" }],
  });
  assert.deepEqual([gets.reqBytes, gets.respBytes], [19, 36]);
  assert.deepEqual(s.out[7]!.req, {
    command: "cas",
    keys: ["user:1"],
    flags: 7,
    exptime: 0,
    value_size: 3,
    cas: 999999,
  });
  assert.deepEqual(s.out[9]!.req, { command: "gat", keys: ["user:1"], exptime: 100 });
  assert.deepEqual(s.out[13]!.resp, { status: "NUMBER", number: 15 });
  assert.deepEqual(s.out[15]!.resp, {
    status: "CLIENT_ERROR",
    error: "cannot increment or decrement non-numeric value",
  });
  const stats = s.out[23]!.resp as McResponse;
  assert.equal(stats.stats!.maxconns, "1024");
  assert.equal(stats.stat_count, 76);
  const long = s.out[24]!.req as McRequest;
  assert.deepEqual([long.keys[0]!.length, long.keys_truncated], [250, true]);
});

Deno.test("noreply session: noreply commands are records without a response at once, never stealing one", async () => {
  const s = new Sim();
  const reads = await load(F.NOREPLY[0]!);
  // The pipelined "set b … noreply" + "get b": the set is out before its get is answered.
  for (const [stream, b, ts] of reads) {
    s.push(stream, b, ts);
    if (stream === Stream.Request && new TextDecoder().decode(b).startsWith("set b")) {
      assert.deepEqual(s.out.at(-1)!.req, {
        command: "set",
        keys: ["b"],
        flags: 0,
        exptime: 0,
        value_size: 2,
        noreply: true,
      });
      assert.equal(s.out.at(-1)!.resp, null);
    }
  }
  s.close(1e9);
  assert.equal(s.invalid, 0);
  assert.deepEqual(lines(s), NOREPLY_LINES);
  assert.deepEqual(s.out[6]!.resp, { status: "VALUE", values: [{ key: "b", flags: 0, size: 2, value: "yy" }] });
});

Deno.test("meta session: quiet requests matched by k and O, suppressed ones without a response", async () => {
  const s = await replay(F.META[0]!);
  s.close(1e9);
  assert.equal(s.invalid, 0);
  assert.deepEqual(lines(s), META_LINES);
  assert.equal(s.state.suppressed, 3);
  assert.deepEqual(s.out[1]!.resp, { status: "VA", value_size: 5, meta_flags: "f3 t-1", value: "hello" });
  assert.deepEqual(s.out[9]!.req, {
    command: "ms",
    keys: ["m2"],
    value_size: 2,
    meta_flags: "q ME O2",
    quiet: true,
    opaque: "2",
  });
  assert.deepEqual(s.out[9]!.resp, { status: "NS", meta_flags: "O2", opaque: "2" });
  assert.deepEqual(s.out[19]!.resp, {
    status: "ME",
    key: "m1",
    meta_flags: (s.out[19]!.resp as McResponse).meta_flags,
  });
});

Deno.test("libmemcached-tools: memccp, memccat (a 16 KiB binary value cut to maxBodyBytes), memcstat", async () => {
  const got = [];
  for (const conn of F.TOOLS) {
    const s = await replay(conn, 64);
    s.close(1e9);
    assert.equal(s.invalid, 0);
    got.push(lines(s));
  }
  assert.deepEqual(got.map((l) => l.at(-1)), Array(F.TOOLS.length).fill("quit -> (noreply)"));
  assert.deepEqual(got.map((l) => l.slice(0, -1)), [
    ["set greeting.txt (18 B) -> STORED"],
    ["set big.bin (16384 B) -> STORED"],
    ["get greeting.txt -> 1 hit", "get big.bin -> 1 hit", "get nokey -> END"],
    ["add greeting.txt (0 B) -> NOT_STORED"],
    ["touch greeting.txt -> TOUCHED"],
    ["delete greeting.txt -> DELETED"],
    ["version -> VERSION 1.6.18", "stats -> 92 stats"],
    ["flush_all -> OK"],
  ]);
  const cat = await replay(F.TOOLS[2]!, 64);
  const big = (cat.out[1]!.resp as McResponse).values![0]!;
  assert.deepEqual([big.key, big.size, big.truncated, big.value.length], ["big.bin", 16384, true, 64]);
  assert.equal(cat.out[1]!.respBytes, "VALUE big.bin 0 16384\r\n".length + 16384 + 2 + 5);
  // The tracker never holds more than a line: values stream through.
  assert.ok(cat.maxHeld < 17000);
});

Deno.test("every capture gives the same records split at every byte boundary", async () => {
  for (const conns of [F.TEXT, F.NOREPLY, F.META, F.BINARY, F.TOOLS.slice(0, 1), F.TOOLS_BINARY.slice(1, 2)]) {
    for (const conn of conns) {
      const whole = await replay(conn);
      whole.close(1e9);
      const want = lines(whole);
      assert.ok(want.length > 0);
      const reads = await load(conn);
      const req = concat(reads.filter((r) => r[0] === Stream.Request).map((r) => r[1]));
      const resp = concat(reads.filter((r) => r[0] === Stream.Response).map((r) => r[1]));
      for (const [name, bytes, other] of [["req", req, resp], ["resp", resp, req]] as const) {
        for (let cut = 1; cut < bytes.length; cut++) {
          const s = new Sim();
          const first = name === "req" ? Stream.Request : Stream.Response;
          const second = first === Stream.Request ? Stream.Response : Stream.Request;
          if (first === Stream.Request) {
            s.push(first, bytes.subarray(0, cut), 1);
            s.push(first, bytes.subarray(cut), 2);
            s.push(second, other, 3);
          } else {
            s.push(second, other, 1);
            s.push(first, bytes.subarray(0, cut), 2);
            s.push(first, bytes.subarray(cut), 3);
          }
          s.close(9);
          assert.equal(s.invalid, 0, `${name} cut at ${cut}`);
          // noreply records come out as soon as their request is whole, so only the set is compared.
          assert.deepEqual(lines(s).sort(), [...want].sort(), `${name} cut at ${cut}`);
        }
      }
    }
  }
});

Deno.test("binary session: opcodes, quiet getq/getkq/setq passed over or matched by opcode, opaque and key", async () => {
  const s = await replay(F.BINARY[0]!);
  s.close(1e9);
  assert.equal(s.invalid, 0);
  assert.deepEqual(lines(s), [
    "set b1 (5 B) -> OK",
    "get b1 -> hit (5 B)",
    "get nokey -> NOT_FOUND Not found",
    "getq nokey -> (quiet: no response)",
    "getkq b1 -> hit (5 B)",
    "noop -> OK",
    "setq b2 (2 B) -> (quiet: no response)",
    "noop -> OK",
    "incr cnt 5 -> 17",
    "incr cnt 5 -> 22",
    "delete nokey -> NOT_FOUND Not found",
    "version -> VERSION 1.6.18",
    "stat settings -> 76 stats",
    "quit -> OK",
  ]);
  assert.deepEqual(s.out[0]!.req, {
    command: "set",
    keys: ["b1"],
    binary: true,
    opaque: "1",
    flags: 3,
    exptime: 0,
    value_size: 5,
  });
  assert.deepEqual(s.out[1]!.resp, {
    status: "OK",
    opcode: "get",
    opaque: "2",
    flags: 3,
    cas: 15,
    value_size: 5,
    value: "hello",
  });
  assert.deepEqual(s.out[2]!.resp, {
    status: "NOT_FOUND",
    opcode: "get",
    opaque: "3",
    value_size: 9,
    error: "Not found",
  });
  assert.deepEqual(s.out[8]!.req, {
    command: "incr",
    keys: ["cnt"],
    binary: true,
    opaque: "9",
    delta: 5,
    exptime: 0,
  });
  const stat = s.out[12]!.resp as McResponse;
  assert.deepEqual([stat.stats!.maxconns, stat.stat_count], ["1024", 76]);
  assert.equal(s.out[12]!.respBytes, 3123);
});

Deno.test("libmemcached-tools --binary: memccp, memccat (getk), memcrm, memcstat, memcflush", async () => {
  const got = [];
  for (const conn of F.TOOLS_BINARY) {
    const s = await replay(conn);
    s.close(1e9);
    assert.equal(s.invalid, 0);
    got.push(lines(s));
  }
  assert.deepEqual(got, [
    ["set greeting.txt (18 B) -> OK", "quit -> OK"],
    ["getk greeting.txt -> hit (18 B)", "getk nokey -> NOT_FOUND", "quit -> (no response)"],
    ["delete greeting.txt -> OK", "quit -> (no response)"],
    ["version -> VERSION 1.6.18", "stat -> 92 stats", "quit -> (no response)"],
    ["flush -> OK", "quit -> OK"],
  ]);
});
