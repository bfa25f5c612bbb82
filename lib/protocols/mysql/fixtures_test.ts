import assert from "node:assert/strict";
import type { Exchange } from "../common/parser.ts";
import { summarize } from "./mod.ts";
import { chunks, rng, Sim } from "./testdata.ts";
import { TrackerSim } from "./tracker_sim.ts";
import { BINARY_CACHE_METADATA } from "./testdata/binary_cache_metadata.ts";
import { BINARY_DEPRECATE_EOF } from "./testdata/binary_deprecate_eof.ts";
import { BINARY_EOF } from "./testdata/binary_eof.ts";
import { CHANGE_USER } from "./testdata/change_user.ts";
import { CLI_TEXT } from "./testdata/cli_text.ts";
import { SSL } from "./testdata/ssl.ts";
import type { Chunk } from "./testdata/chunk.ts";

const SESSIONS: Record<string, Chunk[]> = {
  CLI_TEXT,
  BINARY_EOF,
  BINARY_DEPRECATE_EOF,
  BINARY_CACHE_METADATA,
  CHANGE_USER,
  SSL,
};

function replay(session: Chunk[], max = 1024): Exchange[] {
  const s = new Sim(max);
  s.replay(session);
  s.close(1e9);
  assert.equal(s.invalid, 0);
  return s.out;
}

const lines = (out: Exchange[]) => out.map((x) => summarize(x.req, x.resp));

Deno.test("captured mariadb CLI session: text protocol, multi-results, LOCAL INFILE", () => {
  const out = replay(CLI_TEXT);
  assert.deepEqual(lines(out), [
    "INSERT INTO items (name, price, qty) VALUES ('kiwi', 3.10, 5) -> OK 1 row affected",
    "SELECT id, name, price FROM items WHERE qty > 2 ORDER BY id -> 7 rows",
    "SELECT * FROM nosuch -> ERR 1146 Table 'shop.nosuch' doesn't exist",
    "CALL two() -> 3 rows",
    "UPDATE items SET qty = 1 WHERE id = 1; SELECT id FROM items WHERE id < 3; DELETE FROM items WHERE i\u2026 -> 2 rows",
    "SELECT 1; SELECT * FROM nosuch; SELECT 2 -> ERR 1146 Table 'shop.nosuch' doesn't exist",
    "LOAD DATA LOCAL INFILE '/tmp/mysqlfx.RKCe/load.csv' REPLACE INTO TABLE big FIELDS TERMINATED BY ','\u2026 -> OK 6 rows affected",
    "SELECT DATABASE() -> 1 row",
    "INIT_DB shop -> OK",
    "SELECT * FROM big WHERE id <= 400 -> 400 rows",
    "QUIT",
  ]);
  assert.deepEqual(out[3], {
    req: { command: "COM_QUERY", query: "CALL two()" },
    resp: {
      status: "resultset",
      columns: 2,
      warnings: 0,
      affected_rows: 0,
      last_insert_id: 0,
      rows: 3,
      result_sets: 2,
    },
    reqStartNs: 1090,
    reqEndNs: 1090,
    respStartNs: 1100,
    respEndNs: 1120,
    reqBytes: 15,
    respBytes: 141 + 59 + 11,
  });
  // The 400-row result came in three reads: 16384 + 16384 + 7670 bytes.
  assert.equal(out[9]!.respBytes, 16384 + 16384 + 7670);
  assert.equal(out[9]!.respEndNs - out[9]!.respStartNs, 20);
  // LOAD DATA: the file contents count as request bytes.
  assert.equal(out[6]!.reqBytes, 118 + 37);
});

