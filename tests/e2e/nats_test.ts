/**
 * End-to-end NATS tracing (root): two real nats-servers (one with
 * --user/--pass), a subscriber and a verbose publisher (deliveries, headers,
 * a queue group, a 100 KB message, a request and its reply), pedantic
 * errors with and without verbose mode, a good and a bad login, and a
 * client the server pings, all raw-socket clients (clients/nats_client.py).
 * Exact records on each client's side and on nats-server's, the secrets
 * of CONNECT hidden without --redact, and the `nats` filters.
 */
import assert from "node:assert/strict";
import type { NatsRequest } from "../../lib/protocols/nats/types.ts";
import { subjectMatches } from "../../lib/protocols/nats/subject.ts";
import type { L7Record } from "../../lib/record.ts";
import { recordsOf, type Server, startTracer } from "./harness.ts";
import { type Ran, runClient, startNats, stopAll } from "./daemons.ts";
import * as R from "./nats_records.ts";

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
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`nats_client.py sub ended before it was ready: ${out}`);
    out += value;
  }
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return out;
      out += value;
    }
  })();
  const done = (async (): Promise<Ran> => {
    const [status, stdout, stderr] = await Promise.all([child.status, rest, new Response(child.stderr).text()]);
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
