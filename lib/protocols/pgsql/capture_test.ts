import assert from "node:assert/strict";
import type { Exchange } from "../common/parser.ts";
import { summarize } from "./mod.ts";
import { type Chunk, rng, unpackCapture } from "./testdata.ts";
import { replay, Sim } from "./sim.ts";
import * as caps from "./testdata/captures.ts";

const all = caps as Record<string, string>;

function lines(out: Exchange[]): string[] {
  return out.map((x) => summarize(x.req, x.resp));
}

/** Records without timestamps, for runs whose reads differ. */
function untimed(out: Exchange[]): unknown[] {
  return out.map((x) => [x.req, x.resp, x.reqBytes, x.respBytes]);
}

/** Replay with each chunk cut into pieces by `cuts` (same time for all pieces). */
function replaySplit(chunks: Chunk[], cuts: (c: Chunk, i: number) => number[]): Sim {
  const sim = new Sim();
  let ts = 0;
  chunks.forEach((c, i) => {
    ts += 10;
    let at = 0;
    for (const k of [...cuts(c, i), c.bytes.length]) {
      if (k > at) sim.push(c.stream, c.bytes.subarray(at, k), ts);
      at = Math.max(at, k);
    }
  });
  sim.close(ts + 10);
  return sim;
}

Deno.test("psql session: SSLRequest answered N, startup, simple queries of every kind", async () => {
  const sim = replay(await unpackCapture(caps.PSQL_SESSION));
  assert.equal(sim.invalid, 0);
  assert.equal(sim.state.mismatches + sim.state.orphanResponses, 0);
  assert.deepEqual(lines(sim.out), [
    "drop table if exists t; -> DROP TABLE",
    "create table t(id int primary key, name text); -> CREATE TABLE",
    "insert into t values (1,'a'),(2,'b'),(3,'c'); -> INSERT 0 3",
    "select * from t order by id; -> SELECT 3",
    'select * from nosuch; -> ERROR 42P01 relation "nosuch" does not exist',
    "select 1 as one ; select 2 as two ; update t set name = 'z'… -> SELECT 1; SELECT 1; UPDATE 1",
    "set application_name = 'cap'; -> SET",
    "copy t from stdin; -> COPY 2",
    "copy t to stdout; -> COPY 5",
    "listen ch; -> LISTEN",
    "notify ch, 'hello'; -> NOTIFY",
    "begin; -> BEGIN",
    "select 1/0; -> ERROR 22012 division by zero",
    "rollback; -> ROLLBACK",
    "select n, repeat('x', 200) as pad from generate_series(1, 5… -> SELECT 5000",
  ]);
  // The notice and the response come in two reads: 60 and 70.
  assert.deepEqual(sim.out[0], {
    req: { type: "query", query: "drop table if exists t;" },
    resp: { status: "ok", command_tag: "DROP TABLE", rows: 0 },
    reqStartNs: 50,
    reqEndNs: 50,
    respStartNs: 60,
    respEndNs: 70,
    reqBytes: 29,
    respBytes: 131,
  });
  assert.deepEqual(sim.out[4]!.resp, {
    status: "error",
    rows: 0,
    error_code: "42P01",
    error_message: 'relation "nosuch" does not exist',
    error_severity: "ERROR",
  });
  // COPY FROM STDIN: the client's CopyData/CopyDone (read at 230) belong to the query.
  const copy = sim.out[7]!;
  assert.deepEqual([copy.reqStartNs, copy.reqEndNs, copy.respStartNs, copy.respEndNs], [210, 230, 220, 240]);
  assert.deepEqual([copy.reqBytes, copy.respBytes], [24 + 21, 12 + 18]);
  // The 5000-row result: over 1 MiB, counted, never held.
  const big = sim.out[14]!;
  assert.deepEqual(big.resp, { status: "ok", command_tag: "SELECT 5000", rows: 5000 });
  assert.equal(big.respBytes, 1093965);
  assert.ok(big.respBytes > 1 << 20);
});

Deno.test("pgbench -M simple: one record per Query, setup connection excluded", async () => {
  const sim = replay(await unpackCapture(caps.PGBENCH_SIMPLE));
  assert.equal(sim.out.length, 35);
  assert.deepEqual(lines(sim.out.slice(0, 7)), [
    "BEGIN; -> BEGIN",
    "UPDATE pgbench_accounts SET abalance = abalance + 4044 WHER… -> UPDATE 1",
    "SELECT abalance FROM pgbench_accounts WHERE aid = 50590; -> SELECT 1",
    "UPDATE pgbench_tellers SET tbalance = tbalance + 4044 WHERE… -> UPDATE 1",
    "UPDATE pgbench_branches SET bbalance = bbalance + 4044 WHER… -> UPDATE 1",
    "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) V… -> INSERT 0 1",
    "END; -> COMMIT",
  ]);
});

