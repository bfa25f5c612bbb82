import assert from "node:assert/strict";
import { type Exchange, Stream } from "../common/parser.ts";
import { pgsqlParser as p, summarize } from "./mod.ts";
import { be, cat, fe } from "./testdata.ts";
import { Sim } from "./sim.ts";

const Req = Stream.Request;
const Resp = Stream.Response;

function lines(out: Exchange[]): string[] {
  return out.map((x) => summarize(x.req, x.resp));
}

/** A Sim already in sync, fed alternately: requests at odd, answers at even times. */
function conv(...steps: [Stream, Uint8Array[]][]): Sim {
  const sim = new Sim(4096, true);
  steps.forEach(([stream, msgs], i) => sim.push(stream, cat(...msgs), 10 * (i + 1)));
  return sim;
}

const ERR = { error_code: "42P01", error_message: "no t", error_severity: "ERROR" };

Deno.test("a simple query is paired with everything up to ReadyForQuery", () => {
  const sim = conv(
    [Req, [fe.query("SELECT a FROM t")]],
    [Resp, [be.rowDesc("a"), be.row("1"), be.row("2"), be.notice("hi"), be.done("SELECT 2"), be.ready()]],
  );
  const resp = cat(be.rowDesc("a"), be.row("1"), be.row("2"), be.notice("hi"), be.done("SELECT 2"), be.ready());
  assert.deepEqual(sim.out, [{
    req: { type: "query", query: "SELECT a FROM t" },
    resp: { status: "ok", command_tag: "SELECT 2", rows: 2 },
    reqStartNs: 10,
    reqEndNs: 10,
    respStartNs: 20,
    respEndNs: 20,
    reqBytes: fe.query("SELECT a FROM t").length,
    respBytes: resp.length,
  }]);
});

Deno.test("several statements in one Query: tags joined, first error kept, empty query", () => {
  const sim = conv(
    [Req, [fe.query("BEGIN; INSERT INTO t VALUES (1); SELECT * FROM t; COMMIT")]],
    [Resp, [be.done("BEGIN"), be.done("INSERT 0 1"), be.rowDesc("a"), be.row("1"), be.done("SELECT 1")]],
    [Resp, [be.done("COMMIT"), be.ready()]],
    [Req, [fe.query("SELECT 1; SELECT * FROM nosuch; SELECT 2")]],
    [Resp, [be.rowDesc("a"), be.row("1"), be.done("SELECT 1"), be.error("42P01", "no t"), be.ready("I")]],
    [Req, [fe.query("")]],
    [Resp, [be.empty(), be.ready()]],
  );
  assert.deepEqual(sim.out.map((x) => x.resp), [
    { status: "ok", command_tag: "BEGIN; INSERT 0 1; SELECT 1; COMMIT", rows: 1 },
    { status: "error", command_tag: "SELECT 1", rows: 1, ...ERR },
    { status: "ok", rows: 0 },
  ]);
  assert.deepEqual([sim.out[0]!.respStartNs, sim.out[0]!.respEndNs], [20, 30]);
});

Deno.test("asynchronous messages while idle answer nothing and are not orphans", () => {
  const sim = conv(
    [Resp, [be.notify(42, "ch", "x"), be.status("TimeZone", "UTC"), be.notice("bye")]],
    [Req, [fe.query("SELECT 1")]],
    [Resp, [be.notify(42, "ch", "y"), be.done("SELECT 0"), be.ready()]],
  );
  assert.deepEqual(lines(sim.out), ["SELECT 1 -> SELECT 0"]);
  assert.equal(sim.state.orphanResponses, 0);
});

Deno.test("extended protocol: Describe statement, named statements, Close, unknown statements", () => {
  const sim = conv(
    [Req, [fe.parse("s1", "SELECT $1::int"), fe.describe("S", "s1"), fe.sync()]],
    [Resp, [be.parseOk(), be.paramDesc(23), be.rowDesc("int4"), be.ready()]],
    [Req, [fe.bind("", "s1", ["7"]), fe.execute(), fe.sync()]],
    [Resp, [be.bindOk(), be.row("7"), be.done("SELECT 1"), be.ready()]],
    [Req, [fe.close("S", "s1"), fe.sync()]],
    [Resp, [be.closeOk(), be.ready()]],
    [Req, [fe.bind("", "s1", ["8"]), fe.execute(), fe.sync()]],
    [Resp, [be.error("26000", 'prepared statement "s1" does not exist'), be.ready()]],
  );
  assert.deepEqual(sim.out.map((x) => x.req), [
    { type: "parse", query: "SELECT $1::int", statement: "s1" },
    { type: "execute", query: "SELECT $1::int", statement: "s1", params: ["7"] },
    { type: "execute", query: "", statement: "s1", params: ["8"] },
  ]);
  assert.deepEqual(lines(sim.out), [
    "PARSE SELECT $1::int -> OK",
    "SELECT $1::int -> SELECT 1",
    'EXECUTE s1 -> ERROR 26000 prepared statement "s1" does not exist',
  ]);
  assert.equal(sim.state.statements.has("s1"), false);
});

