/**
 * End-to-end MySQL tracing (root): a real MariaDB server, the `mariadb`
 * command-line client (text protocol), a raw Python client speaking the
 * binary protocol (prepared statements), and a result set far larger than
 * one kernel event, with exact records asserted on both sides.
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import type { MysqlRequest, MysqlResponse } from "../../lib/protocols/mysql/mod.ts";
import { recordsOf, type Server, startTracer } from "./harness.ts";
import { byTime, runClient, startMariadb, stopAll } from "./daemons.ts";
import { TextOutput } from "./text_output.ts";

const CLIENT = new URL("./clients/mysql_client.py", import.meta.url).pathname;

const req = (r: L7Record) => r.req as MysqlRequest;
const resp = (r: L7Record) => r.resp as MysqlResponse;

/** `mariadb` over TCP as root, one statement per line of `sql` via -e. */
function mariadb(port: number, sql: string, db?: string) {
  return runClient("mariadb", [
    "--no-defaults",
    "-h127.0.0.1",
    `-P${port}`,
    "-uroot",
    "--skip-ssl",
    ...(db ? [db] : []),
    "-e",
    sql,
  ]);
}

/** The raw Python client (tests/e2e/clients/mysql_client.py): pid and its JSON lines. */
async function rawClient(port: number, scenario: string) {
  const out = await runClient("python3", [CLIENT, String(port), scenario]);
  assert.equal(out.code, 0, out.stderr);
  // deno-lint-ignore no-explicit-any
  const lines = out.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, any>);
  return { pid: out.pid, lines };
}