Deno.test("captured prepared statements: binary protocol with every parameter type", () => {
  const out = replay(BINARY_EOF);
  assert.equal(out.length, 27);
  assert.deepEqual(out[1]!.req, {
    command: "COM_STMT_EXECUTE",
    query:
      "SELECT ? AS a, ? AS b, ? AS c, ? AS d, ? AS e, ? AS f, ? AS g, ? AS h, ? AS i, ? AS j, ? AS k, ? AS l, ? AS m, ? AS n, ? AS o",
    statement_id: 1,
    params: [
      -5,
      250,
      -30000,
      -2000000000,
      4000000000,
      "-9007199254740993",
      "18446744073709551615",
      1.5,
      -0.1,
      "h\u00e9llo w\u00f6rld",
      null,
      "2024-05-06 07:08:09.123456",
      "1999-12-31",
      "-26:03:04.000500",
      "12.50",
    ],
  });
  // The second execute sends no types: they are remembered from the first.
  assert.deepEqual((out[2]!.req as { params: unknown[] }).params.slice(9, 12), [
    null,
    null,
    "2024-05-06 07:08:09.123456",
  ]);
  assert.deepEqual(out.slice(5, 10).map((x) => [(x.req as { params?: unknown }).params, x.resp]), [
    [undefined, { status: "ok", statement_id: 2, columns: 0, param_count: 4, warnings: 0 }],
    [["fig", "4.20", 9, "sweet"], { status: "ok", affected_rows: 1, last_insert_id: 16, warnings: 0 }],
    [undefined, null],
    [["fig2", "1", 1, "<long data>"], { status: "ok", affected_rows: 1, last_insert_id: 17, warnings: 0 }],
    [[null, "x", 1, ""], { status: "ok", affected_rows: 1, last_insert_id: 18, warnings: 1 }],
  ]);
  assert.deepEqual(lines(out).slice(11, 19), [
    "EXECUTE SELECT id, name, price, qty, big, ratio, f, created, d, t, note, tiny FROM items WHERE id <= ? ORDE\u2026 -> 3 rows",
    "EXECUTE SELECT id, name, price, qty, big, ratio, f, created, d, t, note, tiny FROM items WHERE id <= ? ORDE\u2026 -> 0 rows",
    "FETCH SELECT id, name, price, qty, big, ratio, f, created, d, t, note, tiny FROM items WHERE id <= ? ORDE\u2026 -> 1 row",
    "FETCH SELECT id, name, price, qty, big, ratio, f, created, d, t, note, tiny FROM items WHERE id <= ? ORDE\u2026 -> 1 row",
    "PREPARE CALL two() -> OK stmt 4, 0 params",
    "EXECUTE CALL two() -> 3 rows",
    "PREPARE SELECT * FROM nosuch WHERE a = ? -> ERR 1146 Table 'shop.nosuch' doesn't exist",
    "PING -> OK",
  ]);
  assert.deepEqual(lines(out).slice(19), [
    "STATISTICS -> OK",
    "FIELD_LIST -> OK",
    "INIT_DB nodb -> ERR 1044 Access denied for user 'app'@'127.0.0.1' to database 'nodb'",
    "SET_OPTION -> OK",
    "SELECT 1 FROM items WHERE 1 = 0 -> 0 rows",
    "RESET_CONNECTION -> OK",
    "DAEMON -> ERR 1047 Unknown command",
    "QUIT",
  ]);
});

Deno.test("CLIENT_DEPRECATE_EOF and cached metadata give the same exchanges", () => {
  const strip = (out: Exchange[]) => lines(out).map((l) => l.replace(/stmt \d+/, "stmt N"));
  const base = strip(replay(BINARY_EOF));
  assert.deepEqual(strip(replay(BINARY_DEPRECATE_EOF)), base);
  assert.deepEqual(strip(replay(BINARY_CACHE_METADATA)), base);
});

Deno.test("COM_CHANGE_USER with an auth switch is one exchange; SSL sessions give none", () => {
  const out = replay(CHANGE_USER);
  assert.deepEqual(lines(out), [
    "SELECT 1 -> 1 row",
    "CHANGE_USER -> OK",
    "SELECT CURRENT_USER() -> 1 row",
    "QUIT",
  ]);
  assert.equal(out[1]!.reqBytes, 40 + 4);
  assert.equal(out[1]!.respBytes, 48 + 20);
  assert.deepEqual(replay(SSL), []);
});

/** Replay with each read cut into pieces by `cut`, all pieces at the read's time. */
function replaySplit(session: Chunk[], cut: (data: Uint8Array) => number[]): Exchange[] {
  const s = new Sim();
  chunks(session).forEach((c, i) => {
    let a = 0;
    for (const b of [...cut(c.data), c.data.length]) {
      s.push(c.stream, c.data.subarray(a, Math.max(a, b)), 1000 + 10 * i);
      a = Math.max(a, b);
    }
  });
  s.close(1e9);
  return s.out;
}