Deno.test("a Sync right after an Execute joins it: an error at Sync (COMMIT) is reported", () => {
  const sim = conv(
    [Req, [fe.parse("", "INSERT INTO d VALUES (1)"), fe.bind("", ""), fe.execute(), fe.sync()]],
    [Resp, [be.parseOk(), be.bindOk(), be.done("INSERT 0 1"), be.error("23514", "deferred check")]],
    [Resp, [be.ready()]],
  );
  assert.deepEqual(sim.out[0]!.resp, {
    status: "error",
    command_tag: "INSERT 0 1",
    rows: 0,
    error_code: "23514",
    error_message: "deferred check",
    error_severity: "ERROR",
  });
  const answer = cat(be.parseOk(), be.bindOk(), be.done("INSERT 0 1"), be.error("23514", "deferred check"), be.ready());
  assert.deepEqual([sim.out[0]!.respEndNs, sim.out[0]!.respBytes], [30, answer.length]);
});

Deno.test("row limit: PortalSuspended, then the rest; Flush-and-wait clients", () => {
  const sim = conv(
    [Req, [fe.parse("", "SELECT g FROM generate_series(1,3) g"), fe.bind("cur", ""), fe.execute("cur", 2), fe.flush()]],
    [Resp, [be.parseOk(), be.bindOk(), be.row("1"), be.row("2"), be.suspended()]],
    [Req, [fe.execute("cur", 2), fe.sync()]],
    [Resp, [be.row("3"), be.done("SELECT 1"), be.ready()]],
  );
  assert.deepEqual(sim.out.map((x) => [x.req, x.resp]), [
    [
      { type: "execute", query: "SELECT g FROM generate_series(1,3) g", portal: "cur" },
      { status: "ok", rows: 2, suspended: true },
    ],
    [
      { type: "execute", query: "SELECT g FROM generate_series(1,3) g", portal: "cur" },
      { status: "ok", command_tag: "SELECT 1", rows: 1 },
    ],
  ]);
  assert.equal(
    summarize(sim.out[0]!.req, sim.out[0]!.resp),
    "SELECT g FROM generate_series(1,3) g -> SUSPENDED 2 rows",
  );
  // Parse/Describe then Flush, waiting for the answers before Bind/Execute.
  const wait = conv(
    [Req, [fe.parse("", "SELECT 1"), fe.describe("S"), fe.flush()]],
    [Resp, [be.parseOk(), be.paramDesc(), be.rowDesc("x")]],
    [Req, [fe.bind("", ""), fe.execute(), fe.sync()]],
    [Resp, [be.bindOk(), be.row("1"), be.done("SELECT 1"), be.ready()]],
  );
  assert.deepEqual(lines(wait.out), ["SELECT 1 -> SELECT 1"]);
  assert.deepEqual([wait.out[0]!.reqStartNs, wait.out[0]!.reqEndNs, wait.out[0]!.respStartNs], [10, 30, 20]);
});

Deno.test("after an error the server skips to Sync: Executes and Queries there are skipped", () => {
  const sim = conv(
    [Req, [
      fe.parse("", "SELECT * FROM nosuch"),
      fe.bind("", ""),
      fe.execute(),
      fe.parse("", "SELECT 2"),
      fe.bind("", ""),
      fe.execute(),
      fe.query("SELECT 3"),
      fe.sync(),
    ]],
    [Resp, [be.error("42P01", "no t"), be.ready()]],
    [Req, [fe.query("SELECT 4")]],
    [Resp, [be.done("SELECT 0"), be.ready()]],
  );
  assert.deepEqual(sim.out.map((x) => x.resp), [
    { status: "error", rows: 0, ...ERR },
    { status: "error", rows: 0, ...ERR, skipped: true },
    { status: "error", rows: 0, ...ERR, skipped: true },
    { status: "ok", command_tag: "SELECT 0", rows: 0 },
  ]);
  // Skipped records have no answer of their own: zero bytes, at the error's time.
  assert.deepEqual(
    sim.out.slice(1, 3).map((x) => [x.respStartNs, x.respEndNs, x.respBytes]),
    [[20, 20, 0], [20, 20, 0]],
  );
  assert.equal(summarize(sim.out[1]!.req, sim.out[1]!.resp), "SELECT 2 -> SKIPPED (ERROR 42P01 no t)");
});