function assertCommon(r: L7Record, side: "client" | "server", pid: number, comm: string, port: number): void {
  assert.equal(r.protocol, "mysql");
  assert.equal(r.side, side);
  assert.equal(r.pid, pid);
  assert.equal(r.comm, comm);
  assert.equal(r.tls, false);
  assert.equal(r.local_ip, "127.0.0.1");
  assert.equal(r.remote_ip, "127.0.0.1");
  assert.equal(side === "server" ? r.local_port : r.remote_port, port);
  assert.match(r.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  if (r.resp === null) assert.equal(r.latency_ms, null);
  else assert.ok(r.latency_ms !== null && r.latency_ms > 0 && r.latency_ms < 5000, `latency ${r.latency_ms}`);
}

/** The server's records of the connection whose client end is `clientPort`. */
function serverSide(records: L7Record[], server: Server, clientPort: number): L7Record[] {
  return byTime(recordsOf(records, server.pid, "server").filter((r) => r.remote_port === clientPort));
}

/** Bytes of a COM_QUERY packet carrying `sql`. */
const queryBytes = (sql: string) => 4 + 1 + new TextEncoder().encode(sql).length;

Deno.test("the mariadb client: DDL, INSERT, SELECT, USE and a failing query give exact records", async () => {
  let db: Server | undefined;
  try {
    db = await startMariadb();
    const tracer = await startTracer();
    const statements = [
      "CREATE DATABASE shop",
      "CREATE TABLE shop.items (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20))",
      "INSERT INTO shop.items (name) VALUES ('apple')",
      "INSERT INTO shop.items (name) VALUES ('pear'), ('fig')",
      "USE shop",
      "SELECT id, name FROM items ORDER BY id",
      "SELECT * FROM nosuch",
    ];
    const cli = await mariadb(db.port, statements.join(";\n"));
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    // The client stops at the error (no --force), with status 1.
    assert.equal(cli.code, 1, cli.stderr);
    assert.match(cli.stderr, /ERROR 1146 \(42S02\) at line 7: Table 'shop.nosuch' doesn't exist/);
    assert.equal(cli.stdout, "id\tname\n1\tapple\n2\tpear\n3\tfig\n");

    const client = byTime(recordsOf(records, cli.pid, "client"));
    const ok = (affected: number, insertId: number, extra: Partial<MysqlResponse> = {}): MysqlResponse => ({
      status: "ok",
      affected_rows: affected,
      last_insert_id: insertId,
      warnings: 0,
      ...extra,
    });
    const query = (sql: string) => ({ command: "COM_QUERY", query: sql });
    // In batch mode the client sends no `select @@version_comment`; `USE`
    // is its own command: it asks for the current schema, then COM_INIT_DB.
    const expected: [MysqlRequest, MysqlResponse | null][] = [
      [query(statements[0]!), ok(1, 0)],
      [query(statements[1]!), ok(0, 0)],
      [query(statements[2]!), ok(1, 1)],
      [query(statements[3]!), ok(2, 2, { info: "Records: 2  Duplicates: 0  Warnings: 0" })],
      [query("SELECT DATABASE()"), { status: "resultset", columns: 1, warnings: 0, rows: 1 }],
      [{ command: "COM_INIT_DB", query: "shop" }, ok(0, 0)],
      [query(statements[5]!), { status: "resultset", columns: 2, warnings: 0, rows: 3 }],
      [query(statements[6]!), {
        status: "error",
        error_code: 1146,
        sql_state: "42S02",
        error_message: "Table 'shop.nosuch' doesn't exist",
      }],
      [{ command: "COM_QUIT", query: null }, null],
    ];
    assert.deepEqual(client.map((r) => [r.req, r.resp]), expected, JSON.stringify(client));
    const local = client[0]!.local_port;
    const server = serverSide(records, db, local);
    assert.deepEqual(server.map((r) => [r.req, r.resp]), expected, JSON.stringify(server));

    for (let i = 0; i < expected.length; i++) {
      const [c, s] = [client[i]!, server[i]!];
      assertCommon(c, "client", cli.pid, "mariadb", db.port);
      assertCommon(s, "server", db.pid, "mariadbd", db.port);
      assert.equal(c.local_port, local, "one connection");
      assert.equal(c.fd, client[0]!.fd);
      assert.deepEqual([c.req_bytes, c.resp_bytes], [s.req_bytes, s.resp_bytes], JSON.stringify(c.req));
      const q = req(c);
      if (q.command === "COM_QUERY") assert.equal(c.req_bytes, queryBytes(q.query!));
    }
    assert.equal(client[5]!.req_bytes, 4 + 1 + "shop".length);
    assert.equal(client[8]!.req_bytes, 5);
    assert.equal(client[8]!.resp_bytes, 0);
    // OK packets without info: header + 0x00, two one-byte integers, status, warnings.
    for (const i of [0, 1, 2]) assert.equal(client[i]!.resp_bytes, 4 + 7, `OK of ${i}`);
    // The OK of COM_INIT_DB also reports the schema change (CLIENT_SESSION_TRACK):
    // empty info, state length 7, SESSION_TRACK_SCHEMA, data length 5, "shop".
    assert.equal(client[5]!.resp_bytes, 4 + 7 + 1 + 1 + 1 + 1 + 1 + "shop".length);
    // ERR: header, 0xff, code, '#', SQLSTATE, message.
    assert.equal(client[7]!.resp_bytes, 4 + 1 + 2 + 1 + 5 + "Table 'shop.nosuch' doesn't exist".length);
  } finally {
    await stopAll(db);
  }
});

Deno.test("prepared statements over the binary protocol: PREPARE, EXECUTE with bound parameters, CLOSE", async () => {
  let db: Server | undefined;
  try {
    db = await startMariadb();
    const tracer = await startTracer();
    const raw = await rawClient(db.port, "stmt");
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    const [prep, exec1, exec2, close, select] = raw.lines;
    assert.deepEqual([prep!.command, prep!.statement_id, prep!.params, prep!.columns], ["prepare", 1, 2, 1]);
    assert.deepEqual(exec1!.rows, [[42]]);
    assert.deepEqual(exec2!.rows, [[null]]);
    assert.equal(close!.command, "close");

    const sql = "SELECT ? + ?";
    const expected: [unknown, unknown, number, number][] = [
      [
        { command: "COM_STMT_PREPARE", query: sql },
        { status: "ok", statement_id: 1, columns: 1, param_count: 2, warnings: 0 },
        4 + 1 + sql.length,
        prep!.bytes,
      ],
      [
        { command: "COM_STMT_EXECUTE", query: sql, statement_id: 1, params: [2, 40] },
        { status: "resultset", columns: 1, warnings: 0, rows: 1 },
        exec1!.sent,
        exec1!.bytes,
      ],
      [
        { command: "COM_STMT_EXECUTE", query: sql, statement_id: 1, params: [-7, null] },
        { status: "resultset", columns: 1, warnings: 0, rows: 1 },
        exec2!.sent,
        exec2!.bytes,
      ],
      // COM_STMT_CLOSE gets no response: reported with resp null.
      [{ command: "COM_STMT_CLOSE", query: sql, statement_id: 1 }, null, 4 + 5, 0],
      [
        { command: "COM_QUERY", query: "SELECT 1" },
        { status: "resultset", columns: 1, warnings: 0, rows: 1 },
        13,
        select!
          .bytes,
      ],
      [{ command: "COM_QUIT", query: null }, null, 5, 0],
    ];
    const client = byTime(recordsOf(records, raw.pid, "client"));
    assert.ok(client.length > 0, JSON.stringify(records.filter((r) => r.protocol === "mysql")));
    const view = (rs: L7Record[]) => rs.map((r) => [r.req, r.resp, r.req_bytes, r.resp_bytes]);
    assert.deepEqual(view(client), expected, "client side");
    const server = serverSide(records, db, client[0]!.local_port);
    assert.deepEqual(view(server), expected, "server side");
    for (const r of client) assertCommon(r, "client", raw.pid, client[0]!.comm, db.port);
    for (const r of server) assertCommon(r, "server", db.pid, "mariadbd", db.port);
    assert.match(client[0]!.comm, /^python3/);
  } finally {
    await stopAll(db);
  }
});

Deno.test("a connection opened before l7trace is traced on both sides from its next command", async () => {
  let db: Server | undefined;
  let child: Deno.ChildProcess | undefined;
  try {
    db = await startMariadb();
    // Logs in and prepares "SELECT ? * 2" before l7trace starts; then waits.
    child = new Deno.Command("python3", {
      args: [CLIENT, String(db.port), "late"],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const out = new TextOutput(child.stdout);
    await out.until("ready\n", "mysql_client.py late");
    const tracer = await startTracer();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode("go\n"));
    await w.close();
    const text = await out.rest();
    const status = await child.status;
    const lines = text.trim().split("\n").slice(1).map((l) => JSON.parse(l));
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    assert.equal(status.code, 0);
    const pid = child.pid;
    child = undefined;
    assert.deepEqual(lines.map((l) => [l.command, l.rows ?? null]), [
      ["query", [["1"]]],
      ["execute", [[42]]],
      ["prepare", null],
      ["execute", [[2]]],
    ]);
    const expected = [
      [{ command: "COM_QUERY", query: "SELECT 1" }, { status: "resultset", columns: 1, warnings: 0, rows: 1 }],
      // Prepared before l7trace: its SQL is unknown, its bound parameters are not.
      [
        { command: "COM_STMT_EXECUTE", query: null, statement_id: 1, params: [21] },
        { status: "resultset", columns: 1, warnings: 0, rows: 1 },
      ],
      [
        { command: "COM_STMT_PREPARE", query: "SELECT ? + 1" },
        { status: "ok", statement_id: 2, columns: 1, param_count: 1, warnings: 0 },
      ],
      [
        { command: "COM_STMT_EXECUTE", query: "SELECT ? + 1", statement_id: 2, params: [1] },
        { status: "resultset", columns: 1, warnings: 0, rows: 1 },
      ],
      [{ command: "COM_QUIT", query: null }, null],
    ];
    const client = byTime(recordsOf(records, pid, "client"));
    assert.deepEqual(client.map((r) => [r.req, r.resp]), expected, "client side");
    assert.deepEqual(client.map((r) => r.resp_bytes), [
      lines[0].bytes,
      lines[1].bytes,
      lines[2].bytes,
      lines[3].bytes,
      0,
    ]);
    // mariadbd was waiting in poll() when l7trace attached, so every read
    // of these commands is seen. But it reads each packet as a 4-byte
    // header, then the payload, in two recvfrom calls: no single syscall
    // holds a whole command packet, which is what the kernel needs to
    // infer MySQL from a request (new connections are inferred from the
    // server's greeting instead, which this connection sent long ago).
    const server = serverSide(records, db, client[0]!.local_port);
    assert.deepEqual(server.map((r) => [r.req, r.resp]), expected, "server side");
  } finally {
    if (child) {
      child.kill("SIGKILL");
      await child.status;
    }
    await stopAll(db);
  }
});

Deno.test("a client without session tracking: OK info strings and a multi-statement query ending in an error", async () => {
  let db: Server | undefined;
  try {
    db = await startMariadb();
    const tracer = await startTracer();
    const raw = await rawClient(db.port, "multi");
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    const ok = (affected: number, info?: string): MysqlResponse => ({
      status: "ok",
      affected_rows: affected,
      last_insert_id: 0,
      warnings: 0,
      ...(info ? { info } : {}),
    });
    // The client has no CLIENT_SESSION_TRACK; the server still writes the
    // info as a length-encoded string (as libmysqlclient reads it), and the
    // client decoded it that way: no length byte may leak into the text.
    const responses: MysqlResponse[] = [
      ok(1),
      ok(0),
      ok(2, "Records: 2  Duplicates: 0  Warnings: 0"),
      ok(2, "Rows matched: 2  Changed: 2  Warnings: 0"),
      // Two result sets (1 + 2 rows), an OK (UPDATE), then the error.
      {
        status: "error",
        columns: 1,
        rows: 3,
        result_sets: 2,
        affected_rows: 0,
        last_insert_id: 0,
        warnings: 0,
        info: "Rows matched: 2  Changed: 0  Warnings: 0",
        error_code: 1146,
        sql_state: "42S02",
        error_message: "Table 'd.nosuch' doesn't exist",
      },
    ];
    assert.deepEqual(raw.lines.map((l) => l.results.map((x: { info?: string }) => x.info ?? null)), [
      [null],
      [null],
      ["Records: 2  Duplicates: 0  Warnings: 0"],
      ["Rows matched: 2  Changed: 2  Warnings: 0"],
      [null, null, "Rows matched: 2  Changed: 0  Warnings: 0", null],
    ]);
    const expected = [
      ...raw.lines.map((l, i) => [{ command: "COM_QUERY", query: l.sql }, responses[i], queryBytes(l.sql), l.bytes]),
      [{ command: "COM_QUIT", query: null }, null, 5, 0],
    ];
    const view = (rs: L7Record[]) => rs.map((r) => [r.req, r.resp, r.req_bytes, r.resp_bytes]);
    const client = byTime(recordsOf(records, raw.pid, "client"));
    assert.deepEqual(view(client), expected, "client side");
    assert.deepEqual(view(serverSide(records, db, client[0]!.local_port)), expected, "server side");
  } finally {
    await stopAll(db);
  }
});

Deno.test("a 5000-row result written in one 149 KB syscall is counted exactly", async () => {
  let db: Server | undefined;
  try {
    // A 1 MiB network buffer: mariadbd sends the whole result in one write,
    // several times the largest event the kernel side copies (30 KiB).
    db = await startMariadb(["--net-buffer-length=1048576"]);
    const tracer = await startTracer();
    const raw = await rawClient(db.port, "big");
    const sql = "SELECT seq, REPEAT('x', 20) FROM mysql.seq_1_to_5000";
    const cli = await mariadb(db.port, sql);
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout.trim().split("\n").length, 5001);
    const big = raw.lines[0]!;
    assert.equal(big.row_count, 5000);
    // Row packets alone: header, lenenc seq, lenenc 20 x.
    let rowBytes = 0;
    for (let i = 1; i <= 5000; i++) rowBytes += 4 + 1 + String(i).length + 1 + 20;
    assert.ok(big.bytes > rowBytes && big.bytes < rowBytes + 300, `${big.bytes}`);

    const expectedResp = { status: "resultset", columns: 2, warnings: 0, rows: 5000 };
    // The raw client: its exact byte count.
    const rawClientRecs = byTime(recordsOf(records, raw.pid, "client"));
    const view = (rs: L7Record[]) => rs.map((r) => [req(r).command, req(r).query, r.resp, r.req_bytes, r.resp_bytes]);
    const rawExpected = [
      ["COM_QUERY", sql, expectedResp, queryBytes(sql), big.bytes],
      ["COM_QUIT", null, null, 5, 0],
    ];
    assert.deepEqual(view(rawClientRecs), rawExpected, "raw client");
    assert.deepEqual(view(serverSide(records, db, rawClientRecs[0]!.local_port)), rawExpected, "server of raw client");

    // The mariadb client: same rows; its resp_bytes agree with the server's.
    const cliRecs = byTime(recordsOf(records, cli.pid, "client"));
    assert.deepEqual(cliRecs.map((r) => [req(r).query, r.resp]), [[sql, expectedResp], [null, null]]);
    const cliServer = serverSide(records, db, cliRecs[0]!.local_port);
    assert.deepEqual(cliServer.map((r) => [req(r).query, r.resp]), [[sql, expectedResp], [null, null]]);
    const q = cliRecs[0]!;
    assert.equal(q.resp_bytes, cliServer[0]!.resp_bytes);
    assert.ok(q.resp_bytes > rowBytes && q.resp_bytes < rowBytes + 300, `resp_bytes ${q.resp_bytes}`);
    assert.ok(resp(q).rows === 5000);
  } finally {
    await stopAll(db);
  }
});
