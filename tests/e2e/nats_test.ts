/**
 * End-to-end NATS tracing (root): two real nats-servers (one with
 * --user/--pass), a subscriber and a verbose publisher (deliveries, headers,
 * a queue group, a 100 KB message, a request and its reply), pedantic
 * errors with and without verbose mode, a good and a bad login, and a
 * client the server pings, all raw-socket clients (clients/nats_client.py).
 * Exact records on each client's side and on nats-server's, the secrets
 * of CONNECT hidden without --redact, and the `nats` filters. And a
 * publisher and a subscriber connected before l7trace started, traced from
 * their next PUB and MSG on.
 */
import assert from "node:assert/strict";
import type { NatsRequest } from "../../lib/protocols/nats/types.ts";
import { subjectMatches } from "../../lib/protocols/nats/subject.ts";
import type { L7Record } from "../../lib/record.ts";
import { orLate, recordsOf, type Server, startTracer, type Tracer } from "./harness.ts";
import { byTime, type Ran, runClient, startNats, stopAll } from "./daemons.ts";
import * as R from "./nats_records.ts";
import { TextOutput } from "./text_output.ts";

const CLIENT = new URL("./clients/nats_client.py", import.meta.url).pathname;
const MAX_BODY = 64;

function view(r: L7Record): R.View {
  return [r.req as NatsRequest, r.resp as R.View[1], r.req_bytes, r.resp_bytes];
}

