import { type Exchange, Stream } from "../common/parser.ts";
import { pgsqlParser as p } from "./mod.ts";
import { be, cat, fe } from "./testdata.ts";
import { clearArray } from "../common/arrays.ts";

// pgbench -M simple's SELECT, as captured (testdata/captures.ts).
const QUERY = fe.query("SELECT abalance FROM pgbench_accounts WHERE aid = 50590;");
const ANSWER = cat(be.rowDesc("abalance"), be.row("4044"), be.done("SELECT 1"), be.ready("T"));

// pgbench -M extended's UPDATE: Parse/Bind/Describe/Execute/Sync.
const EXTENDED = cat(
  fe.parse("", "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;"),
  fe.bind("", "", ["-410", "36079"]),
  fe.describe("P"),
  fe.execute(),
  fe.sync(),
);
const EXTENDED_ANSWER = cat(be.parseOk(), be.bindOk(), be.noData(), be.done("UPDATE 1"), be.ready("T"));

// A pipelined batch of three Executes before one Sync.
const BATCH = cat(
  ...[1, 2, 3].flatMap((i) => [
    fe.parse("", `SELECT abalance FROM pgbench_accounts WHERE aid = $${i};`),
    fe.bind("", "", [String(i)]),
    fe.describe("P"),
    fe.execute(),
  ]),
  fe.sync(),
);
const BATCH_ANSWER = cat(
  ...[1, 2, 3].flatMap((i) => [
    be.parseOk(),
    be.bindOk(),
    be.rowDesc("abalance"),
    be.row(String(i)),
    be.done("SELECT 1"),
  ]),
  be.ready(),
);

const out: Exchange[] = [];
let ts = 0;

/** Parse `req` and `resp` as the tracker would (one message per call). */
function exchange(state: ReturnType<typeof p.createState>, req: Uint8Array, resp: Uint8Array, n: number): void {
  ts += 2;
  for (let at = 0; at < req.length;) at += p.parseFrame(state, Stream.Request, req.subarray(at), ts, ts);
  for (let at = 0; at < resp.length;) at += p.parseFrame(state, Stream.Response, resp.subarray(at), ts + 1, ts + 1);
  p.match(state, out, false);
  if (out.length !== n) throw new Error(`${out.length} exchanges`);
  clearArray(out);
}

const simple = p.createState({ maxBodyBytes: 4096, datagram: false });
Deno.bench("pgsqlParser simple Query + RowDescription/DataRow/CommandComplete/ReadyForQuery", () => {
  exchange(simple, QUERY, ANSWER, 1);
});

const extended = p.createState({ maxBodyBytes: 4096, datagram: false });
Deno.bench("pgsqlParser extended Parse/Bind/Describe/Execute/Sync with 2 params", () => {
  exchange(extended, EXTENDED, EXTENDED_ANSWER, 1);
});

const batch = p.createState({ maxBodyBytes: 4096, datagram: false });
Deno.bench("pgsqlParser pipelined batch: 3 Executes, one Sync", () => {
  exchange(batch, BATCH, BATCH_ANSWER, 3);
});
