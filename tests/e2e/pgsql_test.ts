/**
 * End-to-end PostgreSQL tracing (root): a real PostgreSQL 15 server (run as
 * user postgres) with psql, pgbench in its three query modes (simple,
 * extended, prepared) and psql over TLS. Every record is asserted exactly:
 * requests, responses and byte counts computed from the wire format.
 *
 * The server seen from Deno is runuser; each connection is served by a
 * forked backend (comm "postgres"), so server-side records are selected by
 * comm, local port and the client's port.
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import type { PgsqlRequest, PgsqlResponse } from "../../lib/protocols/pgsql/mod.ts";
import { type Certificate, freePort, makeCertificate, run, sleep, startTracer, waitForPort } from "./harness.ts";
import { byTime, runClient } from "./daemons.ts";

const PG_BIN = "/usr/lib/postgresql/15/bin";
const PSQL = `${PG_BIN}/psql`;
const PGBENCH = `${PG_BIN}/pgbench`;

type Pair = [PgsqlRequest, PgsqlResponse | null];

/* ------------------------------------------------------------------ */
/* The server                                                          */
/* ------------------------------------------------------------------ */

interface Postgres {
  port: number;
  dir: string;
  stop(): Promise<void>;
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run("id", ["-u", "postgres"])).trim());
  const gid = Number((await run("id", ["-g", "postgres"])).trim());
  return { uid, gid };
}

/**
 * initdb in a new temp dir (trust authentication) and `postgres` on a free
 * loopback port, both as user postgres; with `tls`, ssl=on with a copy of
 * the certificate the server can read.
 */