Deno.test("pgbench -M extended: Parse/Bind/Describe/Execute/Sync is one record with its params", async () => {
  const sim = replay(await unpackCapture(caps.PGBENCH_EXTENDED));
  assert.equal(sim.out.length, 35);
  assert.deepEqual(sim.out[1], {
    req: {
      type: "execute",
      query: "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;",
      params: ["-410", "36079"],
    },
    resp: { status: "ok", command_tag: "UPDATE 1", rows: 0 },
    reqStartNs: 70,
    reqEndNs: 70,
    respStartNs: 80,
    respEndNs: 80,
    reqBytes: 131,
    respBytes: 35,
  });
  assert.deepEqual(sim.out[2]!.resp, { status: "ok", command_tag: "SELECT 1", rows: 1 });
});

Deno.test("pgbench -M prepared: a parse record per statement, then executes by name", async () => {
  const sim = replay(await unpackCapture(caps.PGBENCH_PREPARED));
  assert.equal(sim.out.length, 35 + 7);
  assert.deepEqual(sim.out[2]!.req, {
    type: "parse",
    query: "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;",
    statement: "P_1",
  });
  assert.deepEqual(sim.out[2]!.resp, { status: "ok", rows: 0 });
  assert.deepEqual(sim.out[3]!.req, {
    type: "execute",
    query: "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;",
    statement: "P_1",
    params: ["2341", "65176"],
  });
  // Later transactions reuse the statements: no more parse records.
  assert.equal(sim.out.slice(14).filter((x) => (x.req as { type: string }).type === "parse").length, 0);
});

Deno.test("pipelined batches pair each Execute with its own CommandComplete", async () => {
  for (const name of ["PIPELINE_EXTENDED", "PIPELINE_PREPARED"]) {
    const sim = replay(await unpackCapture(all[name]!));
    const execs = sim.out.filter((x) => (x.req as { type: string }).type === "execute");
    const three = [
      "SELECT abalance FROM pgbench_accounts WHERE aid = $1; -> SELECT 1",
      "UPDATE pgbench_tellers SET tbalance = tbalance + 1 WHERE ti… -> UPDATE 1",
      "SELECT 1; -> SELECT 1",
    ];
    assert.deepEqual(lines(execs), [...three, ...three]);
    assert.deepEqual(execs.map((x) => (x.resp as { rows: number }).rows), [1, 0, 1, 1, 0, 1]);
    // The batch's bytes are shared out exactly: one read each way.
    const batch = execs.slice(0, 3);
    assert.equal(batch.reduce((n, x) => n + x.reqBytes, 0), name === "PIPELINE_EXTENDED" ? 264 : 118);
    assert.equal(batch.reduce((n, x) => n + x.respBytes, 0), name === "PIPELINE_EXTENDED" ? 175 : 160);
  }
});

Deno.test("an error in a pipeline: later Executes are reported skipped with the batch's error", async () => {
  const sim = replay(await unpackCapture(caps.PIPELINE_ERROR));
  const err = {
    error_code: "42P01",
    error_message: 'relation "nosuch" does not exist',
    error_severity: "ERROR",
  };
  assert.deepEqual(sim.out.map((x) => x.resp), [
    { status: "ok", command_tag: "SELECT 1", rows: 1 },
    { status: "error", rows: 0, ...err },
    { status: "error", rows: 0, ...err, skipped: true },
  ]);
  // The skipped Execute's Sync gets the ReadyForQuery, read at 70.
  assert.deepEqual([sim.out[2]!.respStartNs, sim.out[2]!.respEndNs, sim.out[2]!.respBytes], [70, 70, 6]);
});