/** Starts the subscriber session and resolves once its subscriptions are in place. */
async function subscriber(port: number) {
  const child = new Deno.Command("python3", {
    args: [CLIENT, "sub", "127.0.0.1", String(port)],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const out = new TextOutput(child.stdout);
  await out.until("ready", "nats_client.py sub");
  const done = (async (): Promise<Ran> => {
    const [status, stdout, stderr] = await Promise.all([child.status, out.rest(), new Response(child.stderr).text()]);
    return { pid: child.pid, code: status.code, stdout, stderr };
  })();
  return { pid: child.pid, done };
}

/**
 * One client's NATS records on `side` (its own, or the server's for its
 * connection): the INFO first, checked apart; then the views. A PING the
 * server sent to a client that was not waiting for one (its timer is its
 * own) must be a PING -> PONG, and is left out of the views.
 */
function sessionViews(
  records: L7Record[],
  server: Server,
  info: { auth: boolean },
  keepServerPings: boolean,
): R.View[] {
  assert.ok(records.length > 0, "no records");
  const [first, ...rest] = records;
  const q = first!.req as NatsRequest;
  assert.equal(q.op, "INFO", JSON.stringify(first));
  assert.equal(q.sender, "server");
  assert.equal(first!.resp, null);
  assert.equal(q.info!.version, "2.9.10");
  assert.equal(q.info!.port, server.port);
  assert.equal(q.info!.max_payload, 1048576);
  assert.equal(q.info!.auth_required, info.auth ? true : undefined);
  assert.equal(typeof q.info!.server_id, "string");
  for (const r of rest) assert.equal(r.protocol, "nats");
  return rest.map(view).filter(([req, resp]) => {
    if (keepServerPings || req.op !== "PING" || req.sender !== "server") return true;
    assert.deepEqual(resp, { op: "PONG" });
    return false;
  });
}

Deno.test("nats-server and raw clients: exact records on both sides, secrets hidden, --op and --subject", async () => {
  let plain: Server | undefined, auth: Server | undefined;
  try {
    plain = await startNats();
    auth = await startNats(["--user", "alice", "--pass", "s3cret"]);
    const tracer = await startTracer(["nats", "--max-body-bytes", String(MAX_BODY)]);
    const filtered = await startTracer([
      "nats",
      "--op",
      "pub,msg",
      "--subject",
      "e2e.*",
      "--max-body-bytes",
      String(MAX_BODY),
      "--workers",
      "1",
    ]);
    const session = (name: string, s: Server, ...extra: string[]) =>
      runClient("python3", [CLIENT, name, "127.0.0.1", String(s.port), ...extra]);
    const sub = await subscriber(plain.port);
    const pub = await session("pub", plain);
    const subRan = await sub.done;
    const pedantic = await session("pedantic", plain);
    const quiet = await session("quiet-err", plain);
    const login = await session("auth", auth, "alice", "s3cret");
    const badLogin = await session("auth", auth, "alice", "wrong");
    const idle = await session("idle", plain);
    const { records, code, stderr } = await tracer.stop();
    const f = await filtered.stop();
    assert.equal(code, 0, stderr);
    assert.equal(f.code, 0, f.stderr);
    const runs = { subRan, pub, pedantic, quiet, login, badLogin, idle };
    for (const [name, r] of Object.entries(runs)) assert.equal(r.code, 0, `${name}: ${r.stderr}`);

    const cases: [Ran, Server, R.View[], boolean][] = [
      [subRan, plain, R.subscriberViews(MAX_BODY), false],
      [pub, plain, R.publisherViews(MAX_BODY), false],
      [pedantic, plain, R.pedanticViews(), false],
      [quiet, plain, R.quietErrViews(), false],
      [login, auth, R.loginViews("s3cret", true), false],
      [badLogin, auth, R.loginViews("wrong", false), false],
      [idle, plain, R.idleViews(), true],
    ];
    for (const [ran, server, want, keepPings] of cases) {
      const client = recordsOf(records, ran.pid, "client");
      const info: { auth: boolean } = { auth: server.port === auth.port };
      assert.deepEqual(sessionViews(client, server, info, keepPings), want, JSON.stringify(client));
      // nats-server's side of the same connection: the same records.
      const port = client[0]!.local_port;
      const onServer = recordsOf(records, server.pid, "server").filter((r) => r.remote_port === port);
      assert.deepEqual(sessionViews(onServer, server, info, keepPings), want, JSON.stringify(onServer));
      assert.ok([...client, ...onServer].every((r) => r.remote_port === server.port || r.local_port === server.port));
    }
    // Each client's records are its own connection's; the servers have no other connection.
    const clientPorts = cases.map(([ran]) => recordsOf(records, ran.pid, "client")[0]!.local_port);
    for (const s of [plain, auth]) {
      const ports = new Set(recordsOf(records, s.pid, "server").map((r) => r.remote_port));
      assert.ok([...ports].every((p) => clientPorts.includes(p)), [...ports].join(","));
    }
    // CONNECT's user and pass are never printed, --redact or not.
    const printed = JSON.stringify(records);
    assert.ok(!printed.includes("s3cret") && !printed.includes("wrong") && !printed.includes("alice"));

    // --op pub,msg --subject e2e.*: exactly what the full trace holds that matches, on both sides.
    const mine = (r: L7Record) =>
      r.protocol === "nats" &&
      (cases.some(([ran]) => r.pid === ran.pid) || r.pid === plain!.pid || r.pid === auth!.pid);
    const wanted = records.filter((r) => {
      const q = r.req as NatsRequest;
      return mine(r) && (q.op === "PUB" || q.op === "MSG") && subjectMatches("e2e.*", q.subject ?? "");
    });
    // 6 deliveries to the subscriber, 5 PUBs of the publisher, the two refused PUBs (subject "e2e.*"): each twice.
    assert.equal(wanted.length, 2 * (6 + 5 + 2));
    const key = (r: L7Record) => JSON.stringify([r.pid, r.side, r.local_port, r.req, r.resp]);
    assert.deepEqual(f.records.filter(mine).map(key).sort(), wanted.map(key).sort());
  } finally {
    await stopAll(plain, auth);
  }
});

/** A raw NATS connection of this process: each operation one write. */
class RawNats {
  readonly #decoder = new TextDecoder();
  #got = "";
  #serverPings = 0;
  private constructor(readonly conn: Deno.TcpConn) {}

  static async open(port: number, name: string): Promise<RawNats> {
    const c = new RawNats(await Deno.connect({ hostname: "127.0.0.1", port }));
    await c.expect(/^INFO \{.*\} ?\r\n/);
    await c.send(`CONNECT {"verbose":false,"pedantic":false,"name":"${name}","lang":"deno","protocol":1}\r\n`);
    await c.send("PING\r\n");
    await c.expect(/^PONG\r\n/);
    return c;
  }

  get localPort(): number {
    return (this.conn.localAddr as Deno.NetAddr).port;
  }

  async send(text: string): Promise<void> {
    const bytes = new TextEncoder().encode(text);
    // One write: the kernel sees each operation start a syscall.
    assert.equal(await this.conn.write(bytes), bytes.length);
  }

  /**
   * Reads until the received text starts with `pattern`, and consumes it.
   * nats-server PINGs each client 2 to 2.4 s after its CONNECT (to measure
   * the round trip), whatever the client is doing: such a PING is answered
   * wherever it arrives, in one write, as a client library would.
   */
  async expect(pattern: RegExp): Promise<void> {
    await this.#until(() => {
      const m = pattern.exec(this.#got);
      if (m) this.#got = this.#got.slice(m[0].length);
      return m !== null;
    }, String(pattern));
  }

  /** Waits for the server's first PING (see expect), answered. */
  async serverPing(): Promise<void> {
    await this.#until(() => this.#serverPings > 0, "the server's PING");
  }

  async #until(done: () => boolean, what: string): Promise<void> {
    const buf = new Uint8Array(4096);
    const deadline = Date.now() + 15_000;
    for (;;) {
      while (this.#got.startsWith("PING\r\n")) {
        this.#got = this.#got.slice(6);
        this.#serverPings++;
        await this.send("PONG\r\n");
      }
      if (done()) return;
      const n = await orLate(this.conn.read(buf), Math.max(0, deadline - Date.now()), "timeout" as const);
      if (n === null) throw new Error(`nats: connection closed waiting for ${what}; got ${JSON.stringify(this.#got)}`);
      if (n === "timeout") throw new Error(`nats: no ${what} within 15 s; got ${JSON.stringify(this.#got)}`);
      this.#got += this.#decoder.decode(buf.subarray(0, n));
    }
  }
}