async function startPostgres(tls?: Certificate): Promise<Postgres> {
  const { uid, gid } = await postgresIds();
  const dir = await Deno.makeTempDir({ prefix: "l7trace-pg-" });
  await Deno.chown(dir, uid, gid);
  let child: Deno.ChildProcess | undefined;
  const stop = async () => {
    if (child) {
      // Fast shutdown of the postmaster (runuser's child), by its pid.
      const pid = Number((await Deno.readTextFile(`${dir}/postmaster.pid`).catch(() => "")).split("\n")[0]);
      if (pid > 0) {
        try {
          Deno.kill(pid, "SIGINT");
        } catch {
          // Already gone.
        }
      }
      const timer = setTimeout(() => {
        try {
          if (pid > 0) Deno.kill(pid, "SIGQUIT");
        } catch {
          // Already gone.
        }
      }, 10_000);
      await child.status;
      clearTimeout(timer);
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await run("runuser", ["-u", "postgres", "--", `${PG_BIN}/initdb`, "-D", dir, "-U", "postgres", "--auth=trust"]);
    const ssl: string[] = [];
    if (tls) {
      await Deno.copyFile(tls.cert, `${dir}/server.crt`);
      await Deno.copyFile(tls.key, `${dir}/server.key`);
      for (const f of ["server.crt", "server.key"]) await Deno.chown(`${dir}/${f}`, uid, gid);
      await Deno.chmod(`${dir}/server.key`, 0o600);
      ssl.push("-c", "ssl=on", "-c", `ssl_cert_file=${dir}/server.crt`, "-c", `ssl_key_file=${dir}/server.key`);
    }
    const port = freePort();
    child = new Deno.Command("runuser", {
      args: [
        "-u",
        "postgres",
        "--",
        `${PG_BIN}/postgres`,
        "-D",
        dir,
        "-p",
        String(port),
        "-k",
        dir,
        "-c",
        "listen_addresses=127.0.0.1",
        ...ssl,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitForPort(port);
    // The port opens before the server accepts sessions.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await runClient(`${PG_BIN}/pg_isready`, ["-q", "-h", "127.0.0.1", "-p", String(port)]);
      if (r.code === 0) break;
      if (Date.now() > deadline) throw new Error(`PostgreSQL on ${port} not ready`);
      await sleep(50);
    }
    return { port, dir, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/* ------------------------------------------------------------------ */
/* Wire sizes (protocol 3.0), to check req_bytes and resp_bytes        */
/* ------------------------------------------------------------------ */

const len = (s: string) => new TextEncoder().encode(s).length;
/** Query 'Q'. */
const queryBytes = (sql: string) => 6 + len(sql);
/** RowDescription 'T' of columns with these names. */
const rowDesc = (names: string[]) => 7 + names.reduce((n, c) => n + len(c) + 1 + 18, 0);
/** DataRow 'D' of these text values (null: SQL NULL). */
const dataRow = (values: (string | null)[]) => 7 + values.reduce((n, v) => n + 4 + (v === null ? 0 : len(v)), 0);
/** CommandComplete 'C'. */
const complete = (tag: string) => 6 + len(tag);
/** ReadyForQuery 'Z', ParseComplete '1', BindComplete '2', NoData 'n'. */
const READY = 6, PARSE_COMPLETE = 5, BIND_COMPLETE = 5, NO_DATA = 5;
/** Parse 'P' without parameter types, as libpq sends it. */
const parseBytes = (name: string, sql: string) => 9 + len(name) + len(sql);
/** Bind 'B' of the unnamed portal, text parameters, one text result format (libpq). */
const bindBytes = (statement: string, params: string[]) =>
  15 + len(statement) + params.reduce((n, p) => n + 4 + len(p), 0);
/** Describe portal 'D' + Execute 'E' + Sync 'S' of the unnamed portal. */
const DESCRIBE_EXECUTE_SYNC = 7 + 10 + 5;

/* ------------------------------------------------------------------ */
/* A raw client, to measure responses whose size depends on the build  */
/* ------------------------------------------------------------------ */

/**
 * Sends `sql` as a simple Query on a new connection (user postgres, trust)
 * and returns the bytes of the answer up to and including ReadyForQuery.
 * ErrorResponse and NoticeResponse carry the server's source file, line and
 * routine, so their size is measured on the same server rather than guessed.
 */
async function measureAnswer(port: number, sql: string): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const enc = new TextEncoder();
    const params = enc.encode("user\0postgres\0database\0postgres\0\0");
    const startup = new Uint8Array(8 + params.length);
    new DataView(startup.buffer).setUint32(0, startup.length);
    new DataView(startup.buffer).setUint32(4, 196608);
    startup.set(params, 8);
    await conn.write(startup);
    let buf = new Uint8Array(0);
    const chunk = new Uint8Array(65536);
    /** Reads messages up to ReadyForQuery; returns their bytes. */
    const untilReady = async (): Promise<number> => {
      let total = 0;
      for (;;) {
        while (buf.length >= 5) {
          const l = new DataView(buf.buffer, buf.byteOffset).getUint32(1);
          if (buf.length < l + 1) break;
          const type = buf[0]!;
          total += l + 1;
          buf = buf.slice(l + 1);
          if (type === 0x5a) return total;
        }
        const n = await conn.read(chunk);
        if (n === null) throw new Error("PostgreSQL closed the connection");
        const next = new Uint8Array(buf.length + n);
        next.set(buf);
        next.set(chunk.subarray(0, n), buf.length);
        buf = next;
      }
    };
    await untilReady();
    const q = enc.encode(sql);
    const msg = new Uint8Array(6 + q.length);
    msg[0] = 0x51;
    new DataView(msg.buffer).setUint32(1, 5 + q.length);
    msg.set(q, 5);
    await conn.write(msg);
    const answer = await untilReady();
    await conn.write(new Uint8Array([0x58, 0, 0, 0, 4]));
    return answer;
  } finally {
    conn.close();
  }
}

/* ------------------------------------------------------------------ */
/* Record helpers                                                      */
/* ------------------------------------------------------------------ */

const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** Client records of `pid`, one list per connection (by local port), connections in order of their first record. */
function clientConnections(records: L7Record[], pid: number): L7Record[][] {
  const byPort = new Map<number, L7Record[]>();
  for (const r of byTime(records.filter((r) => r.pid === pid && r.side === "client"))) {
    const list = byPort.get(r.local_port) ?? [];
    list.push(r);
    byPort.set(r.local_port, list);
  }
  return [...byPort.values()];
}

/** The backend's records of the connection whose client end is `clientPort`. */
function serverRecords(records: L7Record[], port: number, clientPort: number): L7Record[] {
  return byTime(
    records.filter((r) =>
      r.side === "server" && r.comm === "postgres" && r.local_port === port && r.remote_port === clientPort
    ),
  );
}

/**
 * Fields every record of one connection must have: protocol, addresses,
 * ports, side, one pid and one fd, a sane latency, `tls`.
 */
function assertConnection(
  rs: L7Record[],
  side: "client" | "server",
  comm: string,
  serverPort: number,
  clientPort: number,
  tls: boolean,
): void {
  assert.ok(rs.length > 0);
  for (const r of rs) {
    assert.equal(r.protocol, "pgsql");
    assert.equal(r.side, side);
    assert.equal(r.comm, comm);
    assert.equal(r.tls, tls, `tls of ${JSON.stringify(r)}`);
    assert.equal(r.local_ip, "127.0.0.1");
    assert.equal(r.remote_ip, "127.0.0.1");
    assert.equal(r.local_port, side === "server" ? serverPort : clientPort);
    assert.equal(r.remote_port, side === "server" ? clientPort : serverPort);
    assert.equal(r.pid, rs[0]!.pid);
    assert.equal(r.fd, rs[0]!.fd);
    assert.match(r.ts, TS);
    assert.ok(r.latency_ms !== null && r.latency_ms > 0 && r.latency_ms < 10_000, `latency ${r.latency_ms}`);
  }
}

/** [req, resp, req_bytes, resp_bytes] of each record. */
const shape = (rs: L7Record[]) => rs.map((r) => [r.req, r.resp, r.req_bytes, r.resp_bytes]);

/** The client's and the server's records of one connection are the same exchanges. */
function assertBothSides(
  records: L7Record[],
  client: L7Record[],
  serverPort: number,
  expected: unknown[],
  tls = false,
): L7Record[] {
  const clientPort = client[0]!.local_port;
  const server = serverRecords(records, serverPort, clientPort);
  assert.deepEqual(shape(client), expected, `client: ${JSON.stringify(client)}`);
  assert.deepEqual(shape(server), expected, `server: ${JSON.stringify(server)}`);
  assertConnection(client, "client", client[0]!.comm, serverPort, clientPort, tls);
  assertConnection(server, "server", "postgres", serverPort, clientPort, tls);
  return server;
}

const q = (query: string): PgsqlRequest => ({ type: "query", query });
const ok = (command_tag: string, rows = 0): PgsqlResponse => ({ status: "ok", command_tag, rows });

/* ------------------------------------------------------------------ */
/* psql                                                                */
/* ------------------------------------------------------------------ */

Deno.test("psql: DDL, INSERT, SELECT, a multi-statement query and an error give exact records on both sides", async () => {
  const pg = await startPostgres();
  try {
    const missing = "SELECT * FROM nosuch";
    // Measured before tracing: an ErrorResponse names the server's source line.
    const errorAnswer = await measureAnswer(pg.port, missing);
    const statements = [
      "SELECT pg_backend_pid()",
      "CREATE TABLE items (id int PRIMARY KEY, name text)",
      "INSERT INTO items VALUES (1, 'apple')",
      "INSERT INTO items VALUES (2, 'pear'), (3, 'fig')",
      "SELECT id, name FROM items ORDER BY id",
      "UPDATE items SET name = 'kiwi' WHERE id = 3; SELECT count(*) FROM items; DELETE FROM items WHERE id = 1",
      missing,
      "SELECT name FROM items WHERE id = 3",
    ];
    const tracer = await startTracer();
    // -X: no psqlrc. The default sslmode=prefer sends an SSLRequest first,
    // which this server (ssl=off) answers 'N'. Each -c is one Query.
    const cli = await runClient(PSQL, [
      "-X",
      "-q",
      "-At",
      "-h",
      "127.0.0.1",
      "-p",
      String(pg.port),
      "-U",
      "postgres",
      ...statements.flatMap((s) => ["-c", s]),
    ]);
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stderr, /ERROR: {2}relation "nosuch" does not exist/);
    const out = cli.stdout.trim().split("\n");
    const backend = Number(out[0]);
    assert.deepEqual(out.slice(1), ["1|apple", "2|pear", "3|fig", "3", "kiwi"]);

    const conns = clientConnections(records, cli.pid);
    assert.equal(conns.length, 1, JSON.stringify(conns));
    const client = conns[0]!;
    const expected = [
      [q(statements[0]!), ok("SELECT 1", 1), queryBytes(statements[0]!), 0],
      [q(statements[1]!), ok("CREATE TABLE"), queryBytes(statements[1]!), complete("CREATE TABLE") + READY],
      [q(statements[2]!), ok("INSERT 0 1"), queryBytes(statements[2]!), complete("INSERT 0 1") + READY],
      [q(statements[3]!), ok("INSERT 0 2"), queryBytes(statements[3]!), complete("INSERT 0 2") + READY],
      [
        q(statements[4]!),
        ok("SELECT 3", 3),
        queryBytes(statements[4]!),
        rowDesc(["id", "name"]) + dataRow(["1", "apple"]) + dataRow(["2", "pear"]) + dataRow(["3", "fig"]) +
        complete("SELECT 3") + READY,
      ],
      [
        q(statements[5]!),
        ok("UPDATE 1; SELECT 1; DELETE 1", 1),
        queryBytes(statements[5]!),
        complete("UPDATE 1") + rowDesc(["count"]) + dataRow(["3"]) + complete("SELECT 1") + complete("DELETE 1") +
        READY,
      ],
      [
        q(missing),
        {
          status: "error",
          rows: 0,
          error_code: "42P01",
          error_message: 'relation "nosuch" does not exist',
          error_severity: "ERROR",
        },
        queryBytes(missing),
        errorAnswer,
      ],
      [
        q(statements[7]!),
        ok("SELECT 1", 1),
        queryBytes(statements[7]!),
        rowDesc(["name"]) + dataRow(["kiwi"]) + complete("SELECT 1") + READY,
      ],
    ];
    // The backend's pid is only known from its answer.
    expected[0]![3] = rowDesc(["pg_backend_pid"]) + dataRow([String(backend)]) + complete("SELECT 1") + READY;
    const server = assertBothSides(records, client, pg.port, expected);
    assert.equal(client[0]!.comm, "psql");
    assert.equal(server[0]!.pid, backend);
    // Nothing else was reported for the server's port: no record of the
    // SSLRequest, the startup, authentication or Terminate.
    const all = records.filter((r) =>
      r.protocol === "pgsql" && (r.local_port === pg.port || r.remote_port === pg.port)
    );
    assert.equal(all.length, 2 * expected.length, JSON.stringify(all));
  } finally {
    await pg.stop();
  }
});

/* ------------------------------------------------------------------ */
/* pgbench                                                             */
/* ------------------------------------------------------------------ */

/** The statements of `pgbench -i -s 1` (PostgreSQL 15, steps dtgvp), with their tags. */
const INIT: [string, string][] = [
  ["drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers", "DROP TABLE"],
  [
    "create table pgbench_history(tid int,bid int,aid    int,delta int,mtime timestamp,filler char(22))",
    "CREATE TABLE",
  ],
  [
    "create table pgbench_tellers(tid int not null,bid int,tbalance int,filler char(84)) with (fillfactor=100)",
    "CREATE TABLE",
  ],
  [
    "create table pgbench_accounts(aid    int not null,bid int,abalance int,filler char(84)) with (fillfactor=100)",
    "CREATE TABLE",
  ],
  [
    "create table pgbench_branches(bid int not null,bbalance int,filler char(88)) with (fillfactor=100)",
    "CREATE TABLE",
  ],
  ["begin", "BEGIN"],
  ["truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers", "TRUNCATE TABLE"],
  ["insert into pgbench_branches(bid,bbalance) values(1,0)", "INSERT 0 1"],
  ...Array.from(
    { length: 10 },
    (_, i) => [`insert into pgbench_tellers(tid,bid,tbalance) values (${i + 1},1,0)`, "INSERT 0 1"] as [string, string],
  ),
  ["copy pgbench_accounts from stdin with (freeze on)", "COPY 100000"],
  ["commit", "COMMIT"],
  ["vacuum analyze pgbench_branches", "VACUUM"],
  ["vacuum analyze pgbench_tellers", "VACUUM"],
  ["vacuum analyze pgbench_accounts", "VACUUM"],
  ["vacuum analyze pgbench_history", "VACUUM"],
  ["alter table pgbench_branches add primary key (bid)", "ALTER TABLE"],
  ["alter table pgbench_tellers add primary key (tid)", "ALTER TABLE"],
  ["alter table pgbench_accounts add primary key (aid)", "ALTER TABLE"],
];

/**
 * Bytes pgbench -i sends for its COPY: the Query, one CopyData per account
 * row ("aid\t1\t0\t\n"), the "\.\n" line as CopyData, and CopyDone.
 */
function copyRequestBytes(sql: string): number {
  let rows = 0;
  for (let aid = 1; aid <= 100_000; aid++) rows += 5 + String(aid).length + 6;
  return queryBytes(sql) + rows + (5 + 3) + 5;
}

/** What pgbench's main connection asks before a run (scale, partitions, vacuum). */
const PARTITIONS = "select o.n, p.partstrat, pg_catalog.count(i.inhparent) from pg_catalog.pg_class as c " +
  "join pg_catalog.pg_namespace as n on (n.oid = c.relnamespace) cross join lateral " +
  "(select pg_catalog.array_position(pg_catalog.current_schemas(true), n.nspname)) as o(n) " +
  "left join pg_catalog.pg_partitioned_table as p on (p.partrelid = c.oid) " +
  "left join pg_catalog.pg_inherits as i on (c.oid = i.inhparent) " +
  "where c.relname = 'pgbench_accounts' and o.n is not null group by 1, 2 order by 1 asc limit 1";
const SETUP = [
  [
    q("select count(*) from pgbench_branches"),
    ok("SELECT 1", 1),
    queryBytes("select count(*) from pgbench_branches"),
    rowDesc(["count"]) + dataRow(["1"]) + complete("SELECT 1") + READY,
  ],
  [
    q(PARTITIONS),
    ok("SELECT 1", 1),
    queryBytes(PARTITIONS),
    rowDesc(["n", "partstrat", "count"]) + dataRow(["1", null, "0"]) + complete("SELECT 1") + READY,
  ],
  [q("vacuum pgbench_branches"), ok("VACUUM"), queryBytes("vacuum pgbench_branches"), complete("VACUUM") + READY],
  [q("vacuum pgbench_tellers"), ok("VACUUM"), queryBytes("vacuum pgbench_tellers"), complete("VACUUM") + READY],
  [
    q("truncate pgbench_history"),
    ok("TRUNCATE TABLE"),
    queryBytes("truncate pgbench_history"),
    complete("TRUNCATE TABLE") + READY,
  ],
];

/** One transaction of pgbench's TPC-B-like script, as pgbench_history recorded it. */
interface Txn {
  tid: number;
  bid: number;
  aid: number;
  delta: number;
  /** pgbench_accounts.abalance of `aid` after this transaction's UPDATE. */
  balance: number;
}

/** The script's statements (pgbench's variables as `:name`), with their tags. */
const SCRIPT = [
  { sql: "BEGIN;", tag: "BEGIN" },
  { sql: "UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;", tag: "UPDATE 1" },
  { sql: "SELECT abalance FROM pgbench_accounts WHERE aid = :aid;", tag: "SELECT 1", select: true },
  { sql: "UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;", tag: "UPDATE 1" },
  { sql: "UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;", tag: "UPDATE 1" },
  {
    sql:
      "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);",
    tag: "INSERT 0 1",
  },
  { sql: "END;", tag: "COMMIT" },
].map((s) => ({ ...s, vars: [...s.sql.matchAll(/:(\w+)/g)].map((m) => m[1] as keyof Txn) }));

/** The records pgbench -M `mode` must produce on its client connection for `txns`. */
function expectedRun(mode: "simple" | "extended" | "prepared", txns: Txn[]): unknown[] {
  const out: unknown[] = [];
  const prepared = new Set<number>();
  for (const t of txns) {
    SCRIPT.forEach((s, i) => {
      const params = s.vars.map((v) => String(t[v]));
      const answer = (s.select ? rowDesc(["abalance"]) + dataRow([String(t.balance)]) : 0) + complete(s.tag) + READY;
      const resp = ok(s.tag, s.select ? 1 : 0);
      if (mode === "simple") {
        let n = 0;
        const sql = s.sql.replace(/:\w+/g, () => params[n++]!);
        out.push([q(sql), resp, queryBytes(sql), answer]);
        return;
      }
      let k = 0;
      const sql = s.sql.replace(/:\w+/g, () => `$${++k}`);
      const described = s.select ? 0 : NO_DATA; // RowDescription is counted in `answer`
      const req: PgsqlRequest = { type: "execute", query: sql };
      if (mode === "extended") {
        if (params.length > 0) req.params = params;
        out.push([
          req,
          resp,
          parseBytes("", sql) + bindBytes("", params) + DESCRIBE_EXECUTE_SYNC,
          PARSE_COMPLETE + BIND_COMPLETE + described + answer,
        ]);
        return;
      }
      // -M prepared: PostgreSQL 15's pgbench prepares each statement the
      // first time it runs it, with Parse + Sync, as P_<index>.
      const name = `P_${i}`;
      if (!prepared.has(i)) {
        prepared.add(i);
        out.push([
          { type: "parse", query: sql, statement: name },
          { status: "ok", rows: 0 },
          parseBytes(name, sql) + 5,
          PARSE_COMPLETE + READY,
        ]);
      }
      req.statement = name;
      if (params.length > 0) req.params = params;
      out.push([
        req,
        resp,
        bindBytes(name, params) + DESCRIBE_EXECUTE_SYNC,
        BIND_COMPLETE + described + answer,
      ]);
    });
  }
  return out;
}

Deno.test("pgbench -i and -M simple/extended/prepared: every statement reported once, exactly", async () => {
  const pg = await startPostgres();
  try {
    const port = String(pg.port);
    const conn = ["-h", "127.0.0.1", "-p", port, "-U", "postgres"];
    // On a fresh database "drop table if exists" answers with notices that
    // name the server's source lines: measure them (nothing exists yet).
    const dropAnswer = await measureAnswer(pg.port, INIT[0]![0]);
    const tracer = await startTracer();
    const init = await runClient(PGBENCH, ["-i", "-s", "1", ...conn, "postgres"]);
    assert.equal(init.code, 0, init.stderr);
    const runs: { mode: "simple" | "extended" | "prepared"; pid: number; txns: Txn[] }[] = [];
    const balances = new Map<number, number>();
    for (const mode of ["simple", "extended", "prepared"] as const) {
      const bench = await runClient(PGBENCH, ["-M", mode, "-t", "20", "-c", "1", ...conn, "postgres"]);
      assert.equal(bench.code, 0, bench.stderr);
      assert.match(bench.stdout, /number of transactions actually processed: 20\/20/);
      assert.match(bench.stdout, /number of failed transactions: 0 /);
      // pgbench_history holds this run's transactions (pgbench truncates it
      // first): with abalance starting at 0, it gives every value sent.
      const rows = await runClient(PSQL, [
        "-X",
        "-At",
        "-F",
        " ",
        ...conn,
        "-c",
        "SELECT tid, bid, aid, delta FROM pgbench_history ORDER BY mtime",
      ]);
      assert.equal(rows.code, 0, rows.stderr);
      const txns = rows.stdout.trim().split("\n").map((line) => {
        const [tid, bid, aid, delta] = line.split(" ").map(Number) as [number, number, number, number];
        const balance = (balances.get(aid) ?? 0) + delta;
        balances.set(aid, balance);
        return { tid, bid, aid, delta, balance };
      });
      assert.equal(txns.length, 20);
      runs.push({ mode, pid: bench.pid, txns });
    }
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    assert.match(stderr, / 0 events lost in the kernel/);

    // pgbench -i: one connection, every statement of its steps in order.
    const initConns = clientConnections(records, init.pid);
    assert.equal(initConns.length, 1, JSON.stringify(initConns.map((c) => c.length)));
    const initExpected = INIT.map(([sql, tag], i) => {
      if (i === 0) return [q(sql), ok(tag), queryBytes(sql), dropAnswer];
      if (tag.startsWith("COPY")) {
        // CopyInResponse ('G', 4 text columns), then CommandComplete.
        return [q(sql), ok(tag), copyRequestBytes(sql), 8 + 2 * 4 + complete(tag) + READY];
      }
      return [q(sql), ok(tag), queryBytes(sql), complete(tag) + READY];
    });
    assertBothSides(records, initConns[0]!, pg.port, initExpected);
    assert.equal(initConns[0]![0]!.comm, "pgbench");

    for (const { mode, pid, txns } of runs) {
      // The main connection (setup queries) and the benchmark's client.
      const conns = clientConnections(records, pid);
      assert.equal(conns.length, 2, `${mode}: ${JSON.stringify(conns.map((c) => c.length))}`);
      const [main, bench] = conns as [L7Record[], L7Record[]];
      assertBothSides(records, main, pg.port, SETUP);
      const expected = expectedRun(mode, txns);
      assert.equal(expected.length, mode === "prepared" ? 7 + 140 : 140);
      assertBothSides(records, bench, pg.port, expected);
      // Per statement kind: exactly what pgbench sent.
      const kinds = new Map<string, number>();
      for (const r of bench) {
        const k = `${(r.req as PgsqlRequest).type} ${(r.req as PgsqlRequest).query.split(" ")[0]}`;
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }
      const type = mode === "simple" ? "query" : "execute";
      const want = new Map([
        [`${type} BEGIN;`, 20],
        [`${type} UPDATE`, 60],
        [`${type} SELECT`, 20],
        [`${type} INSERT`, 20],
        [`${type} END;`, 20],
      ]);
      if (mode === "prepared") {
        for (const [k, n] of [["BEGIN;", 1], ["UPDATE", 3], ["SELECT", 1], ["INSERT", 1], ["END;", 1]] as const) {
          want.set(`parse ${k}`, n);
        }
      }
      assert.deepEqual(new Map([...kinds].sort()), new Map([...want].sort()), mode);
    }
    // No error anywhere on this server but what was asked for (none).
    const errors = records.filter((r) =>
      r.protocol === "pgsql" && (r.local_port === pg.port || r.remote_port === pg.port) &&
      (r.resp as PgsqlResponse | null)?.status !== "ok"
    );
    assert.deepEqual(errors, []);
  } finally {
    await pg.stop();
  }
});

/* ------------------------------------------------------------------ */
/* TLS                                                                 */
/* ------------------------------------------------------------------ */

Deno.test("psql over TLS (sslmode=require): plaintext from the OpenSSL probes, tls: true, on both sides", async () => {
  const cert = await makeCertificate();
  const pg = await startPostgres(cert);
  try {
    const tracer = await startTracer();
    const cli = await runClient(PSQL, [
      "-X",
      "-At",
      "sslmode=require host=127.0.0.1 port=" + pg.port + " user=postgres",
      "-c",
      "select 1",
      "-c",
      "select ssl from pg_stat_ssl where pid = pg_backend_pid()",
    ]);
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    assert.equal(cli.code, 0, cli.stderr);
    // The session really was encrypted.
    assert.deepEqual(cli.stdout.trim().split("\n"), ["1", "t"]);

    const ssl = "select ssl from pg_stat_ssl where pid = pg_backend_pid()";
    const expected = [
      [
        q("select 1"),
        ok("SELECT 1", 1),
        queryBytes("select 1"),
        rowDesc(["?column?"]) + dataRow(["1"]) + complete("SELECT 1") + READY,
      ],
      [q(ssl), ok("SELECT 1", 1), queryBytes(ssl), rowDesc(["ssl"]) + dataRow(["t"]) + complete("SELECT 1") + READY],
    ];
    const conns = clientConnections(records, cli.pid);
    assert.equal(conns.length, 1, `psql's records: ${JSON.stringify(records.filter((r) => r.pid === cli.pid))}`);
    assertBothSides(records, conns[0]!, pg.port, expected, true);
    // The plaintext SSLRequest and 'S' before the handshake make no record
    // of their own: two exchanges, each seen once per side.
    const all = records.filter((r) =>
      r.protocol === "pgsql" && (r.local_port === pg.port || r.remote_port === pg.port)
    );
    assert.equal(all.length, 2 * expected.length, JSON.stringify(all));
  } finally {
    await pg.stop();
  }
});