Deno.test("FunctionCall, COPY through Execute, and CopyOut", () => {
  const sim = conv(
    [Req, [fe.fn(1598, ["1"])]],
    [Resp, [be.fnResult("0.5"), be.ready()]],
    [Req, [fe.parse("", "COPY t FROM STDIN"), fe.bind("", ""), fe.execute()]],
    [Resp, [be.parseOk(), be.bindOk(), be.copyIn()]],
    [Req, [fe.copyData("1\n"), fe.copyDone(), fe.sync()]],
    [Resp, [be.done("COPY 1"), be.ready()]],
    [Req, [fe.query("COPY t TO STDOUT")]],
    [Resp, [be.copyOut(), be.copyData("1\n"), be.copyData("2\n"), be.copyDone(), be.done("COPY 2"), be.ready()]],
  );
  assert.deepEqual(lines(sim.out), [
    "FUNCTION 1598 -> OK",
    "COPY t FROM STDIN -> COPY 1",
    "COPY t TO STDOUT -> COPY 2",
  ]);
  assert.deepEqual(sim.out[0]!.req, { type: "function", query: "", function_oid: 1598 });
  const copy = sim.out[1]!;
  assert.deepEqual([copy.reqStartNs, copy.reqEndNs, copy.respStartNs, copy.respEndNs], [30, 50, 40, 60]);
  assert.equal(copy.reqBytes, cat(fe.parse("", "COPY t FROM STDIN"), fe.bind("", ""), fe.execute()).length + 7 + 5);
});

Deno.test("closing: Terminate makes no record, unanswered requests get null, a FATAL error is kept", () => {
  const sim = conv(
    [Req, [fe.query("SELECT 1")]],
    [Resp, [be.done("SELECT 0"), be.ready()]],
    [Req, [fe.parse("", "SELECT 2"), fe.bind("", ""), fe.execute(), fe.sync(), fe.query("SELECT 3")]],
  );
  sim.close(100);
  assert.deepEqual(sim.out.map((x) => [x.resp, x.respStartNs, x.respEndNs, x.respBytes]), [
    [{ status: "ok", command_tag: "SELECT 0", rows: 0 }, 20, 20, 14 + 6],
    [null, -1, -1, 0],
    [null, -1, -1, 0],
  ]);
  const fatal = conv(
    [Req, [fe.query("SELECT pg_sleep(100)")]],
    [Resp, [be.rowDesc("x"), be.error("57P01", "terminating connection", "FATAL")]],
  );
  fatal.push(Req, fe.terminate(), 40);
  fatal.close(50);
  assert.equal(lines(fatal.out)[0], "SELECT pg_sleep(100) -> ERROR 57P01 terminating connection");
  assert.equal(fatal.out.length, 1);
});

Deno.test("answers that do not fit drop the pending requests, never a wrong pair", () => {
  const sim = conv(
    [Req, [fe.query("SELECT 1")]],
    [Resp, [be.bindOk(), be.done("SELECT 1"), be.ready()]],
    [Req, [fe.query("SELECT 2")]],
    [Resp, [be.done("SELECT 2"), be.ready()]],
  );
  assert.deepEqual(lines(sim.out), ["SELECT 2 -> SELECT 2"]);
  assert.equal(sim.state.mismatches, 1);
  // Pipelined: the mismatch drops the whole batch and the answers owed to it.
  const pipe = conv(
    [Req, [fe.query("A"), fe.query("B"), fe.parse("", "C"), fe.bind("", "")]],
    [Resp, [be.parseOk(), be.ready(), be.done("B"), be.ready(), be.parseOk()]],
    [Req, [fe.execute(), fe.sync(), fe.query("D")]],
    [Resp, [be.bindOk(), be.done("C"), be.ready(), be.done("D"), be.ready()]],
  );
  assert.deepEqual(lines(pipe.out), ["D -> D"]);
  assert.equal(pipe.state.reqQueue.length + pipe.state.respQueue.length, 0);
});

Deno.test("an answer older than its request is dropped with the rest of its answer", () => {
  const sim = new Sim(4096, true);
  sim.push(Resp, cat(be.rowDesc("a")), 5);
  sim.push(Req, fe.query("SELECT 1"), 10);
  sim.push(Resp, cat(be.row("x"), be.done("SELECT 1"), be.ready()), 20);
  sim.push(Resp, cat(be.done("SELECT 0"), be.ready()), 30);
  assert.deepEqual(sim.out.map((x) => [x.resp, x.respStartNs]), [
    [{ status: "ok", command_tag: "SELECT 0", rows: 0 }, 30],
  ]);
  // RowDescription, CommandComplete (with the DataRow), ReadyForQuery.
  assert.equal(sim.state.orphanResponses, 3);
});