Deno.test("connections opened before l7trace, a publisher and a subscriber, are traced from their next operation", async () => {
  let nats: Server | undefined;
  let tracer: Tracer | undefined;
  const conns: RawNats[] = [];
  try {
    nats = await startNats();
    const sub = await RawNats.open(nats.port, "late-sub");
    const pub = await RawNats.open(nats.port, "late-pub");
    conns.push(sub, pub);
    await sub.send("SUB e2e.late 1\r\n");
    await sub.send("PING\r\n");
    await sub.expect(/^PONG\r\n/);
    // Before l7trace starts: the server's one early PING of each connection, answered.
    await sub.serverPing();
    await pub.serverPing();
    tracer = await startTracer(["nats"]);
    // The first bytes l7trace sees of either connection: a PUB, and the MSG it becomes.
    await pub.send("PUB e2e.late 5\r\nhello\r\n");
    await sub.expect(/^MSG e2e\.late 1 5\r\nhello\r\n/);
    await pub.send("PUB e2e.late 2\r\nhi\r\n");
    await sub.expect(/^MSG e2e\.late 1 2\r\nhi\r\n/);
    await sub.send("PING\r\n");
    await sub.expect(/^PONG\r\n/);
    await sub.send("UNSUB 1\r\n");
    await pub.send("PING\r\n");
    await pub.expect(/^PONG\r\n/);
    const { records, code, stderr } = await tracer.stop();
    tracer = undefined;
    assert.equal(code, 0, stderr);

    const views = (rs: L7Record[]) => byTime(rs).map(view);
    const pubWant = [R.pub("e2e.late", "hello", null), R.pub("e2e.late", "hi", null), R.ping()];
    const subWant = [R.msg("e2e.late", "1", "hello"), R.msg("e2e.late", "1", "hi"), R.ping(), R.unsub("1", null)];
    const mine = recordsOf(records, Deno.pid, "client");
    const server = recordsOf(records, nats.pid, "server");
    assert.deepEqual(views(mine.filter((r) => r.local_port === pub.localPort)), pubWant, "publisher, client side");
    assert.deepEqual(views(server.filter((r) => r.remote_port === pub.localPort)), pubWant, "publisher, server side");
    assert.deepEqual(views(mine.filter((r) => r.local_port === sub.localPort)), subWant, "subscriber, client side");
    assert.deepEqual(views(server.filter((r) => r.remote_port === sub.localPort)), subWant, "subscriber, server side");
  } finally {
    for (const c of conns) c.conn.close();
    await tracer?.stop();
    await stopAll(nats);
  }
});