Deno.test("extended error, cancelled query, cancel request, SCRAM, TLS and FATAL startup", async () => {
  const ext = replay(await unpackCapture(caps.EXTENDED_ERROR));
  assert.deepEqual(lines(ext.out), ["SELECT 1/0; -> ERROR 22012 division by zero"]);
  assert.deepEqual([ext.out[0]!.respStartNs, ext.out[0]!.respEndNs, ext.out[0]!.respBytes], [60, 70, 77]);
  const cancelled = replay(await unpackCapture(caps.PSQL_CANCELLED_QUERY));
  assert.deepEqual(lines(cancelled.out), [
    "select pg_sleep(5) -> ERROR 57014 canceling statement due to user request",
  ]);
  const cancel = replay(await unpackCapture(caps.CANCEL_REQUEST));
  assert.deepEqual(cancel.out, [{
    req: { type: "cancel", query: "", cancel_pid: 21605 },
    resp: null,
    reqStartNs: 10,
    reqEndNs: 10,
    respStartNs: -1,
    respEndNs: -1,
    reqBytes: 16,
    respBytes: 0,
  }]);
  const scram = replay(await unpackCapture(caps.SCRAM_AUTH));
  assert.deepEqual(lines(scram.out), ["select current_user -> SELECT 1"]);
  const tls = replay(await unpackCapture(caps.SSL_ACCEPTED));
  assert.deepEqual([tls.out.length, tls.invalid, tls.state.encrypted], [0, 0, true]);
  const fatal = replay(await unpackCapture(caps.STARTUP_FATAL));
  assert.deepEqual([fatal.out.length, fatal.invalid, fatal.state.reqQueue.length], [0, 0, 0]);
});

Deno.test("every capture gives the same records when each read is split at any point", async () => {
  for (const [name, b64] of Object.entries(all)) {
    if (name === "PSQL_SESSION") continue;
    const chunks = await unpackCapture(b64);
    const want = replay(chunks).out;
    for (let i = 0; i < chunks.length; i++) {
      for (let k = 1; k < chunks[i]!.bytes.length; k++) {
        const got = replaySplit(chunks, (_, j) => (j === i ? [k] : [])).out;
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          assert.deepEqual(got, want, `${name}: read ${i} split at ${k}`);
        }
      }
    }
  }
});

Deno.test("every capture gives the same records when fed one byte at a time", async () => {
  for (const [name, b64] of Object.entries(all)) {
    const chunks = await unpackCapture(b64);
    const want = replay(chunks).out;
    const sim = replaySplit(chunks, (c) => Array.from({ length: c.bytes.length }, (_, k) => k));
    assert.deepEqual(sim.out, want, name);
    // A header at most, or a StartupMessage before the first resync
    // confirms it (findBoundary checks it whole).
    assert.ok(sim.maxHeld <= 66, `${name}: held ${sim.maxHeld} bytes`);
  }
});

Deno.test("every capture gives the same records with random splits and with coalesced reads", async () => {
  const rand = rng(7);
  for (const [name, b64] of Object.entries(all)) {
    const chunks = await unpackCapture(b64);
    const want = replay(chunks).out;
    for (let run = 0; run < 20; run++) {
      const got = replaySplit(chunks, (c) => {
        const n = Math.floor(rand() * 6);
        return Array.from({ length: n }, () => Math.floor(rand() * c.bytes.length)).sort((a, b) => a - b);
      }).out;
      assert.deepEqual(got, want, `${name} run ${run}`);
    }
    // Consecutive reads of one direction arriving as one read.
    const merged: Chunk[] = [];
    for (const c of chunks) {
      const prev = merged[merged.length - 1];
      if (prev && prev.stream === c.stream) {
        const b = new Uint8Array(prev.bytes.length + c.bytes.length);
        b.set(prev.bytes);
        b.set(c.bytes, prev.bytes.length);
        prev.bytes = b;
      } else merged.push({ ...c });
    }
    assert.deepEqual(untimed(replay(merged).out), untimed(want), name);
  }
});

Deno.test("a connection first seen mid-stream resyncs at the next query", async () => {
  const chunks = await unpackCapture(caps.PGBENCH_SIMPLE);
  // Reads 0-3 are SSL and startup, then one query and its answer per two reads.
  const sim = replay(chunks.slice(12));
  assert.equal(sim.invalid, 0);
  assert.equal(sim.out.length, 35 - 4);
  assert.deepEqual(lines(sim.out.slice(0, 1)), [
    "UPDATE pgbench_branches SET bbalance = bbalance + 4044 WHER… -> UPDATE 1",
  ]);
  // Starting on an answer: ignored until the client's next request.
  const late = replay(chunks.slice(13));
  assert.equal(late.out.length, 35 - 5);
  assert.equal(late.state.orphanResponses, 0);
});
