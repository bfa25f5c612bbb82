/**
 * A short fuzz pass over every protocol (tests/fuzz/fuzz.ts): seeded, so a
 * failure replays with `deno task fuzz --seed N`.
 */
import assert from "node:assert/strict";
import { fuzzProtocol, garbageHeapGrowthMb, MAX_EVENT_MS, SEEDS } from "./fuzz/fuzz.ts";
import { protocolNames } from "../lib/protocols/registry.ts";

const SECONDS = Number(Deno.env.get("L7TRACE_FUZZ_SECONDS") ?? "2");

Deno.test("every protocol has fuzz seeds", () => {
  assert.deepEqual(protocolNames().filter((p) => !SEEDS[p]), []);
});

for (const protocol of Object.keys(SEEDS)) {
  Deno.test(`fuzz ${protocol}: mutated, split, lossy traffic never throws or hangs, and leaves nothing behind`, () => {
    for (const seed of [1, 2, 3]) {
      const r = fuzzProtocol(protocol, seed * 7919, (SECONDS * 1000) / 3);
      assert.ok(r.iterations > 50, `only ${r.iterations} connections fuzzed`);
      assert.ok(r.maxEventMs < MAX_EVENT_MS);
    }
  });

  Deno.test(`fuzz ${protocol}: 8 MB of garbage on one connection keeps memory bounded`, () => {
    const growth = garbageHeapGrowthMb(protocol, 8);
    assert.ok(growth < 24, `heap grew ${growth.toFixed(1)} MB`);
  });
}

import { Direction, EventWriter, Role } from "../ffi/event_writer.ts";
import { Tracker } from "../lib/conn/tracker.ts";
import { PROTOCOLS } from "../lib/protocols/registry.ts";

Deno.test("fuzz seeds are valid exchanges (the fuzzer mutates real messages)", () => {
  for (const [protocol, pairs] of Object.entries(SEEDS)) {
    const entry = PROTOCOLS.find((p) => p.parser.protocol === protocol)!;
    const answered: boolean[] = [];
    const t = new Tracker({ maxBodyBytes: 64 }, (_p, _c, ex) => answered.push(ex.resp !== null));
    const w = new EventWriter();
    const c = { connId: 1, tgid: 1, fd: 3 };
    w.open(c, 1, { role: Role.Client, protocol: entry.id });
    const pos = [0, 0];
    let ts = 10;
    for (const [q, r] of pairs) {
      w.data(c, ts += 10, Direction.Send, pos[0]!, q, pos[1]);
      pos[0]! += q.length;
      if (r.length) w.data(c, ts += 10, Direction.Recv, pos[1]!, r, pos[0]);
      pos[1]! += r.length;
    }
    w.close(c, ts + 1, pos[0]!, pos[1]!);
    t.handleBatch(w.bytes, w.bytes.length);
    assert.equal(answered.length, pairs.length, `${protocol}: ${answered.length} exchanges of ${pairs.length}`);
  }
});