Deno.test("every split point of every read gives the same exchanges", () => {
  for (const [name, session] of Object.entries(SESSIONS)) {
    const want = replay(session);
    const longest = Math.max(...chunks(session).map((c) => c.data.length));
    const step = longest > 2000 ? 37 : 1;
    for (let k = 1; k < longest; k += step) {
      assert.deepEqual(replaySplit(session, () => [k]), want, `${name} cut at ${k}`);
    }
  }
});

Deno.test("random splits, one byte at a time and coalesced reads give the same exchanges", () => {
  const r = rng(3);
  for (const [name, session] of Object.entries(SESSIONS)) {
    const want = replay(session);
    for (let i = 0; i < 5; i++) {
      const cuts = (d: Uint8Array) =>
        Array.from({ length: 1 + (r() * 6 | 0) }, () => (r() * d.length) | 0).sort((a, b) => a - b);
      assert.deepEqual(replaySplit(session, cuts), want, name);
    }
    assert.deepEqual(replaySplit(session, (d) => Array.from(d.keys())), want, `${name} bytewise`);
    // Consecutive reads of one direction coalesced into one.
    const merged: Chunk[] = [];
    for (const c of session) {
      const last = merged.at(-1);
      if (last && last[0] === c[0]) merged[merged.length - 1] = [c[0], last[1] + c[1]];
      else merged.push(c);
    }
    const strip = (o: Exchange[]) => o.map((x) => [x.req, x.resp, x.reqBytes, x.respBytes]);
    assert.deepEqual(strip(replay(merged)), strip(want), `${name} coalesced`);
  }
});

Deno.test("a capture starting at any read resyncs and never pairs wrongly", () => {
  for (const [name, session] of Object.entries(SESSIONS)) {
    const full = replay(session);
    const byStart = new Map(full.map((x) => [x.reqStartNs, x]));
    const cs = chunks(session);
    for (let k = 0; k < cs.length; k++) {
      const t = new TrackerSim();
      for (let i = k; i < cs.length; i++) t.data(cs[i]!.stream, cs[i]!.data, 1000 + 10 * i);
      t.close(1e9);
      assert.equal(t.invalidFrames, 0, `${name} from ${k}`);
      for (const x of t.out) {
        const f = byStart.get(x.reqStartNs);
        assert.ok(f, `${name} from ${k}: unknown exchange`);
        assert.deepEqual([x.resp, x.respStartNs, x.respEndNs, x.reqBytes, x.respBytes], [
          f.resp,
          f.respStartNs,
          f.respEndNs,
          f.reqBytes,
          f.respBytes,
        ], `${name} from ${k}`);
        const q = x.req as { command: string; query: string | null };
        const fq = f.req as { command: string; query: string | null };
        assert.equal(q.command, fq.command);
        // Statements prepared before the capture started have no SQL.
        if (q.query !== null) assert.equal(q.query, fq.query);
      }
      // After the first resynced command, nothing is missed.
      const first = t.out[0]?.reqStartNs ?? Infinity;
      assert.equal(t.out.length, full.filter((x) => x.reqStartNs >= first).length, `${name} from ${k}`);
    }
  }
});

Deno.test("lost bytes inside a row are absorbed; across packets the tracker resyncs", () => {
  const cs = chunks(CLI_TEXT);
  const big = cs.findIndex((c) => c.data.length === 16384);
  for (const [at, len, absorbed] of [[120, 20, true], [16000, 300, false]] as const) {
    const t = new TrackerSim();
    cs.forEach((c, i) => {
      if (i !== big) return t.data(c.stream, c.data, 1000 + 10 * i);
      t.data(c.stream, c.data.subarray(0, at), 1000 + 10 * i);
      t.gap(c.stream, len, 1000 + 10 * i);
      t.data(c.stream, c.data.subarray(at + len), 1000 + 10 * i);
    });
    t.close(1e9);
    const summaries = lines(t.out);
    assert.equal(summaries.includes("SELECT * FROM big WHERE id <= 400 -> 400 rows"), absorbed);
    assert.equal(summaries.at(-1), "QUIT");
    assert.equal(t.desyncs, absorbed ? 0 : 1);
  }
});