Deno.test("an answer parsed before its request waits for it", () => {
  const s = p.createState({ maxBodyBytes: 4096, datagram: false });
  const resp = cat(be.done("SELECT 0"), be.ready());
  assert.equal(p.parseFrame(s, Resp, resp.subarray(0, 14), 20, 20), 14);
  assert.equal(p.parseFrame(s, Resp, resp.subarray(14), 20, 20), 6);
  const out: Exchange[] = [];
  p.match(s, out, false);
  assert.equal(out.length, 0);
  p.parseFrame(s, Req, fe.query("SELECT 1"), 10, 10);
  p.match(s, out, false);
  assert.deepEqual(lines(out), ["SELECT 1 -> SELECT 0"]);
});

Deno.test("full queues drop requests and their owed answers, then pairing resumes", () => {
  const sim = new Sim(4096, true);
  const n = 1500;
  sim.push(Req, cat(...Array.from({ length: n }, (_, i) => fe.query(`SELECT ${i}`))), 10);
  sim.push(Resp, cat(...Array.from({ length: n }, (_, i) => cat(be.done(`SELECT ${i}`), be.ready()))), 20);
  const pairs = sim.out.map((x) =>
    (x.req as { query: string }).query.slice(7) + "=" + (x.resp as { command_tag: string }).command_tag.slice(7)
  );
  assert.ok(pairs.every((s) => s.split("=")[0] === s.split("=")[1]), "no wrong pair");
  assert.ok(sim.state.overflows > 0);
  sim.push(Req, fe.query("SELECT x"), 30);
  sim.push(Resp, cat(be.done("SELECT x"), be.ready()), 40);
  assert.equal(lines(sim.out).at(-1), "SELECT x -> SELECT x");
  // A pipelined batch longer than the queue, closed by one Sync.
  const pipe = new Sim(4096, true);
  const reqs = [fe.parse("", "SELECT 1")];
  const resps = [be.parseOk()];
  for (let i = 0; i < 1500; i++) {
    reqs.push(fe.bind("", ""), fe.execute()), resps.push(be.bindOk(), be.done(`SELECT ${i}`));
  }
  pipe.push(Req, cat(...reqs, fe.sync()), 10);
  pipe.push(Resp, cat(...resps, be.ready()), 20);
  pipe.push(Req, fe.query("SELECT y"), 30);
  pipe.push(Resp, cat(be.done("SELECT y"), be.ready()), 40);
  assert.deepEqual(lines(pipe.out), ["SELECT y -> SELECT y"]);
});

Deno.test("reset forgets unnamed statements and portals but keeps named ones", () => {
  const s = p.createState({ maxBodyBytes: 4096, datagram: false });
  p.parseFrame(s, Req, cat(fe.parse("", "SELECT 1"), fe.parse("n", "SELECT 2")), 1, 1);
  p.parseFrame(s, Req, fe.parse("n", "SELECT 2"), 1, 1);
  p.reset(s);
  assert.deepEqual([...s.statements.keys()], ["n"]);
  assert.equal(s.reqQueue.length + s.respQueue.length, 0);
});

Deno.test("a resync inside a pipelined batch pairs nothing with the unseen part's answers", () => {
  const exec = (id: number) => cat(fe.parse("", `SELECT ${id}`), fe.bind("", ""), fe.describe("P"), fe.execute());
  const ok = (id: number) => cat(be.parseOk(), be.bindOk(), be.rowDesc("x"), be.done(`SELECT ${id}`));
  const sim = new Sim(4096, false);
  // The client's first bytes (Execute 1) are lost; the rest of its write is seen.
  sim.push(Req, cat(exec(2), exec(3), fe.sync()), 10);
  sim.push(Resp, cat(ok(1), ok(2), ok(3), be.ready()), 20);
  assert.deepEqual(sim.out, []);
  // The same with an error: the server skips to Sync, so the shift is hidden.
  sim.push(Req, cat(exec(5), exec(6), fe.sync()), 30);
  sim.push(Resp, cat(ok(4), be.parseOk(), be.bindOk(), be.rowDesc("x"), be.error("XX000", "5"), be.ready()), 40);
  assert.deepEqual(sim.out, []);
  // Once a batch ends in step, records flow.
  sim.push(Req, cat(exec(7), fe.sync()), 50);
  sim.push(Resp, cat(ok(7), be.ready()), 60);
  assert.deepEqual(lines(sim.out), ["SELECT 7 -> SELECT 7"]);
  assert.equal(sim.state.mismatches, 1);
});

Deno.test("after a resync on a simple query, its answer is paired as soon as it ends", () => {
  const sim = new Sim(4096, false);
  sim.push(Resp, cat(be.row("x"), be.done("SELECT 9"), be.ready()), 5);
  sim.push(Req, fe.query("SELECT 1"), 10);
  sim.push(Resp, cat(be.rowDesc("a"), be.row("1"), be.done("SELECT 1"), be.ready()), 20);
  assert.deepEqual(lines(sim.out), ["SELECT 1 -> SELECT 1"]);
  assert.equal(sim.resyncs, 1);
});
